"""Pages in one language at a time: Flask-Babel bound here, the reader's language chosen here.

Strings in templates go through ``_()``; in Python, ``gettext``/``lazy_gettext`` from here.
The source strings are English; Chinese is the default locale. The language is taken from
``?lang=`` (remembered in a cookie), then the cookie, then ``Accept-Language``.

Catalogs live in mall/translations (``make translations`` extracts and updates the .po files;
``make install`` compiles them). A missing or stale compiled catalog fails the app at start
under test, so a page test can never pass on untranslated English by accident.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask_babel import (
    Babel,
    format_currency,
    format_decimal,
    get_locale,
    gettext,
    lazy_gettext,
    ngettext,
    refresh,
)

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "mall_lang"
TRANSLATIONS = Path(__file__).parent / "translations"

babel = Babel()


class CatalogsNotCompiled(RuntimeError):
    """The .mo files are missing or older than their .po: run ``make install``."""


def select_language() -> str:
    """The reader's language: ``?lang=``, the cookie, ``Accept-Language``, then Chinese.
    Outside a request (the worker, a command, a service called directly): Chinese."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True)
    return response


def check_catalogs(root: Path = TRANSLATIONS) -> None:
    """Raise unless every language has a compiled catalog at least as new as its source."""
    for lang in LANGUAGES:
        po = root / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or (po.exists() and po.stat().st_mtime > mo.stat().st_mtime):
            raise CatalogsNotCompiled(
                f"{mo} is missing or older than {po.name}: run `make install` "
                "(or `pybabel compile -d mall/translations`)")


def in_language(item: Any, field: str) -> str:
    """``item.<field>_zh`` or ``item.<field>_en`` for the reader (objects or dicts),
    falling back to the other language when one is empty."""
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    first, other = ("zh", "en") if current_language() == "zh" else ("en", "zh")
    return str(get(f"{field}_{first}") or get(f"{field}_{other}") or "")


def N_(message: str) -> str:
    """Mark an English message for the catalogs without translating it here: services keep
    English (the JSON API's language); pages translate it where shown (``translate``)."""
    return message


def translate(message: Any) -> str:
    """A message made elsewhere (a service's refusal, a stored text) in the reader's
    language when the catalogs know it, else as it is."""
    if message is None:
        return ""
    text = str(message)
    return gettext(text) if text else text


def money(amount: Any, currency: str | None = "CNY") -> str:
    """An amount in the reader's locale: ``¥1,234.50`` / ``CN¥1,234.50``."""
    if amount is None or amount == "":
        return ""
    if isinstance(amount, dict):  # the serializers' {"amount", "currency"}
        amount, currency = amount.get("amount"), amount.get("currency") or currency
    return str(format_currency(Decimal(str(amount)), currency or "CNY"))


def number(value: Any, digits: int | None = None) -> str:
    """A plain number in the reader's locale, with exactly ``digits`` decimals if given."""
    if value is None or value == "":
        return ""
    if digits is None:
        return str(format_decimal(Decimal(str(value))))
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(Decimal(str(value)), format=pattern))


def _switch_url(lang: str) -> str:
    """The current page in ``lang``: same path and query, ``lang`` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    from urllib.parse import urlencode
    return f"{request.path}?{urlencode(args)}"


def init_app(app: Flask) -> None:
    if app.testing:
        check_catalogs()
    babel.init_app(app, locale_selector=select_language, default_locale=DEFAULT_LANGUAGE)
    app.after_request(_remember_language)
    # Flask-Babel caches the locale on ``g``, which outlives one request when an app context
    # was already pushed (tests, CLI): each request chooses its language afresh.
    app.before_request(refresh)
    app.add_template_filter(money, "money")
    app.add_template_filter(number, "number")
    app.add_template_filter(translate, "translate")
    app.add_template_global(in_language, "in_language")
    app.add_template_global(_switch_url, "switch_language_url")

    @app.context_processor
    def _language() -> dict[str, object]:
        lang = current_language()
        g.lang = lang
        return {"lang": lang, "html_lang": "zh-CN" if lang == "zh" else lang,
                "languages": LANGUAGES}


__all__ = ["LANGUAGES", "N_", "CatalogsNotCompiled", "babel", "check_catalogs", "current_language",
           "gettext", "in_language", "init_app", "lazy_gettext", "money", "ngettext",
           "number", "select_language", "translate"]
