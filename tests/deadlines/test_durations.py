"""The Fristenrechner's "Andere Dauer" in words (issue 13 §2): German and English words, and ISO 8601."""

from __future__ import annotations

from typing import Any

import pytest

from casework.time.durations import DurationError, to_iso_period
from tests.web.test_ui_deadlines import FORM


@pytest.mark.parametrize(("text", "iso"), [
    ("10 Tage", "P10D"), ("2 Wochen", "P2W"), ("1 Monat", "P1M"), ("3 Monate und 2 Tage", "P3M2D"),
    ("einen Monat", "P1M"), ("zwei Wochen", "P2W"), ("1 Jahr, 6 Monate", "P1Y6M"), ("1 Tag", "P1D"),
    ("2 Wochen und 3 Tage", "P17D"), ("2 weeks and 3 days", "P17D"), ("6 months", "P6M"),
    ("P10D", "P10D"), ("p1y6m", "P1Y6M"), (" P2W ", "P2W"), ("14  Tagen", "P14D"),
])
def test_durations_in_words_and_iso(text: str, iso: str) -> None:
    assert to_iso_period(text) == iso


@pytest.mark.parametrize("text", ["", "10", "10 Äpfel", "P1.5M", "1.5 Tage", "0 Tage", "P0D",
                                  "3 Monate und 2 Monate", "5000 Tage", "Tage 10"])
def test_what_is_no_duration_is_refused(text: str) -> None:
    with pytest.raises(DurationError):
        to_iso_period(text)


@pytest.mark.parametrize(("typed", "end"), [
    ("10 Tage", "Montag, 16.06.2025"),  # 2025-06-06 + 10 days = Monday 16.06.
    ("2 Wochen", "Freitag, 20.06.2025"),
    ("1 Monat", "Montag, 07.07.2025"),  # Sunday 06.07. moves to Monday (§ 193 BGB)
    ("3 Monate und 2 Tage", "Montag, 08.09.2025"),
    ("P10D", "Montag, 16.06.2025"),
])
def test_the_calculator_page_takes_words(browser: Any, typed: str, end: str) -> None:
    response = browser("gf").submit("/deadlines", {**FORM, "event_date": "2025-06-06", "period_other": typed})
    assert response.status_code == 200, response.text[:2000]
    assert end in response.text
