"""The start form as it opens for the one who starts: plain defaults, and ``${expressions}`` evaluated
for the starter's organisation, so a default may ask the committees (gf_appointment's
``${committee_data('tv')['first_chair_by_ba']}``) the same way the start itself does."""

from __future__ import annotations

from typing import Any

from casework.cases.runtime import RuntimeService
from casework.context import running_case
from casework.records import Actor
from casework.unit_of_work import unit_of_work


def start_form_defaults(runtime: RuntimeService, process_key: str, actor: Actor) -> dict[str, Any]:
    """Initial values of the process's start form for ``actor`` (a failing expression: no value).

    Raises:
        NotFound: no such process.  Forbidden: the actor may not start it.
    """
    with unit_of_work(write=False) as session:
        _definition, model = runtime.startable(session, process_key, actor)
        owner = actor.primary_organisation_id
        parties, land = runtime.access.parties_for(session, owner)
        with running_case(session, None, owner, parties):
            data = {"started_by": actor.username, "land": land or "NW"}
            return runtime.engine.form_defaults(model.start_form, data)
