"""Text rules shared by every form, service and content file: control characters, keys, plain
one-line and multi-line text, e-mail addresses and phone numbers."""
from __future__ import annotations

import re

from portal.errors import Invalid
from portal.i18n import N_

# Not text: control characters (tab and newline are text), lone surrogates (a JSON "\ud800" decodes to
# one; no database can store it) and the noncharacters U+FFFE and U+FFFF.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # used with fullmatch: "qykb\n" is not a slug
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
PHONE_MESSAGE = N_("请填写 11 位手机号码，或带区号的固定电话（如 0943-3212345）。")
TRUE = {True, "true", "on", "1", "yes", 1}


def is_key(value: str) -> bool:
    """A code or slug as content files write them (lowercase ASCII, digits, hyphens), at most 80 long."""
    return isinstance(value, str) and 0 < len(value) <= 80 and SLUG.fullmatch(value) is not None


def flag(raw) -> bool:
    """A checkbox or JSON boolean: true, "true", "on", "1", "yes" or 1."""
    return isinstance(raw, (str, bool, int)) and raw in TRUE


def plain(value: str | None, label: str, max_len: int, field: str = "") -> str:
    """Text someone typed, stripped, with CRLF made LF: refused (400) when too long or holding
    control characters, never cut."""
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > max_len:
        raise Invalid(f"{label}最多 {max_len} 字，现有 {len(value)} 字。", field)
    if CONTROL.search(value):
        raise Invalid(f"{label}含有不可见的控制字符，请删除后重试。", field)
    return value


def valid_email(email: str) -> bool:
    """An address of at most 200 characters that mail servers accept the shape of."""
    return len(email) <= 200 and EMAIL.fullmatch(email) is not None


def valid_phone(normalized: str) -> bool:
    """A mobile number, or a landline with its area code."""
    return bool(MOBILE.fullmatch(normalized) or LANDLINE.fullmatch(normalized))


def normalize_phone(raw: str) -> str:
    """Spaces, dashes and brackets out of a mobile number, and a +86 or 0086 prefix dropped."""
    compact = re.sub(r"[\s()（）-]", "", raw)
    compact = re.sub(r"^(\+86|0086|86)(?=1\d{10}$)", "", compact)
    if MOBILE.fullmatch(compact):
        return compact
    return re.sub(r"[\s()（）]", "", raw)
