"""The ``table`` form field in HTML forms: one input per cell, named ``<field>-<row>-<column>``.

The page shows the given rows and a few empty ones, so the table works without JavaScript (empty
rows are left out); ``static/table-field.js`` adds "add row" and "remove row" buttons. Numbers
and dates are read the way the page's language writes them (de ``12.500,50``, ``31.12.2026``),
as in the other fields; the service then checks each cell against the column's rules and its
messages (keys ``<field>.<row index>.<column>``) come back onto the cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.utils import unset_value

from casework.records import FormField, TableColumn

SPARE_ROWS = 2  # empty rows shown below the given ones, for pages without JavaScript
MIN_SHOWN = 3
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True)
class Cell:
    """One input of the table: its name/id, the text shown in it, its error, its label for screen readers."""

    column: TableColumn
    name: str
    id: str
    text: str
    label: str
    error: str | None = None


class TableField(Field):
    """Rows of a designer's table; ``data`` is a list of row dicts with JSON-friendly cell values."""

    def __init__(self, *args: Any, spec: FormField, locale_name: str = "de", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.locale_name = locale_name
        self.texts: list[dict[str, str]] = []
        self.cell_errors: dict[tuple[int, str], str] = {}

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.cell_errors = {}
        if formdata is not None and formdata:
            self.texts = self._posted(formdata)
            self.data = [self._parsed(index, row) for index, row in enumerate(self.texts)]
            self.data = [row for row in self.data if any(v is not None for v in row.values())] or None
            if self.cell_errors:
                self.process_errors.append(str(_l("Please check the marked cells of the table.")))
            return
        rows = self.default if data is unset_value else data
        rows = rows if isinstance(rows, list) else []
        self.data = rows or None
        self.texts = [{c.name: self._shown(c, r.get(c.name)) for c in self.spec.columns}
                      for r in rows if isinstance(r, Mapping)]

    def _posted(self, formdata: Any) -> list[dict[str, str]]:
        pattern = re.compile(rf"^{re.escape(self.name)}-(\d{{1,3}})-([A-Za-z][A-Za-z0-9_]*)$")
        found: dict[int, dict[str, str]] = {}
        for key in formdata:
            match = pattern.match(key)
            if match and match.group(2) in {c.name for c in self.spec.columns}:
                found.setdefault(int(match.group(1)), {})[match.group(2)] = str(formdata.get(key) or "").strip()
        # rows in their order on the page; numbering gaps (a removed row) close up
        return [found[i] for i in sorted(found)]

    def _parsed(self, index: int, row: Mapping[str, str]) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for column in self.spec.columns:
            text = row.get(column.name, "")
            try:
                parsed[column.name] = _parse(column, text, self.locale_name) if text else None
            except ValueError as exc:
                parsed[column.name] = text
                self.cell_errors[(index, column.name)] = cell_message(index, column, str(exc))
        return parsed

    def _shown(self, column: TableColumn, value: Any) -> str:
        if value is None:
            return ""
        if column.type in ("number", "integer") and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(format_decimal(Decimal(str(value)), locale=self.locale_name, decimal_quantization=False))
        if column.type == "boolean":
            return "true" if value is True else "false" if value is False else str(value)
        return str(value)

    def add_service_error(self, key: str, message: str) -> bool:
        """Put a service message named ``<field>.<index>.<column>`` (or ``<field>.<index>``) on its cell."""
        parts = key.split(".")
        if parts[0] != self.name or len(parts) < 2 or not parts[1].isdigit():
            return False
        column = parts[2] if len(parts) > 2 else self.spec.columns[0].name
        self.cell_errors[(int(parts[1]), column)] = message
        return True

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """The rows to show: the given ones, then empty ones (at least ``MIN_SHOWN`` in all)."""
        count = max(len(self.texts) + SPARE_ROWS, MIN_SHOWN)
        for index in range(count):
            texts = self.texts[index] if index < len(self.texts) else {}
            yield index, [self.cell(index, column, texts.get(column.name, "")) for column in self.spec.columns]

    def cell(self, index: int, column: TableColumn, text: str) -> Cell:
        return Cell(
            column=column,
            name=f"{self.name}-{index}-{column.name}",
            id=f"field-{self.name}-{index}-{column.name}",
            text=text,
            label=str(_l("Row %(row)s: %(column)s", row=index + 1, column=column.label)),
            error=self.cell_errors.get((index, column.name)),
        )

    def error_links(self) -> Iterator[tuple[str, str]]:
        """(anchor, message) for each cell with an error, in reading order."""
        for (index, name), message in sorted(self.cell_errors.items()):
            yield f"field-{self.name}-{index}-{name}", message


def cell_message(index: int, column: TableColumn, message: str) -> str:
    return str(_l("Row %(row)s, column “%(column)s”: %(message)s", row=index + 1, column=column.label,
                  message=message))


def _parse(column: TableColumn, text: str, locale_name: str) -> Any:
    """A cell as the page's language writes it; raises ValueError with the message to show."""
    from webapp.forms import parse_localised  # the shared Babel reading of numbers

    if column.type in ("number", "integer"):
        try:
            number = parse_localised(text, locale_name)
        except ValueError:
            raise ValueError(str(_l("Please enter a number such as %(example)s.",
                                    example=_example(locale_name)))) from None
        if column.type == "integer":
            if number != number.to_integral_value():
                raise ValueError(str(_l("Please enter a whole number, e.g. 12.")))
            return int(number)
        return float(number)
    if column.type == "date":
        german = _GERMAN_DATE.match(text)
        if german:
            day, month, year = (int(g) for g in german.groups())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                raise ValueError(str(_l("The date %(date)s does not exist.",
                                        date=f"{day:02d}.{month:02d}.{year}"))) from None
        return text  # ISO or malformed: the service's date check names it
    if column.type == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def _example(locale_name: str) -> str:
    return str(format_decimal(Decimal("12500.50"), format="#,##0.00", locale=locale_name))
