"""Times shown to people: in their organization's time zone, with what is left until then.

Stored and sent times are UTC; a page shows them where the reader works, taken from the
organization's region (ISO 3166-2). Regions spanning several zones (US states) map to the
zone of most of their people.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user

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


def reader_zone() -> ZoneInfo:
    """The signed-in user's zone (their organization's region), else UTC."""
    if current_user and current_user.is_authenticated:
        return zone_for_region(current_user.organization.region)
    return ZoneInfo("UTC")


def local_time(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``2026-12-07 17:00 (Asia/Shanghai)``: a stored time where the reader is."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = zone or reader_zone()
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def time_left(moment: datetime | None, now: datetime | None = None) -> str:
    """What remains until ``moment``: ``2 天 3 小时 / 2 d 3 h``; empty once it has passed."""
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
        return f"{days} 天 {hours} 小时 / {days} d {hours} h"
    if hours:
        return f"{hours} 小时 {minutes} 分 / {hours} h {minutes} min"
    return f"{max(minutes, 1)} 分钟 / {max(minutes, 1)} min"


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(time_left, "time_left")
