"""Pages in one language at a time: Flask-Babel bound here, the reader's language chosen here.

Strings in templates go through ``_()``; in Python, ``gettext``/``lazy_gettext`` from here.
The source strings are English; Chinese is the default locale. The language is taken from
``?lang=`` (remembered in a cookie), then the cookie, then ``Accept-Language``.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_babel import Babel, gettext, lazy_gettext, ngettext

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "mall_lang"

babel = Babel()


def select_language() -> str:
    """The reader's language: ``?lang=``, the cookie, ``Accept-Language``, then Chinese."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language, default_locale=DEFAULT_LANGUAGE)
    app.after_request(_remember_language)

    @app.context_processor
    def _language() -> dict[str, object]:
        from flask_babel import get_locale

        locale = get_locale()
        lang = locale.language if locale else DEFAULT_LANGUAGE
        g.lang = lang
        return {"lang": lang, "html_lang": "zh-CN" if lang == "zh" else lang,
                "languages": LANGUAGES}


__all__ = ["LANGUAGES", "babel", "gettext", "init_app", "lazy_gettext", "ngettext",
           "select_language"]
