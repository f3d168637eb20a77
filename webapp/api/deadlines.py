"""POST /api/v1/deadlines: the deadline calculator over JSON (API.md, DOMAIN.md §3 "Deadlines").

The schema checks the shape (types, the kinds); the calculator checks the meaning (a real date,
exactly one of event_date and posted_on, a period it can count, a known Land) and names the field.
"""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify
from pydantic import Field

from webapp.api.routes import bp
from webapp.api.schemas import Answer, Body, Identifier
from webapp.api.spec import endpoint
from webapp.common import services

DATE = {"format": "date"}


class DeadlineRequest(Body):
    """Exactly one of event_date and posted_on."""

    event_date: str | None = Field(
        None,
        description="the triggering event (deadline, appointment) or the first day (period), YYYY-MM-DD",
        json_schema_extra=DATE,
    )
    posted_on: str | None = Field(
        None,
        description="the day a letter was posted; the end counts from the § 37 Abs. 2 SGB X fiction",
        json_schema_extra=DATE,
    )
    period: str = Field(description="ISO 8601, whole days or more: P14D, P2W, P1M, P3M, P1Y, P1Y6M")
    land: str = Field(description="holidays subdivision code of the Land where the act is done, e.g. NW, BY")
    organisation: Identifier | None = Field(
        None, description="id of an organisation whose municipal holidays count too"
    )
    kind: Literal["deadline", "period", "appointment"] = Field(
        description="deadline moves off weekends and holidays (§ 193 BGB); period and appointment never move"
    )
    counting: Literal["event", "beginning_of_day"] | None = Field(
        None,
        description="default: event for deadline/appointment (§ 187 Abs. 1), beginning_of_day for period "
        "(§ 187 Abs. 2)",
    )


class DeadlineResult(Answer):
    start: str = Field(json_schema_extra=DATE)
    end: str = Field(json_schema_extra=DATE)
    unshifted_end: str = Field(json_schema_extra=DATE)
    shifted_because: list[str] | None = Field(
        None, description="only when the end moved: holiday or weekday names (German)"
    )
    notified_on: str | None = Field(
        None, description="only with posted_on: the day the letter is deemed received", json_schema_extra=DATE
    )
    rule_refs: list[str] = Field(description='e.g. "§ 187 Abs. 1 BGB", "§ 193 BGB"')


@bp.post("/deadlines")
@endpoint("deadlines", 200, DeadlineResult, "The end and how it was reached", 400, 422)
def compute_deadline(json: DeadlineRequest) -> Response:
    """Calculate a deadline, period or appointment.

    422 names each bad field in details.fields (an impossible date, both or neither of
    event_date/posted_on, a malformed period, an unknown Land, kind or organisation).
    """
    result = services().deadlines.compute(
        event_date=json.event_date,
        posted_on=json.posted_on,
        period=json.period,
        land=json.land,
        kind=json.kind,
        counting=json.counting,
        organisation_id=json.organisation,
    )
    return jsonify(result.as_dict())
