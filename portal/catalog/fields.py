"""The parser kit of content files: one function per kind of field value, each taking the raw JSON
value and returning what is stored, or raising `BadValue` with the reason in Chinese."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from portal.clock import COUNTY_TZ
from portal.text import CONTROL, SLUG

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?")
URL = re.compile(r"(https?://|/)[^\s<>\"']*")


class BadValue(ValueError):
    """One field's value is wrong; the message is shown to the operator."""


def text(max_len: int = 20000, allow_empty: bool = True) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise BadValue("应为字符串")
        if CONTROL.search(value):
            raise BadValue("含有不可见的控制字符")
        value = value.strip()
        if not value and not allow_empty:
            raise BadValue("不能为空")
        if len(value) > max_len:
            raise BadValue(f"过长（最多 {max_len} 个字符）")
        return value

    return parse


def optional_text(max_len: int) -> Callable[[Any], str | None]:
    inner = text(max_len)

    def parse(value: Any) -> str | None:
        if value is None:
            return None
        return inner(value) or None

    return parse


def slug(value: Any, max_len: int = 80) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise BadValue("只能由小写英文字母、数字和连字符组成（如 qykb、low-voltage-power）")
    if len(value) > max_len:
        raise BadValue(f"过长（最多 {max_len} 个字符）")
    return value


def code(value: Any) -> str:
    """A bureau or topic code: a short slug."""
    return slug(value, 32)


def optional_code(value: Any) -> str | None:
    return None if value is None else code(value)


def optional_slug(value: Any) -> str | None:
    return None if value is None else slug(value)


def link(value: Any) -> str:
    """An http(s) address or a path on this site; anything else could run script in a reader's browser."""
    value = text(500)(value)
    if value and not URL.fullmatch(value):
        raise BadValue("应为 http:// 或 https:// 开头的网址")
    return value


def optional_link(value: Any) -> str | None:
    return None if value is None else (link(value) or None)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue("应为 true 或 false")
    return value


def integer(minimum: int = 0, maximum: int = 10000, nullable: bool = False) -> Callable[[Any], int | None]:
    def parse(value: Any) -> int | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue("应为整数" + ("或 null" if nullable else ""))
        if not minimum <= value <= maximum:
            raise BadValue(f"应在 {minimum} 到 {maximum} 之间")
        return value

    return parse


def date(nullable: bool) -> Callable[[Any], dt.date | None]:
    def parse(value: Any) -> dt.date | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise BadValue("应为日期 YYYY-MM-DD" + ("或 null" if nullable else "") + f"，而不是 {value!r}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise BadValue(f"不是有效日期：{value!r}") from None

    return parse


def moment(value: Any) -> dt.datetime | None:
    """A moment such as 2022-09-15T09:00 (county time) or with its offset, or null."""
    if value is None:
        return None
    if not isinstance(value, str) or not ISO_MOMENT.fullmatch(value):
        raise BadValue(f"应为时间 YYYY-MM-DDTHH:MM（县内时间）或 null，而不是 {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadValue(f"不是有效时间：{value!r}") from None
    # stored in UTC: SQLite keeps the wall time and drops the offset
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=COUNTY_TZ)).astimezone(dt.timezone.utc)


def choice(values: Iterable[str]) -> Callable[[Any], str]:
    allowed = tuple(values)

    def parse(value: Any) -> str:
        if value not in allowed:
            raise BadValue(f"应为 {'、'.join(allowed)} 之一，而不是 {value!r}")
        return value

    return parse


def list_of(item: Callable[[Any], Any], max_items: int = 200, unique: bool = False) -> Callable[[Any], list]:
    def parse(value: Any) -> list:
        if not isinstance(value, list):
            raise BadValue("应为列表")
        if len(value) > max_items:
            raise BadValue(f"最多 {max_items} 项")
        out = []
        for i, raw in enumerate(value, 1):
            try:
                parsed = item(raw)
            except BadValue as exc:
                raise BadValue(f"第 {i} 项{exc}") from None
            if unique and parsed in out:
                raise BadValue(f"第 {i} 项重复：{parsed}")
            out.append(parsed)
        return out

    return parse


OMIT = object()  # the default of an optional field a nested object holds only when it has a value


def record(fields: dict[str, tuple[Callable[[Any], Any], bool, Any]]) -> Callable[[Any], dict]:
    """A nested object with the given fields (parser, required, default), in that order; a field whose
    default is OMIT is left out when absent or empty."""

    def parse(value: Any) -> dict:
        if not isinstance(value, dict):
            raise BadValue("应为对象")
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise BadValue(f"有未知字段 {'、'.join(unknown)}")
        out = {}
        for name, (parser, required, default) in fields.items():
            if name not in value:
                if required:
                    raise BadValue(f"缺少 {name}")
                if default is not OMIT:
                    out[name] = default
                continue
            try:
                out[name] = parser(value[name])
            except BadValue as exc:
                raise BadValue(f"的 {name} {exc}") from None
            if default is OMIT and not out[name]:
                del out[name]
        return out

    return parse


