"""The interface in Chinese (the source language: every message is written in Chinese where it is used)
and English, with Flask-Babel. A reader chooses with a link or `?lang=en|zh` on any address; the choice
is kept in the cookie `lang` and the addresses stay the same. Without a choice the page is Chinese
(the reader's Accept-Language is not followed, so a page without a cookie is the same for everyone and
the page cache may keep it). A page asked for with `?lang=` sets the cookie, so it is never kept.

The English catalog is portal/translations/en/LC_MESSAGES/messages.po, read as it is (no compiled .mo
file, no build step: a fresh clone serves English at once) and held in memory by each process."""
from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, has_request_context, request
from flask_babel import Babel, Domain, force_locale, get_locale, get_translations, gettext, lazy_gettext, ngettext  # noqa: F401
from markupsafe import Markup, escape
from werkzeug.utils import cached_property

LANGS = ("zh", "en")
COOKIE = "lang"
KEEP_FOR = 365 * 24 * 3600
CATALOGS = Path(__file__).resolve().parent / "translations"


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined (labels of states and types), translated
    where it is shown with `_()`."""
    return message


class PoDomain(Domain):
    """Flask-Babel's domain, reading the .po catalogs themselves instead of compiled .mo files."""

    def get_translations(self):
        lang = current_language()
        if lang not in self.cache:
            self.cache[lang] = load(lang)
        return self.cache[lang]


class PortalBabel(Babel):
    """Flask-Babel with the .po reading domain."""

    @cached_property
    def domain_instance(self):
        return PoDomain(domain=self.domain)


def load(lang: str) -> Translations | NullTranslations:
    """The catalog of a language, compiled in memory; Chinese (the source) needs none."""
    source = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
    if not source.exists():
        return NullTranslations()
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def chosen_language() -> str:
    """`?lang=` if given, else the cookie, else Chinese (also outside a request: a command's mail)."""
    if not has_request_context():
        return "zh"
    asked = request.args.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(COOKIE)
    return kept if kept in LANGS else "zh"


def current_language() -> str:
    """'en' or 'zh' for this request (Chinese outside a request, unless a locale is forced, as for mail)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def english() -> bool:
    return current_language() == "en"


def _field(obj, name: str):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def in_english(obj, name: str):
    """A content field as this reader reads it: its English (`name_en`) for a reader in English when it
    has one, else the Chinese."""
    if english():
        value = _field(obj, name + "_en")
        if value:
            return value
    return _field(obj, name)


def content_lang(obj, name: str) -> str:
    """The language `in_english(obj, name)` gives, for a `lang` attribute."""
    return "en" if english() and _field(obj, name + "_en") else "zh-CN"


def zh(value) -> Markup | str:
    """Content that exists only in Chinese (a bureau's name, a reply), marked as Chinese for a reader in
    English (screen readers switch voice; the English page's test knows it is content)."""
    if not english() or value is None or value == "":
        return value
    return Markup('<span lang="zh-CN">%s</span>') % escape(value)


def known(value) -> Markup | str:
    """A fixed Chinese phrase of the data (a state's label, "县营商环境办（待分办）", a demo bureau's name)
    in English when the catalog has it, else marked as Chinese (`zh`)."""
    if not english() or not value:
        return value
    translated = get_translations().ugettext(value)
    return translated if translated != value else zh(value)


def language_url(lang: str) -> str:
    """This page's address with `lang` set (the switch link)."""
    args = request.args.to_dict(flat=False) if request.method == "GET" else {}
    args["lang"] = [lang]
    return request.path + "?" + urlencode(args, doseq=True)


def init_app(app: Flask) -> None:
    """Babel with the locale chosen per request, `lang`, `language_url` and `english` in templates, and
    the cookie kept when `?lang=` asks for a language."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    PortalBabel().init_app(app, locale_selector=chosen_language)

    @app.context_processor
    def _language():
        return {"lang": current_language()}

    # Functions, so that macros imported without the context have them too
    app.jinja_env.globals.update(language_url=language_url, english=english, in_english=in_english,
                                 content_lang=content_lang)
    app.jinja_env.filters["zh"] = zh
    app.jinja_env.filters["known"] = known

    @app.after_request
    def _keep_the_choice(response):
        asked = request.args.get("lang")
        if asked in LANGS and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=KEEP_FOR, httponly=True, samesite="Lax", secure=request.is_secure)
        return response
