"""What a file is, by its content (``filetype``'s signatures), never by its name alone."""

from __future__ import annotations

import zipfile
from typing import IO

import filetype

# content type -> the file name extensions it may carry
ACCEPTED = {
    "application/pdf": (".pdf",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
}
# a DOCX/XLSX is a zip: filetype finds the kind by the first members, so look inside when it only says zip
_OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_HEAD = 8192
# bytes that never occur in a text file: C0 controls other than tab, line feed, vertical tab, form feed, CR
_CONTROL = bytes([*range(0, 9), *range(14, 32), 127])


def sniff(source: IO[bytes]) -> str | None:
    """The accepted content type of ``source``, or None for anything else (an EXE named .pdf, ...)."""
    source.seek(0)
    head = source.read(_HEAD)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime == "application/zip" or (mime is None and head.startswith(b"PK\x03\x04")):
        mime = _ooxml(source)
    elif mime is None and _is_text(source):
        mime = "text/plain"
    source.seek(0)
    return mime if mime in ACCEPTED else None


def _ooxml(source: IO[bytes]) -> str | None:
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return next((mime for part, mime in _OOXML_PARTS.items() if part in names), None)


def _is_text(source: IO[bytes]) -> bool:
    """UTF-8 (or Latin-1 without control characters) text: no NUL byte, no control characters but
    tab, line breaks and form feed; read in chunks, never all at once."""
    source.seek(0)
    carry = b""
    while chunk := source.read(64 * 1024):
        data = carry + chunk
        if len(data.translate(None, _CONTROL)) != len(data):
            return False
        carry = b""
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 3:  # a character cut at the chunk's end is finished by the next
                return False
            carry = data[exc.start:]
    return not carry
