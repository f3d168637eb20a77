"""The case's facts as people read them: which variables a process or task shows, labelled and formatted.

Designers declare facts in the BPMN (``camunda:property name="fact:<path>"``, workflows/README.md);
:mod:`casework.engine.facts` reads them into :class:`Fact` records. This module resolves a fact's
path in the case data and formats the value for a locale with Babel: dates ``04.12.2026``, money
``12.500,50 €``, codes as their labels, lists as tables with headings. Nothing here knows HTTP:
the web layer passes the page's locale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

# kinds a fact (or a table column) may declare; "auto" picks one by the value
KINDS = ("auto", "text", "date", "datetime", "number", "integer", "money", "percent", "yesno", "code",
         "list", "table")
COLUMN_KINDS = tuple(k for k in KINDS if k not in ("list", "table"))
HIDE = "-"  # a task's fact with this label hides the process's fact of the same path
TASK_NAME = "task"  # ``{task}`` in a title template: the element's name
ALL = "*"  # a task's ``fact:*`` = ``-`` shows none of the process's facts, only its own
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([^{}]+))?\}")
_BERLIN = ZoneInfo("Europe/Berlin")
_YES_NO = {"de": ("Ja", "Nein"), "en": ("Yes", "No")}


@dataclass(frozen=True)
class Column:
    """One column of a table fact: a path inside each row, its heading and format."""

    path: str
    label: str
    kind: str = "auto"


@dataclass(frozen=True)
class Fact:
    """One labelled variable a process or task shows (``path`` may reach into objects: ``vote_item.nominee``)."""

    path: str
    label: str
    kind: str = "auto"
    # code labels given inline (code: ba=Agentur für Arbeit; kommune=Kommune), else a form field's options
    codes: tuple[tuple[str, str], ...] = ()
    code_field: str | None = None
    columns: tuple[Column, ...] = ()

    @property
    def hidden(self) -> bool:
        return self.label == HIDE


@dataclass(frozen=True)
class ShownFact:
    """A fact ready for a page: plain text, a list of items, or a table with headings."""

    label: str
    text: str | None = None
    items: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def is_table(self) -> bool:
        return bool(self.headers)


class FactSyntaxError(ValueError):
    """A fact or title declaration a designer wrote that cannot be read (the message says why)."""


# --- reading declarations ---------------------------------------------------------------------


def parse_fact(path: str, declaration: str) -> Fact:
    """``fact:<path>`` = ``Label`` or ``Label | kind`` or ``Label | kind: arguments``.

    Raises:
        FactSyntaxError: an unknown kind, a bad path or malformed arguments.
    """
    path = path.strip()
    if path == ALL and declaration.strip() == HIDE:
        return Fact(ALL, HIDE)
    if not _PATH.match(path):
        raise FactSyntaxError(f"'{path}' is not a variable path (name or name.key)")
    label, _, spec = (part.strip() for part in declaration.partition("|"))
    if not label:
        raise FactSyntaxError(f"fact '{path}' has no label")
    kind, _, args = (part.strip() for part in spec.partition(":"))
    kind = kind or "auto"
    if kind not in KINDS:
        raise FactSyntaxError(f"fact '{path}': unknown format '{kind}' (allowed: {', '.join(KINDS)})")
    if kind == "code":
        return _code_fact(path, label, args)
    if kind == "table":
        return Fact(path, label, kind, columns=_columns(path, args))
    if args:
        raise FactSyntaxError(f"fact '{path}': the format '{kind}' takes no arguments")
    return Fact(path, label, kind)


def _code_fact(path: str, label: str, args: str) -> Fact:
    if "=" not in args:
        if args and not _PATH.match(args):
            raise FactSyntaxError(f"fact '{path}': '{args}' is no form field name")
        return Fact(path, label, "code", code_field=args or None)
    pairs = []
    for item in args.split(";"):
        code, sep, text = (part.strip() for part in item.partition("="))
        if not (sep and code and text):
            raise FactSyntaxError(f"fact '{path}': write codes as code=Label; code=Label, not '{item.strip()}'")
        pairs.append((code, text))
    return Fact(path, label, "code", codes=tuple(pairs))


def _columns(path: str, args: str) -> tuple[Column, ...]:
    columns = []
    for item in (part.strip() for part in args.split(";")):
        if not item:
            continue
        target, sep, heading = (part.strip() for part in item.partition("="))
        column_path, _, kind = (part.strip() for part in target.partition(":"))
        if not (sep and heading and _PATH.match(column_path)):
            raise FactSyntaxError(f"fact '{path}': write columns as key=Heading; key:format=Heading, not '{item}'")
        if (kind or "auto") not in COLUMN_KINDS:
            raise FactSyntaxError(f"fact '{path}': unknown column format '{kind}'")
        columns.append(Column(column_path, heading, kind or "auto"))
    if not columns:
        raise FactSyntaxError(f"fact '{path}': a table needs its columns (table: key=Heading; ...)")
    return tuple(columns)


def parse_codes(name: str, declaration: str) -> dict[str, str]:
    """``codes:<name>`` = ``ba=Agentur für Arbeit; kommune=Kommunaler Träger``: labels for codes that no
    form field offers (values scripts compute), used by facts and columns of format ``code``.

    Raises:
        FactSyntaxError: not a list of code=Label pairs.
    """
    if not _PATH.match(name.strip()):
        raise FactSyntaxError(f"'{name}' is not a name for a code list")
    return dict(_code_fact(name.strip(), name.strip(), declaration).codes) if "=" in declaration else {}


def merge_facts(process: Sequence[Fact], task: Sequence[Fact]) -> tuple[Fact, ...]:
    """The process's facts, then the task's own; a task's fact of the same path replaces (or with the
    label ``-`` hides) the process's."""
    own = {f.path: f for f in task}
    if ALL in own:
        process = ()
    merged = [own.get(f.path, f) for f in process]
    merged += [f for f in task if f.path not in {p.path for p in process}]
    return tuple(f for f in merged if not f.hidden)


def check_title(template: str) -> None:
    """A task title template: text with ``{path}`` or ``{path|kind}`` placeholders.

    Raises:
        FactSyntaxError: a placeholder that is not a variable path or names an unknown format.
    """
    if template.count("{") != template.count("}"):
        raise FactSyntaxError("unbalanced { } in the title")
    for match in _PLACEHOLDER.finditer(template):
        path, kind = match.group(1).strip(), (match.group(2) or "auto").strip()
        if not _PATH.match(path):
            raise FactSyntaxError(f"'{{{match.group(1)}}}' in the title is not a variable path")
        if kind not in COLUMN_KINDS:
            raise FactSyntaxError(f"'{{{match.group(0)}}}': unknown format '{kind}'")


# --- resolving and formatting -----------------------------------------------------------------

_MISSING = object()


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (``vote_item.nominee``, ``rows.0.name``), or ``None``."""
    value = data
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is _MISSING:
            return None
    return value


def render_title(template: str, data: Mapping[str, Any], options: Mapping[str, Mapping[str, str]],
                 fallback: str, locale: str = "de") -> str:
    """A task's title with its subject filled in; ``fallback`` (the element name) when a value is missing."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        path, kind = match.group(1).strip(), (match.group(2) or "auto").strip()
        if path == TASK_NAME:  # the element's own name, so renaming the task renames its title
            return fallback
        value = lookup(data, path)
        if value is None or value == "":
            missing = True
            return ""
        fact = Fact(path, path, kind if kind in COLUMN_KINDS else "auto")
        return format_scalar(value, fact, options, locale)

    text = _PLACEHOLDER.sub(fill, template)
    return fallback if missing or not text.strip() else " ".join(text.split())[:300]


def present(facts: Sequence[Fact], data: Mapping[str, Any], options: Mapping[str, Mapping[str, str]],
            labels: Mapping[str, str], locale: str) -> list[ShownFact]:
    """The facts that have a value in ``data``, in the declared order, formatted for ``locale``.

    ``options`` holds the form fields' code labels (field name -> code -> label), ``labels`` the
    labels of keys inside objects and rows when a fact gives no columns.
    """
    shown = []
    for fact in facts:
        value = lookup(data, fact.path)
        if value is None or value == "" or value == []:
            continue
        shown.append(_shown(fact, value, options, labels, locale))
    return shown


def _shown(fact: Fact, value: Any, options: Mapping[str, Mapping[str, str]], labels: Mapping[str, str],
           locale: str) -> ShownFact:
    if isinstance(value, Mapping) and value and all(isinstance(v, Mapping) for v in value.values()):
        value = list(value.values())  # a dict of records (one per side, per party) reads as rows
    if fact.kind == "table" or (fact.kind == "auto" and _is_rows(value)):
        rows = value if isinstance(value, list) else [value]
        columns = fact.columns or _labelled_columns(rows, labels)
        return ShownFact(
            fact.label,
            headers=tuple(c.label for c in columns),
            rows=tuple(tuple(_cell(row, c, options, locale) for c in columns) for row in rows),
        )
    if isinstance(value, Mapping):  # an object: its labelled keys as a table of one row
        columns = _labelled_columns([value], labels)
        return ShownFact(fact.label, headers=tuple(c.label for c in columns),
                         rows=(tuple(_cell(value, c, options, locale) for c in columns),))
    if fact.kind == "list" or isinstance(value, list):
        items = value if isinstance(value, list) else [value]
        return ShownFact(fact.label, items=tuple(format_scalar(v, fact, options, locale) for v in items))
    return ShownFact(fact.label, text=format_scalar(value, fact, options, locale))


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _labelled_columns(rows: Sequence[Any], labels: Mapping[str, str]) -> tuple[Column, ...]:
    """Without declared columns a table shows only the keys that have a label: never internals."""
    keys: dict[str, None] = {}
    for row in rows:
        if isinstance(row, Mapping):
            keys.update((k, None) for k in row if k in labels)
    return tuple(Column(k, labels[k]) for k in keys)


def _cell(row: Any, column: Column, options: Mapping[str, Mapping[str, str]], locale: str) -> str:
    value = lookup(row, column.path)
    fact = Fact(column.path.rsplit(".", 1)[-1], column.label, column.kind)
    return format_scalar(value, fact, options, locale)


def format_scalar(value: Any, fact: Fact, options: Mapping[str, Mapping[str, str]], locale: str) -> str:
    """One value as text: ``–`` for nothing, Ja/Nein, German dates and numbers, code labels."""
    if value is None or value == "":
        return "–"
    kind = fact.kind if fact.kind not in ("list", "table") else "auto"
    if kind == "code" or (kind == "auto" and isinstance(value, str)):
        codes = dict(fact.codes) or options.get(fact.code_field or fact.path.rsplit(".", 1)[-1], {})
        if str(value) in codes:
            return codes[str(value)]
    if kind in ("yesno", "auto") and isinstance(value, bool):
        yes, no = _YES_NO.get(locale, _YES_NO["en"])
        return yes if value else no
    if kind in ("number", "integer", "money", "percent") or (kind == "auto" and _is_number(value)):
        return format_number(value, "number" if kind == "auto" else kind, locale)
    if kind in ("date", "auto") and isinstance(value, str) and _ISO_DATE.match(value[:10]) and (
        kind == "date" or len(value) == 10
    ):
        return format_day(value[:10], locale)
    if kind in ("datetime", "auto") and isinstance(value, str) and _ISO_DATETIME.match(value):
        return format_moment(value, locale)
    if isinstance(value, (list, tuple)):
        return ", ".join(format_scalar(v, Fact(fact.path, fact.label), options, locale) for v in value) or "–"
    if isinstance(value, Mapping):
        return "–"  # an object needs columns (format table); its keys are internals
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_number(value: Any, kind: str, locale: str) -> str:
    """``12.500,5`` (number), ``12.500,50 €`` (money), ``84,8 %`` (percent) for ``de``; en: 12,500.5."""
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    if kind == "money":
        # a normal space: the page text then reads (and is searched and copied) as 12.500,50 €
        return str(format_currency(number, "EUR", locale=locale)).replace("\xa0", " ")
    if kind == "integer":
        number = number.to_integral_value()
    text = str(format_decimal(number, locale=locale, decimal_quantization=False)).replace("\xa0", " ")
    if kind == "percent":
        return f"{text} %" if locale == "de" else f"{text}%"
    return text


def format_day(value: date | str, locale: str) -> str:
    """A calendar day: 04.12.2026 (de), 4 Dec 2026 (en)."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    return str(format_date(day, "dd.MM.yyyy" if locale == "de" else "d MMM yyyy", locale=locale))


def format_moment(value: datetime | str, locale: str) -> str:
    """A moment in German time: 04.12.2026 14:30 (de)."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    pattern = "dd.MM.yyyy HH:mm" if locale == "de" else "d MMM yyyy, HH:mm"
    return str(format_datetime(moment, pattern, tzinfo=_BERLIN, locale=locale))
