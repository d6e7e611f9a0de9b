"""Times shown to people: in their organization's time zone, with what is left until then.

Stored and sent times are UTC; a page shows them where the reader works, taken from the
organization's region (ISO 3166-2). Regions spanning several zones (US states) map to the
zone of most of their people.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from flask import Flask
from flask_babel import get_locale
from flask_login import current_user

from mall.i18n import gettext

# Country → zone, then the few subdivisions that differ from their country's.
_COUNTRY_ZONES = {"CN": "Asia/Shanghai", "US": "America/New_York", "GB": "Europe/London",
                  "UA": "Europe/Kyiv", "DE": "Europe/Berlin", "FR": "Europe/Paris"}
_US_ZONES = {
    **dict.fromkeys(("US-AL", "US-AR", "US-IL", "US-IA", "US-KS", "US-LA", "US-MN", "US-MS",
                     "US-MO", "US-NE", "US-ND", "US-OK", "US-SD", "US-TN", "US-TX", "US-WI"),
                    "America/Chicago"),
    **dict.fromkeys(("US-CO", "US-MT", "US-NM", "US-UT", "US-WY", "US-ID"), "America/Denver"),
    "US-AZ": "America/Phoenix",
    **dict.fromkeys(("US-CA", "US-NV", "US-OR", "US-WA"), "America/Los_Angeles"),
    "US-AK": "America/Anchorage", "US-HI": "Pacific/Honolulu",
    "CN-XJ": "Asia/Urumqi",
}


def zone_for_region(region: str | None) -> ZoneInfo:
    """The time zone of a region code such as ``CN-GD`` or ``US-CA`` (UTC if unknown)."""
    if not region:
        return ZoneInfo("UTC")
    name = _US_ZONES.get(region) or _COUNTRY_ZONES.get(region.split("-")[0], "UTC")
    return ZoneInfo(name)


def user_zone(user: Any) -> ZoneInfo:
    """A user's own zone if they chose a valid one, else their organization's region's."""
    chosen = getattr(user, "time_zone", None)
    if chosen:
        try:
            return ZoneInfo(chosen)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a zone removed from tzdata since: fall back to the region's
    return zone_for_region(user.organization.region)


def reader_zone() -> ZoneInfo:
    """The signed-in user's zone (their own, else their organization's region's), else UTC."""
    if current_user and current_user.is_authenticated:
        return user_zone(current_user)
    return ZoneInfo("UTC")


def local_time(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``2026年12月7日 17:00 (Asia/Shanghai)`` / ``Dec 7, 2026 5:00 PM (Asia/Shanghai)``:
    a stored time where the reader is, written the reader's way (Babel)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = zone or reader_zone()
    here = moment.astimezone(zone)
    locale = get_locale() or "zh"
    return (f"{format_date(here.date(), 'medium', locale=locale)} "
            f"{format_time(here, 'short', tzinfo=zone, locale=locale)} ({zone.key})")


def local_date(moment: datetime | date | None) -> str:
    """A date (or the reader's date of a stored time) in the reader's words."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(reader_zone()).date()
    return str(format_date(moment, "medium", locale=get_locale() or "zh"))


def time_left(moment: datetime | None, now: datetime | None = None) -> str:
    """What remains until ``moment``: ``2 天 3 小时`` / ``2 d 3 h``; empty once it has passed."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int((moment - (now or datetime.now(UTC))).total_seconds())
    if seconds <= 0:
        return ""
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return str(gettext("%(days)s d %(hours)s h", days=days, hours=hours))
    if hours:
        return str(gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes))
    return str(gettext("%(minutes)s min", minutes=max(minutes, 1)))


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(time_left, "time_left")
    app.add_template_filter(local_date, "local_date")
