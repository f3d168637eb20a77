"""A designer's file before it reaches the repository: name, size, encoding, well-formed XML, and
the hints the designer shows beyond a deploy's problems."""

from __future__ import annotations

import re

from lxml import etree

from casework.engine.lint import PROCESS_ID, PROCESS_ID_RULE, designer_hints
from casework.engine.xmlsafe import MAX_FILE_BYTES, UnsafeXml, parse_xml
from casework.errors import Problem, ValidationFailed

# the same rule as the API's deploy (casework.engine.lint): what one accepts, the other does too
PROCESS_KEY = PROCESS_ID
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,250}\.(bpmn|dmn)$")


def kind(file_name: str) -> str:
    return "dmn" if file_name.lower().endswith(".dmn") else "bpmn"


def key_message(key: str) -> str:
    return f"Der Prozessschlüssel '{key}' ist ungültig: {PROCESS_ID_RULE}."


def check_name(key: str, file_name: str, content: str) -> None:
    errors = {}
    if not PROCESS_KEY.match(key or ""):
        errors["key"] = key_message(key or "")
    if not FILE_NAME.match(file_name or ""):
        errors["file_name"] = "Nur Dateinamen auf .bpmn oder .dmn aus Buchstaben, Ziffern, _, - und . sind erlaubt."
    if not (content or "").strip():
        errors["xml"] = "Die Datei ist leer."
    elif len(content.encode("utf-8")) > MAX_FILE_BYTES:
        errors["xml"] = f"Die Datei ist größer als {MAX_FILE_BYTES} Bytes."
    if errors:
        raise ValidationFailed("Die Datei kann so nicht verwendet werden.", errors)


def check_file(key: str, file_name: str, content: str) -> None:
    check_name(key, file_name, content)
    parse(content.encode("utf-8"), "xml")


def parse(content: bytes, field: str) -> etree._Element:
    try:
        return parse_xml(content)
    except UnsafeXml as exc:
        raise ValidationFailed("Die Datei ist kein lesbares XML.", {field: str(exc)}) from None


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("Die Datei ist nicht UTF-8-kodiert.", {"file": "Bitte als UTF-8 speichern."}) from None


def hints(file_name: str, data: bytes) -> list[Problem]:
    if kind(file_name) != "bpmn":
        return []
    try:
        return designer_hints(parse_xml(data), file_name)
    except UnsafeXml:
        return []  # the deploy check has reported it already
