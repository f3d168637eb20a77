"""What changed between two versions of a BPMN model, element by element (for the version diff).

Elements are matched by id; only the model counts, not the diagram (BPMN DI), so moving a shape is
no change. Parsed with the same safe loader as deployments (defusedxml gate, then lxml).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from casework.engine.xmlsafe import BPMN_NS, NSMAP, UnsafeXml, local_name, parse_xml
from casework.errors import ValidationFailed

# a flow node's references to its neighbouring flows change whenever a flow is added or removed;
# that change is reported on the flow itself, not again on every node it touches
_NOT_COMPARED = {"incoming", "outgoing"}


@dataclass(frozen=True)
class DiffEntry:
    id: str
    name: str
    type: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiagramDiff:
    process_key: str
    old_version: int
    new_version: int
    old_xml: str
    new_xml: str
    added: tuple[DiffEntry, ...]
    removed: tuple[DiffEntry, ...]
    changed: tuple[DiffEntry, ...]
    # other files of the versions (decision tables, called processes) added, removed or changed
    other_files: tuple[str, ...] = ()


def diagram_diff(
    old_xml: bytes, new_xml: bytes
) -> tuple[tuple[DiffEntry, ...], tuple[DiffEntry, ...], tuple[DiffEntry, ...]]:
    """(added, removed, changed) BPMN elements between two documents, compared by id.

    Only the model counts: moving a shape (BPMN DI) changes nothing a case would notice.

    Raises:
        ValidationFailed: a document is not readable XML.
    """
    old = _elements(_parse(old_xml, "old"))
    new = _elements(_parse(new_xml, "new"))
    added = tuple(_entry(new[i]) for i in new if i not in old)
    removed = tuple(_entry(old[i]) for i in old if i not in new)
    changed = []
    for ident in new:
        if ident in old:
            changes = _changes(old[ident], new[ident])
            if changes:
                changed.append(_entry(new[ident], changes))
    return added, removed, tuple(changed)


def _elements(root: etree._Element) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    for scope in root.xpath("./bpmn:process | ./bpmn:collaboration", namespaces=NSMAP):
        for element in scope.iter(f"{{{BPMN_NS}}}*"):
            ident = element.get("id")
            if ident and element is not scope:
                found[str(ident)] = element
    return found


def _entry(element: etree._Element, changes: tuple[str, ...] = ()) -> DiffEntry:
    return DiffEntry(str(element.get("id")), (element.get("name") or "").strip(), local_name(element), changes)


def _compared_children(element: etree._Element) -> dict[str, list[Any]]:
    """The element's own children by tag, in document order per tag; children with an id of their own
    are compared on their own. Grouping by tag ignores the modeler moving ``camunda:properties``
    before ``camunda:value`` on saving, while the order of form fields and options still counts."""
    groups: dict[str, list[Any]] = {}
    for child in element:
        if not isinstance(child.tag, str) or child.get("id") and etree.QName(child).namespace == BPMN_NS:
            continue
        if local_name(child) in _NOT_COMPARED:
            continue
        groups.setdefault(local_name(child), []).append(_canonical(child))
    return groups


def _canonical(element: etree._Element) -> Any:
    children = {tag: tuple(items) for tag, items in _compared_children(element).items()}
    return (str(element.tag), tuple(sorted(element.attrib.items())), (element.text or "").strip(),
            tuple(sorted(children.items())))


def _changes(old: etree._Element, new: etree._Element) -> tuple[str, ...]:
    changes = []
    if local_name(old) != local_name(new):
        changes.append(f"type: {local_name(old)} → {local_name(new)}")
    for attr in sorted(set(old.attrib) | set(new.attrib)):
        if old.get(attr) != new.get(attr):
            changes.append(_attr_name(str(attr)))
    if (old.text or "").strip() != (new.text or "").strip():
        changes.append("text")
    old_children, new_children = _compared_children(old), _compared_children(new)
    for tag in sorted(set(old_children) | set(new_children)):
        if old_children.get(tag) != new_children.get(tag):
            changes.append(tag)
    return tuple(changes)


def _attr_name(qualified: str) -> str:
    if qualified.startswith("{"):
        namespace, name = qualified[1:].split("}", 1)
        prefix = next((p for p, ns in NSMAP.items() if ns == namespace), "")
        return f"{prefix}:{name}" if prefix else name
    return qualified


def _parse(content: bytes, field: str) -> etree._Element:
    try:
        return parse_xml(content)
    except UnsafeXml as exc:
        raise ValidationFailed("Die Datei ist kein lesbares XML.", {field: str(exc)}) from None
