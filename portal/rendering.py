"""Markdown written by bureaus, rendered and then sanitised with nh3 before it reaches a page."""
from __future__ import annotations

import re

import nh3
import segno
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}


def markdown(source: str | None, under: str | None = None) -> Markup:
    """Markdown to safe HTML; headings start at h2 because the page title is the h1. `under` is the
    heading the page already puts above this text: a first line that only repeats it (“## 办理说明”,
    “**办理说明**”) is left out, so the reader does not meet the same heading twice."""
    source = source or ""
    if under:
        source = re.sub(rf"\A\s*(?:#{{1,6}}[ \t]*|\*\*|__)?{re.escape(under)}(?:\*\*|__)?[ \t]*[:：]?[ \t]*(?:\n|\Z)",
                        "", source, count=1)
    html = _md.render(source)
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    # nh3 has removed every tag and attribute not allowed below (bandit B704: Markup of untrusted text).
    return Markup(  # nosec B704
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


def qr_data_uri(text: str) -> str:
    """A QR code of `text` (a page's address) drawn here as an SVG data URI, for an <img> the CSP allows."""
    return segno.make(text, error="m").svg_data_uri(scale=3, border=2)
