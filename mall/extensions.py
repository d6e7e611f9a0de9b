"""Extensions, created unbound and bound to the app in ``create_app``."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf import CSRFProtect

from mall.db import db
from mall.search.client import search_backend

login_manager = LoginManager()
login_manager.login_view = "accounts_pages.login"
csrf = CSRFProtect()

__all__ = ["csrf", "db", "login_manager", "search_backend"]
