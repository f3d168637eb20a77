"""Durations as people write them: "10 Tage", "2 Wochen", "1 Monat", "3 Monate und 2 Tage" -> ISO 8601.

The deadline calculator counts ISO 8601 periods (``P10D``, ``P3M2D``); case workers write words.
German and English words are both read, whatever the page's language, and ISO stays accepted.
"""

from __future__ import annotations

import re

MAX_AMOUNT = 1000  # more than 1,000 units of anything is a typing error, not a legal period

_UNITS = {
    "Y": ("jahr", "jahre", "jahren", "jahres", "year", "years", "j"),
    "M": ("monat", "monate", "monaten", "monats", "month", "months"),
    "W": ("woche", "wochen", "week", "weeks", "wo"),
    "D": ("tag", "tage", "tagen", "tages", "day", "days", "t", "d"),
}
_UNIT_OF = {word: unit for unit, words in _UNITS.items() for word in words}
_NUMBER_WORDS = {
    "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "a": 1, "an": 1, "one": 1,
    "zwei": 2, "two": 2, "drei": 3, "three": 3, "vier": 4, "four": 4, "fünf": 5, "five": 5,
    "sechs": 6, "six": 6, "sieben": 7, "seven": 7, "acht": 8, "eight": 8, "neun": 9, "nine": 9,
    "zehn": 10, "ten": 10, "elf": 11, "eleven": 11, "zwölf": 12, "twelve": 12,
}
_ISO = re.compile(r"^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_PART = re.compile(r"^(\d+|[^\W\d_]+)\s*([^\W\d_]+)\.?$")
_SEPARATORS = re.compile(r"\s*(?:,|;|\+|\bund\b|\band\b|\bsowie\b)\s*", re.IGNORECASE)


class DurationError(ValueError):
    """Not a duration we can read; the message says what is expected."""


def to_iso_period(text: str) -> str:
    """``"3 Monate und 2 Tage"`` -> ``"P3M2D"``; ``"2 Wochen"`` -> ``"P2W"``; ISO input is normalised.

    Weeks combined with other units become days (``P1M2W`` is not valid ISO 8601).

    Raises:
        DurationError: empty, an unknown unit, a unit twice, or an amount of zero or over 1,000.
    """
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DurationError("Bitte eine Dauer angeben.")
    iso = _ISO.match(cleaned.upper().replace(" ", ""))
    amounts = _from_iso(iso) if iso else _from_words(cleaned)
    if not any(amounts.values()):
        raise DurationError("Die Dauer muss länger als null sein.")
    if any(n > MAX_AMOUNT for n in amounts.values()):
        raise DurationError(f"Höchstens {MAX_AMOUNT} je Einheit.")
    if amounts["W"] and (amounts["Y"] or amounts["M"] or amounts["D"]):
        amounts["D"] += 7 * amounts["W"]
        amounts["W"] = 0
    return "P" + "".join(f"{amounts[u]}{u}" for u in "YMWD" if amounts[u])


def _from_iso(match: re.Match[str]) -> dict[str, int]:
    return {unit: int(value or 0) for unit, value in zip("YMWD", match.groups(), strict=True)}


def _from_words(text: str) -> dict[str, int]:
    amounts = dict.fromkeys("YMWD", 0)
    seen: set[str] = set()
    for part in (p for p in _SEPARATORS.split(text) if p):
        match = _PART.match(part.strip())
        if not match:
            raise DurationError(f"„{part}“ ist keine Dauer; zum Beispiel „10 Tage“ oder „3 Monate und 2 Tage“.")
        count, word = match.group(1).lower(), match.group(2).lower()
        amount = int(count) if count.isdigit() else _NUMBER_WORDS.get(count)
        unit = _UNIT_OF.get(word)
        if amount is None or unit is None:
            raise DurationError(f"„{part}“ ist keine Dauer; zum Beispiel „10 Tage“ oder „3 Monate und 2 Tage“.")
        if unit in seen:
            raise DurationError(f"„{part}“: diese Einheit steht schon in der Dauer.")
        seen.add(unit)
        amounts[unit] = amount
    return amounts
