"""Safe XML loading for uploaded BPMN/DMN files, and the namespaces we read.

Uploads come from designers through the web UI, so the parser must not expand entities (billion
laughs), fetch DTDs or touch the network (XXE). BPMN and DMN never need a DOCTYPE, so any file that
declares one is refused outright instead of being parsed "carefully".
"""

from __future__ import annotations

import codecs
import re
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
)
NSMAP = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "bpmndi": BPMNDI_NS}

# Upload limit for one file; real process models are a few dozen KB.
MAX_FILE_BYTES = 2_000_000


class UnsafeXml(ValueError):
    """The file is not well-formed XML, or uses a feature we refuse (DTD, entities)."""


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers keep state and are not meant to be shared across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(content: bytes) -> etree._Element:
    """Parse an uploaded file into an element tree, refusing DTDs, entities and oversized input.

    Raises:
        UnsafeXml: with a message fit for the designer.
    """
    if len(content) > MAX_FILE_BYTES:
        raise UnsafeXml(f"file is larger than {MAX_FILE_BYTES} bytes")
    # defusedxml is the gate: it refuses DTDs, entity declarations and external references before
    # lxml (which SpiffWorkflow needs) sees the bytes
    try:
        defused_fromstring(content, forbid_dtd=True)
    except DefusedXmlException:
        raise UnsafeXml("DOCTYPE and ENTITY declarations are not allowed in BPMN/DMN files") from None
    except ParseError as exc:
        raise UnsafeXml(f"not well-formed XML: {exc}") from None
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed XML: {exc}") from None
    if root is None:
        raise UnsafeXml("empty document")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml("DOCTYPE declarations are not allowed in BPMN/DMN files")
    return root


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (``userTask`` for ``{bpmn}userTask``)."""
    return str(etree.QName(element).localname)


def namespace(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""


def camunda_attr(element: etree._Element, name: str) -> str | None:
    """A ``camunda:`` attribute, or None when absent or blank."""
    value = element.get(f"{{{CAMUNDA_NS}}}{name}")
    if value is None or not str(value).strip():
        return None
    return str(value).strip()


def nearest_id(element: etree._Element | None) -> str | None:
    """The id of the element or its closest ancestor that has one, to point a problem at."""
    while element is not None:
        ident = element.get("id")
        if ident:
            return str(ident)
        element = element.getparent()
    return None


def task_property(node: etree._Element, name: str) -> str | None:
    """A ``camunda:property`` of the task itself (not of a form field); Camunda Modeler may write ``id``."""
    for prop in node.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NSMAP):
        if (prop.get("name") or prop.get("id")) == name:
            return str(prop.get("value") or "")
    return None


def default_group(node: etree._Element) -> str:
    """The group that gets a process's tasks that name no one (Camunda would leave them to nobody):
    the process's property ``default_group`` (editable in the designer's properties panel), else its
    first starter group (whoever may start it owns it), else ``admin``."""
    process = node
    while process is not None and local_name(process) != "process":
        process = process.getparent()
    if process is None:
        return "admin"
    configured = task_property(process, "default_group")
    if configured and configured.strip():
        return configured.strip()
    starters = [g.strip() for g in (camunda_attr(process, "candidateStarterGroups") or "").split(",") if g.strip()]
    return starters[0] if starters else "admin"


# Byte order marks, longest first (a UTF-32-LE mark begins with the UTF-16-LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# "<?" of a declaration in UTF-16 without a mark
_UNMARKED = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DECLARATION_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[A-Za-z0-9._-]+\2")


def as_utf8(content: bytes) -> bytes:
    """The file re-encoded as UTF-8, its XML declaration saying so.

    Stored definitions, content hashes and the designer all work on UTF-8 text; an editor that
    saves UTF-16 (with a byte order mark) or ISO-8859-1 (declared) still produces a valid model,
    so it deploys rather than being refused. UTF-8 files are returned unchanged.

    Raises:
        UnsafeXml: the bytes cannot be read in the encoding they declare.
    """
    codec = next((c for bom, c in _BOMS if content.startswith(bom)), None)
    codec = codec or next((c for start, c in _UNMARKED if content.startswith(start)), None)
    if codec is None:
        declared = _DECLARED.match(content[:200])
        name = declared.group(1).decode("ascii").lower() if declared else "utf-8"
        if name.replace("_", "-") in ("utf-8", "utf8"):
            codec = None
        else:
            codec = name
    try:
        if codec is None:
            content.decode("utf-8")
            return content
        text = content.decode(codec)
    except LookupError:
        raise UnsafeXml(f"Unbekannte Zeichenkodierung '{codec}'; bitte die Datei als UTF-8 speichern.") from None
    except UnicodeDecodeError:
        shown = (codec or "UTF-8").upper()
        raise UnsafeXml(f"Die Datei ist kein gültiges {shown}; bitte als UTF-8 speichern.") from None
    return _DECLARATION_ENCODING.sub(r"\1\2UTF-8\2", text, count=1).encode("utf-8")
