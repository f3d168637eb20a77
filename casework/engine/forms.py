"""Camunda ``formData`` → :class:`FormSpec`, and validation of submitted form data against it.

Forms are read straight from the XML (not from SpiffWorkflow's camunda ``Form``) because start
events need them too, and because we want every problem of a form reported at deploy time.
``validate_form`` is what the services call on every task completion and process start, so the
rules a designer writes in BPMN are enforced on the server whatever the client sends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from lxml import etree

from casework.errors import Problem, ScriptFailed, ValidationFailed
from casework.records import FIELD_TYPE_ALIASES, FIELD_TYPES, FormField, FormOption, FormSpec

from .scripting import compile_problem, is_expression, unwrap_expression
from .tables import coerce_rows, read_table
from .xmlsafe import NSMAP

CONSTRAINTS = ("required", "required_if", "valid_if", "min", "max", "minlength", "maxlength", "readonly")
INVALID_DEFAULT = "Dieser Wert ist hier nicht zulässig."
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NUMBER_FORMAT = "Zahl erwartet: eine JSON-Zahl oder Text ohne Tausenderpunkte wie 12500.50."
_DOCUMENT_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_USERNAME_RE = re.compile(r"^[A-Za-z0-9._@-]{1,150}$")
_TRUE = {"true", "on", "1", "y", "yes", "ja"}
_FALSE = {"false", "off", "0", "n", "no", "nein"}


def read_form(owner: etree._Element, file: str) -> tuple[FormSpec, list[Problem]]:
    """Build the form of a user task or start event; unknown types/constraints become problems."""
    problems: list[Problem] = []
    owner_id = owner.get("id")
    fields: list[FormField] = []
    seen: set[str] = set()
    for xml_field in owner.xpath(
        "./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NSMAP
    ):
        field, field_problems = _read_field(xml_field, owner_id, file)
        problems.extend(field_problems)
        if field is None:
            continue
        if field.name in seen:
            problems.append(Problem(file, owner_id, f"form field '{field.name}' is defined twice"))
            continue
        seen.add(field.name)
        fields.append(field)
    return FormSpec(tuple(fields)), problems


def _read_field(
    xml: etree._Element, owner_id: str | None, file: str
) -> tuple[FormField | None, list[Problem]]:
    problems: list[Problem] = []
    name = (xml.get("id") or "").strip()
    if not name.isidentifier() or name.startswith("_"):
        return None, [
            Problem(
                file, owner_id, f"form field id '{name}' must be a Python identifier, not starting with '_'"
            )
        ]

    def problem(message: str) -> None:
        problems.append(Problem(file, owner_id, f"form field '{name}': {message}"))

    raw_type = (xml.get("type") or "string").strip()
    ftype = FIELD_TYPE_ALIASES.get(raw_type, raw_type)
    if ftype not in FIELD_TYPES:
        problem(f"unknown field type '{raw_type}' (known: {', '.join(FIELD_TYPES)})")
        ftype = "string"
    options = tuple(
        FormOption(str(v.get("id") or ""), str(v.get("name") or v.get("id") or ""))
        for v in xml.xpath("./camunda:value", namespaces=NSMAP)
    )
    if ftype == "enum" and (not options or any(not o.value for o in options)):
        problem("an enum field needs camunda:value elements, each with an id")
    default = xml.get("defaultValue")
    if default is not None and is_expression(default):
        reason = compile_problem(default, "eval")
        if reason:
            problem(f"defaultValue expression: {reason}")
    attrs: dict[str, Any] = {}
    for constraint in xml.xpath("./camunda:validation/camunda:constraint", namespaces=NSMAP):
        _read_constraint(constraint, ftype, attrs, problem)
    help_text = _read_properties(xml, ftype, attrs, problem)
    if ftype == "table":
        attrs.update(read_table(xml, problem))
    field = FormField(
        name=name,
        type=ftype,
        label=(xml.get("label") or name).strip(),
        options=options,
        default=default,
        help=help_text,
        **attrs,
    )
    return field, problems


# how a number field is shown and typed (an amount in euros: 12.500,50 €)
FIELD_FORMATS = {"number": ("money", "percent"), "integer": ("money", "percent")}


def _field_format(ftype: str, value: str, problem: Callable[[str], None]) -> str | None:
    allowed = FIELD_FORMATS.get(ftype, ())
    if value not in allowed:
        problem(f"format '{value}' is not one of {', '.join(allowed) or 'none for this type'}")
        return None
    return value


def _read_constraint(
    constraint: etree._Element, ftype: str, attrs: dict[str, Any], problem: Callable[[str], None]
) -> None:
    cname = (constraint.get("name") or "").strip()
    config = constraint.get("config")
    if cname not in CONSTRAINTS:
        problem(f"unknown constraint '{cname}' (known: {', '.join(CONSTRAINTS)})")
    elif cname in ("required", "readonly"):
        attrs[cname] = (config or "true").strip().lower() != "false"
    elif cname in ("required_if", "valid_if"):
        reason = compile_problem(config or "", "eval")
        if reason:
            problem(f"{cname} expression: {reason}")
        else:
            attrs[cname] = (config or "").strip()
    else:
        try:
            number = float(config or "")
        except ValueError:
            problem(f"constraint '{cname}' needs a number as config, got '{config}'")
            return
        if cname in ("minlength", "maxlength"):
            if ftype not in ("string", "text", "user") or not number.is_integer():
                problem(f"constraint '{cname}' needs a text field and a whole number")
                return
            attrs[cname] = int(number)
        elif ftype not in ("integer", "number"):
            problem(f"constraint '{cname}' only applies to integer and number fields")
        else:
            attrs[cname] = number


def _invalid_date(text: str) -> str:
    return f"Ungültiges Datum: {text} gibt es nicht"


def coerce(field: FormField, value: Any) -> Any:
    """Convert one submitted value to the field's type, or raise ValueError with a German message."""
    kind = field.type
    if kind in ("string", "text"):
        if not isinstance(value, str):
            raise ValueError("Text erwartet.")
        return value.strip()
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError("Ganze Zahl erwartet.")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT_RE.match(value.strip()):
            return int(value.strip())
        raise ValueError("Ganze Zahl erwartet.")
    if kind == "number":
        return _coerce_number(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, (str, int)) else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("Ja oder Nein erwartet.")
    if kind == "date":
        return _coerce_date(value)
    if kind == "enum":
        allowed = [o.value for o in field.options]
        if isinstance(value, str) and value.strip() in allowed:
            return value.strip()
        raise ValueError(f"Ungültige Auswahl; erlaubt: {', '.join(allowed)}.")
    if kind == "user":
        if isinstance(value, str) and _USERNAME_RE.match(value.strip()):
            return value.strip()
        raise ValueError("Benutzername erwartet.")
    if kind == "table":
        rows, problems = coerce_rows(field, value, coerce)
        if problems:
            raise ValueError(next(iter(problems.values())))
        return rows
    if kind == "file":
        # the id of a document of the case; that it is one is checked where the case is known
        if isinstance(value, str) and _DOCUMENT_ID_RE.match(value.strip()):
            return value.strip()
        raise ValueError("Kennung eines Dokuments des Falls erwartet.")
    raise ValueError(f"Unbekannter Feldtyp {kind}.")


def _coerce_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("Zahl erwartet.")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        # The API's contract is a JSON number. A string is read as a plain decimal with a point, or
        # a lone decimal comma ("1,5"), never with grouping: "12.500" would be 12.5 to a program
        # and 12500 to a German reader, so "12.500,50" is refused rather than guessed. The HTML
        # forms read the page locale's notation with Babel before the value gets here.
        text = value.strip()
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        if not _PLAIN_NUMBER.match(text):
            raise ValueError(_NUMBER_FORMAT)
        number = float(text)
    else:
        raise ValueError("Zahl erwartet.")
    if not math.isfinite(number):
        raise ValueError("Zahl erwartet.")
    return number


def _coerce_date(value: Any) -> str:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError("Datum im Format JJJJ-MM-TT erwartet.")
    text = value.strip()
    match = _DATE_RE.match(text)
    if not match:
        raise ValueError("Datum im Format JJJJ-MM-TT erwartet.")
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        # Never roll 2011-11-31 over to December: the law's own text had that typo (DOMAIN.md).
        raise ValueError(_invalid_date(text)) from None


def _read_properties(
    xml: etree._Element, ftype: str, attrs: dict[str, Any], problem: Callable[[str], None]
) -> str | None:
    """The field's ``help`` text; ``invalid_message``, ``confidential`` and ``format`` go into ``attrs``."""
    help_text = None
    for prop in xml.xpath("./camunda:properties/camunda:property", namespaces=NSMAP):
        # Camunda's modeler writes id= on form field properties; the brief's convention is name=.
        key = prop.get("name") or prop.get("id")
        if key == "help":
            help_text = prop.get("value")
        elif key == "invalid_message":
            attrs["invalid_message"] = prop.get("value")
            reason = compile_problem(prop.get("value") or "", "eval") if is_expression(prop.get("value")) else None
            if reason:
                problem(f"invalid_message expression: {reason}")
        elif key == "confidential":
            attrs["confidential"] = (prop.get("value") or "").strip().lower() == "true"
        elif key == "format":
            attrs["format"] = _field_format(ftype, (prop.get("value") or "").strip(), problem)
    return help_text


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_form(
    form: FormSpec,
    raw: Mapping[str, Any],
    *,
    context: Mapping[str, Any],
    evaluate: Callable[[str, Mapping[str, Any]], Any],
    partial_ok: bool = False,
) -> dict[str, Any]:
    """Coerce and validate submitted values; every field error is reported at once.

    ``context`` is the task data ``required_if`` expressions may also look at; ``partial_ok``
    skips the required checks (saving a draft). Readonly fields are dropped from the input.
    Fields named ``object__key`` are returned nested as ``{"object": {"key": ...}}`` and may be
    submitted either way (see ``OBJECT_SEPARATOR``), or by the key alone when only one object has it.

    Raises:
        ValidationFailed: with ``fields`` = {field name: German message}.
    """
    by_name = {f.name: f for f in form.fields}
    groups = _object_groups(form)
    raw, errors, dotted = _expand_objects(raw, groups, by_name)
    clean = _coerce_given(raw, by_name, errors)
    for field in form.fields:
        if field.readonly or any(k == field.name or k.startswith(f"{field.name}.") for k in errors):
            continue
        if field.name not in clean:
            if not partial_ok and _is_required(field, form, clean, context, evaluate, errors):
                errors.setdefault(field.name, "Pflichtfeld.")
            elif not partial_ok:
                # an optional field left empty is still a variable (None), as in Camunda: scripts
                # after the form may name it without guessing whether it was filled
                clean[field.name] = None
            continue
        message = _check_bounds(field, clean[field.name]) or _check_valid_if(
            field, form, clean, context, evaluate
        )
        if message:
            errors[field.name] = message
    if errors:
        raise ValidationFailed("Die Eingaben sind ungültig.", fields=_object_error_names(errors, dotted))
    return _nest_objects(clean, groups)


def _coerce_given(raw: Mapping[str, Any], by_name: Mapping[str, FormField], errors: dict[str, str]) -> dict[str, Any]:
    """The submitted values coerced to their fields' types; unknown fields and bad values go to ``errors``."""
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        field = by_name.get(name)
        if field is None:
            errors[name] = "Unbekanntes Feld."
        elif field.readonly or _missing(value):
            continue
        elif field.type == "table":
            rows, problems = coerce_rows(field, value, coerce)
            errors.update(problems)
            if rows:
                clean[name] = rows
        else:
            try:
                clean[name] = coerce(field, value)
            except ValueError as exc:
                errors[name] = str(exc)
    return clean


# A field id "instruction_a__issuer" is the key "issuer" of the object variable "instruction_a":
# the JSON API takes such objects as they are, an HTML form posts the flat fields (workflows/README.md).
OBJECT_SEPARATOR = "__"


def _object_groups(form: FormSpec) -> dict[str, list[str]]:
    """Object variable name → the ids of its fields."""
    groups: dict[str, list[str]] = {}
    for field in form.fields:
        head, sep, key = field.name.partition(OBJECT_SEPARATOR)
        if sep and head and key:
            groups.setdefault(head, []).append(field.name)
    return groups


def _expand_objects(
    raw: Mapping[str, Any], groups: Mapping[str, list[str]], by_name: Mapping[str, FormField]
) -> tuple[dict[str, Any], dict[str, str], set[str]]:
    """Objects submitted for object variables become their flat fields.

    Returns the flat input, errors for values that are not objects, and the object variables whose
    errors are named "object.key" (all except those the client submitted as flat fields).
    """
    flat: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        if name not in groups and name not in by_name and _object_key_field(name, groups):
            # a client that names an object's key alone ("signed_on" for "signature__signed_on")
            flat.setdefault(_object_key_field(name, groups), value)
        elif name not in groups or name in by_name:
            flat[name] = value
        elif isinstance(value, Mapping):
            flat.update({f"{name}{OBJECT_SEPARATOR}{key}": item for key, item in value.items()})
        elif not _missing(value):
            errors[name] = "Objekt erwartet."
    flat_given = {n.partition(OBJECT_SEPARATOR)[0] for n in raw if OBJECT_SEPARATOR in n}
    return flat, errors, {g for g in groups if g not in flat_given}


def _object_key_field(key: str, groups: Mapping[str, list[str]]) -> str:
    """The one object field whose key is ``key`` ("" when none or several objects have that key)."""
    found = [n for names in groups.values() for n in names if n.partition(OBJECT_SEPARATOR)[2] == key]
    return found[0] if len(found) == 1 else ""


def _object_error_names(errors: dict[str, str], dotted: set[str]) -> dict[str, str]:
    renamed: dict[str, str] = {}
    for name, message in errors.items():
        head, sep, key = name.partition(OBJECT_SEPARATOR)
        if sep and head in errors:
            continue  # "Objekt erwartet." says it all; its keys are not missing one by one
        renamed[f"{head}.{key}" if sep and head in dotted else name] = message
    return renamed


def _nest_objects(clean: dict[str, Any], groups: Mapping[str, list[str]]) -> dict[str, Any]:
    for group, names in groups.items():
        parts = {n.partition(OBJECT_SEPARATOR)[2]: clean.pop(n) for n in names if n in clean}
        if parts:
            clean[group] = parts
    return clean


def _is_required(
    field: FormField,
    form: FormSpec,
    clean: Mapping[str, Any],
    context: Mapping[str, Any],
    evaluate: Callable[[str, Mapping[str, Any]], Any],
    errors: dict[str, str],
) -> bool:
    if field.required:
        return True
    if not field.required_if:
        return False
    holds, broken = _rule(field.required_if, form, clean, context, evaluate)
    if broken:
        errors[field.name] = broken
    return holds


def _rule(
    expression: str,
    form: FormSpec,
    clean: Mapping[str, Any],
    context: Mapping[str, Any],
    evaluate: Callable[[str, Mapping[str, Any]], Any],
) -> tuple[bool, str | None]:
    """Evaluate a field rule (``required_if``, ``valid_if``): (holds, message if the rule is broken).

    The submission is authoritative for the form's own fields: a field left empty is None here, not
    its old value from the task data (readonly fields keep the task data's).
    """
    value, broken = _rule_value(expression, form, clean, context, evaluate)
    return bool(value), broken


def _rule_value(
    expression: str,
    form: FormSpec,
    clean: Mapping[str, Any],
    context: Mapping[str, Any],
    evaluate: Callable[[str, Mapping[str, Any]], Any],
) -> tuple[Any, str | None]:
    scope: dict[str, Any] = dict(context)
    scope.update({f.name: None for f in form.fields if not f.readonly})
    scope.update(clean)
    try:
        return evaluate(expression, scope), None
    except ScriptFailed as exc:
        return False, f"Die Bedingung dieses Feldes ist fehlerhaft: {exc.message}"


def _check_valid_if(
    field: FormField,
    form: FormSpec,
    clean: Mapping[str, Any],
    context: Mapping[str, Any],
    evaluate: Callable[[str, Mapping[str, Any]], Any],
) -> str | None:
    """A designer's rule over the submitted values (and e.g. ``starter_groups`` on a start form)."""
    if not field.valid_if:
        return None
    valid, broken = _rule(field.valid_if, form, clean, context, evaluate)
    if broken or valid:
        return broken
    message = field.invalid_message or INVALID_DEFAULT
    if is_expression(message):
        # a message that names what is wrong (the missing goal), computed over the same values
        said, failed = _rule_value(unwrap_expression(message), form, clean, context, evaluate)
        message = str(said) if failed is None and said else INVALID_DEFAULT
    return message


def _check_bounds(field: FormField, value: Any) -> str | None:
    if field.type in ("integer", "number"):
        if field.min is not None and value < field.min:
            return f"Mindestens {_fmt(field.min)}."
        if field.max is not None and value > field.max:
            return f"Höchstens {_fmt(field.max)}."
    if isinstance(value, str):
        if field.minlength is not None and len(value) < field.minlength:
            return f"Mindestens {field.minlength} Zeichen."
        if field.maxlength is not None and len(value) > field.maxlength:
            return f"Höchstens {field.maxlength} Zeichen."
    return None


def _fmt(number: float) -> str:
    number = float(number)  # FormField bounds may be built with ints by callers
    return str(int(number)) if number.is_integer() else str(number).replace(".", ",")


def coerce_default(field: FormField, value: Any) -> Any:
    """Best-effort conversion of a default for display; an unconvertible default is shown as given."""
    try:
        return coerce(field, value)
    except ValueError:
        return value
