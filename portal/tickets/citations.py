"""Policies a reply cites by document number (文号), linked to their pages."""
from __future__ import annotations

import re

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog.models import Policy, PolicyStatus

# The same number is written with 〔〕, [], ［］, () or （）; brackets are matched one for one, so
# positions in the normalised text are positions in the original.
_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "(": "〔", "（": "〔", "]": "〕", "］": "〕", ")": "〕", "）": "〕"})


def normalise(text: str) -> str:
    return text.translate(_BRACKETS)


def cited_policies(session: Session, text: str) -> list[tuple[int, int, Policy]]:
    """Where in `text` a published policy's document number appears: (start, end, policy), in order."""
    numbers = {normalise(number): (number, slug) for number, slug in session.execute(
        select(Policy.doc_number, Policy.slug).where(Policy.doc_number.is_not(None),
                                                     Policy.status != PolicyStatus.DRAFT))}
    numbers.pop("", None)
    if not numbers or not text:
        return []
    pattern = re.compile("|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True)))
    found = [(m.start(), m.end(), numbers[m.group()][1]) for m in pattern.finditer(normalise(text))]
    policies = {p.slug: p for p in session.scalars(select(Policy).where(Policy.slug.in_({s for *_, s in found})))}
    return [(start, end, policies[slug]) for start, end, slug in found]


def link_citations(session: Session, text: str, url_for_policy) -> Markup:
    """The text, escaped, with every cited document number linked to its policy page."""
    parts: list[str] = []
    last = 0
    for start, end, policy in cited_policies(session, text):
        parts.append(escape(text[last:start]))
        parts.append(Markup('<a href="{}" title="{}">{}</a>').format(
            url_for_policy(policy), policy.title, text[start:end]))
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def cite(session: Session, text: str) -> Markup:
    """A reply's text with the document numbers of published policies linked to their pages."""
    return link_citations(session, text, lambda p: url_for("catalog.policy_show", slug=p.slug))
