"""The center's console (blueprint ``center_pages``, under /center), one module per screen.

Auditors read every screen; center admins also write.
"""

from __future__ import annotations

from mall.center.pages import (  # noqa: F401  (routes register)
    accountability,
    agreements,
    audit,
    flags,
    organizations,
    price_reviews,
    reports,
)
from mall.center.pages.common import pages

__all__ = ["pages"]
