"""Variables the system owns: a client may not set them when it starts a case (issue 11).

``land`` drives holidays, deadlines and which Land's authority a case involves; ``started_by`` and
``starter_groups`` say who acted; the organisation decides who sees the case. They come from the
starter's organisation and session only. A process may mark more of its variables as system-set
with the process property ``camunda:property name="system_variables" value="a, b"``.

``land`` is the one DOMAIN.md lists among the start variables of `instruction_conflict` and
`option_application`, and clients written against it send it. So a ``land`` equal to the
organisation's Land is accepted (it says nothing new), a different one is refused. Only an
organisation without a Land of its own (a federal body) names the case's Land, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from casework.errors import ValidationFailed

ALWAYS_SYSTEM = ("started_by", "starter_groups", "organisation", "organisation_id")
SET_BY_SYSTEM = "Wird vom System gesetzt (aus Organisation und Anmeldung) und darf nicht übergeben werden."


def refuse_system_variables(variables: Mapping[str, Any], marked: Iterable[str], *, land: bool = False) -> None:
    """Raises ValidationFailed naming every system-owned variable the client sent; ``land`` only
    with ``land=True`` (a start checks it against the organisation instead, ``land_of_case``)."""
    sent = [name for name in (*ALWAYS_SYSTEM, *marked) if name in variables and (land or name != "land")]
    if sent:
        raise ValidationFailed("Die Eingaben sind ungültig.", dict.fromkeys(sent, SET_BY_SYSTEM))


def land_of_case(given: str | None, organisation_land: str | None) -> str | None:
    """The case's Land: the organisation's; a ``given`` one only where the organisation has none.

    ``given`` is already a checked Land code (or None when not sent).

    Raises:
        ValidationFailed: ``given`` differs from the organisation's Land.
    """
    if organisation_land is None:
        return given
    if given is not None and given != organisation_land:
        raise ValidationFailed(
            "Die Eingaben sind ungültig.",
            {"land": f"Das Land ergibt sich aus der Organisation ({organisation_land}); "
                     f"ein anderes ({given}) ist nicht erlaubt."},
        )
    return organisation_land
