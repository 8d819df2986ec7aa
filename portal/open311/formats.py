"""GeoReport v2's two formats: JSON, and XML with the spec's element names (a root, one element per
item, lists inside an item as a wrapper of singular elements: <attributes><attribute>…)."""
from __future__ import annotations

import json

# Only building XML, never parsing any (bandit B405 warns of parsing untrusted XML with the standard
# library, which this module does not do): defusedxml is not needed.
from xml.etree import ElementTree as ET  # nosec B405

from flask import Response

# element of each list field in an item; the root's items are named by the caller
ITEM_OF = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ET.Element, item: dict) -> None:
    for name, value in item.items():
        child = ET.SubElement(parent, name)
        if isinstance(value, list):
            for entry in value:
                element = ET.SubElement(child, ITEM_OF[name])
                if isinstance(entry, dict):
                    _fill(element, entry)
                else:
                    element.text = _text(entry)
        else:
            child.text = _text(value)


def xml_document(root: str, item: str | None, body) -> bytes:
    """`body` (a list of items, or one item when `item` is None) as <root><item>…</item></root>."""
    element = ET.Element(root)
    if item is None:
        _fill(element, body)
    else:
        for entry in body:
            _fill(ET.SubElement(element, item), entry)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, item: str | None, body, status: int = 200) -> Response:
    """The body in the format the URL asked for."""
    if fmt == "xml":
        return Response(xml_document(root, item, body), status=status, content_type="text/xml; charset=utf-8")
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8")


def errors(fmt: str, status: int, messages: list[str]) -> Response:
    """The spec's error shape: [{"code", "description"}], in XML <errors><error>…</error></errors>."""
    return respond(fmt, "errors", "error", [{"code": status, "description": m} for m in messages], status)
