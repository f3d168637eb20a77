"""Every UI text of the designer and the case diagram has a German translation in designer.po."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_ROOT

CATALOG = PROJECT_ROOT / "webapp/translations/de/LC_MESSAGES/designer.po"


def test_every_designer_text_is_translated() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    mapping = [("webapp/templates/designer/**.html", "jinja2"), ("webapp/designer/**.py", "python"),
               ("webapp/templates/base.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found, missing = 0, []
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map=mapping, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if "designer" not in filename and msgid != "Design processes":
            continue  # base.html's other texts belong to the other catalogs
        found += 1
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            missing.append(f"{filename}: {msgid}")
    assert found > 80 and missing == []
