"""The ``table`` form field: a small table of rows (goal, indicator, target value) in a form.

A designer declares the columns as properties of the form field (workflows/README.md, "Tables"):

    <camunda:formField id="targets" label="Ziele" type="table">
      <camunda:properties>
        <camunda:property name="column:goal" value="Ziel | string | required" />
        <camunda:property name="column:target_value" value="Zielwert | number" />
        <camunda:property name="max_rows" value="20" />
      </camunda:properties>
    </camunda:formField>

The value is a list of row objects (``[{"goal": ..., "target_value": 12.5}]``). Every cell is
checked with the rules of a form field of its type; a message names the row and the column, and
its key is ``<field>.<row index>.<column>`` (the index counts from 0, the message from 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from casework.records import FormField, FormOption, TableColumn

from .xmlsafe import NSMAP

COLUMN_PREFIX = "column:"
COLUMN_TYPES = ("string", "text", "integer", "number", "date", "boolean", "enum")
DEFAULT_MAX_ROWS = 100
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

Coerce = Callable[[FormField, Any], Any]


def read_table(xml: etree._Element, problem: Callable[[str], None]) -> dict[str, Any]:
    """The columns and row bounds of a table field, as FormField keyword arguments."""
    columns: list[TableColumn] = []
    attrs: dict[str, Any] = {}
    for prop in xml.xpath("./camunda:properties/camunda:property", namespaces=NSMAP):
        key = (prop.get("name") or prop.get("id") or "").strip()
        value = (prop.get("value") or "").strip()
        if key.startswith(COLUMN_PREFIX):
            column = _column(key[len(COLUMN_PREFIX):].strip(), value, problem)
            if column is not None:
                columns.append(column)
        elif key in ("min_rows", "max_rows"):
            if not value.isdigit():
                problem(f"{key} must be a whole number, got '{value}'")
                continue
            attrs[key] = int(value)
    if not columns:
        problem("a table field needs columns: camunda:property name=\"column:<key>\" value=\"Heading | type\"")
    if len({c.name for c in columns}) != len(columns):
        problem("a table column is declared twice")
    attrs["columns"] = tuple(columns)
    return attrs


def _column(name: str, declaration: str, problem: Callable[[str], None]) -> TableColumn | None:
    """``column:<key>`` = ``Heading | type | required``; an enum: ``Heading | enum: a=A; b=B``."""
    if not _KEY.match(name):
        problem(f"table column '{name}' must be a name of letters, digits and _")
        return None
    label, _, rest = (part.strip() for part in declaration.partition("|"))
    type_part, _, flags = (part.strip() for part in rest.partition("|"))
    kind, _, args = (part.strip() for part in type_part.partition(":"))
    kind = kind or "string"
    if kind not in COLUMN_TYPES:
        problem(f"table column '{name}': unknown type '{kind}' (known: {', '.join(COLUMN_TYPES)})")
        return None
    options: list[FormOption] = []
    for item in (a.strip() for a in args.split(";") if a.strip()):
        code, sep, text = (part.strip() for part in item.partition("="))
        if not (sep and code and text):
            problem(f"table column '{name}': write options as code=Label; code=Label, not '{item}'")
            return None
        options.append(FormOption(code, text))
    if kind == "enum" and not options:
        problem(f"table column '{name}': an enum column needs its options (enum: code=Label; ...)")
        return None
    if flags not in ("", "required"):
        problem(f"table column '{name}': unknown flag '{flags}' (only 'required')")
    return TableColumn(name, label or name, kind, flags == "required", tuple(options))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def coerce_rows(field: FormField, value: Any, coerce: Coerce) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows of a table field, each cell of its column's type; messages by ``field.index.column``.

    Rows whose cells are all empty are left out (a form's spare rows).
    """
    if not isinstance(value, list):
        return [], {field.name: "Tabelle erwartet: eine Liste von Zeilen (Objekten)."}
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    by_name = {c.name: c for c in field.columns}
    for index, row in enumerate(value):
        where = f"{field.name}.{index}"
        if not isinstance(row, Mapping):
            errors[where] = f"Zeile {index + 1}: Objekt mit den Spalten erwartet."
            continue
        for key in row:
            if key not in by_name:
                errors[f"{where}.{key}"] = f"Zeile {index + 1}: unbekannte Spalte „{key}“."
        if all(_empty(row.get(c.name)) for c in field.columns):
            continue
        clean: dict[str, Any] = {}
        for column in field.columns:
            cell, message = _cell(column, row.get(column.name), coerce)
            clean[column.name] = cell
            if message:
                errors[f"{where}.{column.name}"] = f"Zeile {index + 1}, Spalte „{column.label}“: {message}"
        rows.append(clean)
    errors.update(_count_problem(field, len(rows)))
    return rows, errors


def _cell(column: TableColumn, value: Any, coerce: Coerce) -> tuple[Any, str | None]:
    if _empty(value):
        return None, ("Pflichtfeld." if column.required else None)
    spec = FormField(column.name, column.type, column.label, options=column.options)
    try:
        return coerce(spec, value), None
    except ValueError as exc:
        return None, str(exc)


def _count_problem(field: FormField, count: int) -> dict[str, str]:
    most = field.max_rows if field.max_rows is not None else DEFAULT_MAX_ROWS
    if count > most:
        return {field.name: f"Höchstens {most} Zeilen."}
    if count and field.min_rows is not None and count < field.min_rows:
        return {field.name: f"Mindestens {field.min_rows} Zeilen."}
    return {}
