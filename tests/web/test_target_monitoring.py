"""The case page of a target agreement: targets against the quarterly actuals as a table and an SVG chart."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask_babel import Babel

from tests.processes.flows_d1 import do, start
from tests.processes.test_target_agreement import CORE_GOALS, TEILHABE, sign_all, targets, variables
from webapp.cases.monitoring import build_monitoring


def test_the_case_page_shows_targets_and_actuals_as_table_and_chart(app: Any, api: Any, browser: Any,
                                                                     clock: Any) -> None:
    started = start(api("traeger.ba"), "target_agreement", variables("traeger_gf"), business_key="ZV-2027-CHART")
    cid = started["id"]
    do(api("traeger.ba"), cid, "draft_agreement", {"targets": targets(*CORE_GOALS, TEILHABE, base=200)})
    do(api("gf"), cid, "review_draft", {"response": "accept"})
    sign_all(api, cid, {"traeger.ba": "Agentur", "traeger.kommune": "Kommunaler", "gf": "Geschäftsführung"})
    clock.set(datetime(2027, 4, 20, 6, 0, tzinfo=UTC))
    with app.app_context():  # only for the scheduler's call: pages need their own request contexts
        assert app.extensions["casework"].management.fire_due().fired >= 1
    (report,) = api("gf").get(f"/api/v1/tasks?process_instance_id={cid}").json["items"]
    rows = api("gf").get(f"/api/v1/tasks/{report['id']}").json["form"]["values"]["actuals"]
    do(api("gf"), cid, "report_actuals", {"actuals": [dict(r, actual_value=r["target_value"] / 4) for r in rows]})
    do(api("traeger.ba"), cid, "acknowledge_report", {})

    page = re.sub(r"\s+", " ", browser("gf").get(f"/cases/{cid}").text)
    assert '<h2 id="monitoring-title">Zielwerte und Ist-Werte der Quartale</h2>' in page
    assert "<th scope=\"row\">Verringerung der Hilfebedürftigkeit</th> <td>K1</td> <td class=\"numeric\">200</td> " \
           "<td class=\"numeric\">50</td><td class=\"numeric\">–</td>" in page
    assert '<td class="numeric">25 %</td>' in page  # the latest quarter as a share of the target
    assert 'role="img" aria-labelledby="monitoring-chart-title monitoring-chart-desc"' in page
    assert "<desc id=\"monitoring-chart-desc\">Zuletzt berichtetes Quartal, Ist-Wert als Anteil am Zielwert: " \
           "K1: 25 % des Zielwerts; K2: 25 % des Zielwerts" in page
    assert page.count('class="chart__bar chart__bar--q1"') == 4 and "chart__bar--q2" not in page
    assert "style=" not in page.split('<figure class="chart">')[1].split("</figure>")[0]  # the CSP allows no inline style

    # the other three quarters and the year-end review: the decision record and four bars per indicator
    for moment in (datetime(2027, 7, 20, 6, 0, tzinfo=UTC), datetime(2027, 10, 20, 6, 0, tzinfo=UTC),
                   datetime(2028, 1, 20, 6, 0, tzinfo=UTC)):
        clock.set(moment)
        with app.app_context():
            app.extensions["casework"].management.fire_due()
        do(api("gf"), cid, "report_actuals", {"actuals": [dict(r, actual_value=r["target_value"]) for r in rows]})
        do(api("traeger.kommune"), cid, "acknowledge_report", {})
    final = do(api("traeger.ba"), cid, "year_end_review", {"assessment": "met", "review_summary": "Alle Ziele erreicht."})
    assert (final["status"], final["outcome"]) == ("completed", "reviewed")  # also without a negotiation round
    page = re.sub(r"\s+", " ", browser("traeger.kommune").get(f"/cases/{cid}").text)
    assert "Zielvereinbarung 2027 (§ 48b SGB II): Agentur für Arbeit und kommunaler Träger mit der Geschäftsführung" \
        in page
    assert "Abgeschlossen am 01.12.2026 nach 0 Verhandlungsrunden; Bilanz zum Jahresende: Ziele erreicht." in page
    assert '<th scope="row">Kommunaler Träger</th><td>Name traeger.kommune</td><td>01.12.2026</td>' in page
    assert page.count("chart__bar chart__bar--q") == 16 and "K1: 100 % des Zielwerts" in page


def test_the_chart_scales_to_the_largest_share_and_skips_missing_values() -> None:
    data = {"targets": [{"goal": "A", "indicator": "K1", "target_value": 10}, {"goal": "B", "indicator": "K2",
                                                                            "target_value": 0}],
            "quarterly_reports": [{"quarter": 1, "actuals": [{"goal": "A", "indicator": "K1", "actual_value": 23},
                                                             {"goal": "B", "indicator": "K2", "actual_value": 5}]}]}
    probe = Flask("probe")
    Babel(probe)
    with probe.test_request_context("/"):  # the texts are gettext's; the numbers below are the point
        shown = build_monitoring(data, "de")
    assert shown is not None and shown.scale_top == 250 and shown.quarters_reported == 1
    first, second = shown.rows
    assert first.actuals == ("23", "–", "–", "–") and first.latest_share == "230 %"
    assert len(first.bars) == 1 and second.bars == () and second.latest_share == "–"  # no target, no share
    assert build_monitoring({"targets": []}, "de") is None
