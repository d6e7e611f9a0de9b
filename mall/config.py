"""Configuration, read once from ``MALL_*`` environment variables at startup."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

JURISDICTIONS = ("cn-central", "us-federal")
# Rows per committed batch of a feed on PostgreSQL's fast path (MALL_FEED_BATCH_ROWS): a
# batch is a few large statements, so larger batches cost memory, not round trips.
DEFAULT_FAST_BATCH_ROWS = 10_000

ACCOUNTABILITY_KEYS = ("near_threshold_share", "split_catches", "top_supplier_share",
                       "single_approver_share", "min_requisitions")
ACCOUNTABILITY_DEFAULTS = ("near_threshold_share=0.30,split_catches=2,top_supplier_share=0.60,"
                           "single_approver_share=0.80,min_requisitions=5")


def parse_thresholds(value: str) -> dict[str, Decimal]:
    """``"name=value,..."`` over the defaults; an unknown name or a bad number is refused."""
    merged: dict[str, Decimal] = {}
    for text in (ACCOUNTABILITY_DEFAULTS, value):
        for item in filter(None, (p.strip() for p in text.split(","))):
            name, sep, number = item.partition("=")
            name = name.strip()
            if not sep or name not in ACCOUNTABILITY_KEYS:
                raise ValueError(f"accountability threshold {item!r}: use one of "
                                 f"{', '.join(ACCOUNTABILITY_KEYS)}=<number>")
            amount = Decimal(number.strip())
            if not amount.is_finite() or amount < 0:
                raise ValueError(f"accountability threshold {name} must be a number >= 0")
            merged[name] = amount
    return merged


def _var_dir() -> Path:
    return Path(os.environ.get("MALL_VAR_DIR", "var")).resolve()


def _default_database_url() -> str:
    return f"sqlite:///{_var_dir() / 'mall.db'}"


def _dev_secret_key() -> str:
    """A random key kept under var/ so dev sessions survive restarts; production sets its own."""
    path = _var_dir() / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class ConfigError(ValueError):
    """A MALL_* variable holds a value the app cannot run with."""


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in _TRUE + _FALSE:
        raise ValueError(f"{value!r} is not a yes/no value (use true or false)")
    return lowered in _TRUE


@dataclass(frozen=True)
class Config:
    database_url: str = field(default_factory=_default_database_url)
    opensearch_url: str = "http://127.0.0.1:9200"
    search_alias: str = "mall-offers"
    search_timeout: float = 2.0
    secret_key: str = ""
    jurisdiction: str = "cn-central"
    stripe_secret_key: str = ""
    stripe_api_base: str | None = None
    stripe_webhook_secret: str = ""
    # The key Stripe.js takes in the browser (the payment page); empty with the emulator's
    # secret key: localstripe's own (any pk_ works there); empty otherwise: invoices only.
    stripe_publishable_key: str = ""
    token_ttl_hours: int = 24
    price_rise_review_share: Decimal = Decimal("0.30")
    # Login throttling: one (account, address) pair and one address are refused for the
    # rest of the window after this many failures; an account's failures from everywhere
    # only slow down the addresses that failed (growing Retry-After), never lock it out.
    login_max_failures_per_pair: int = 5
    login_max_failures_per_address: int = 20
    login_max_failures_per_account: int = 5
    login_slowdown_max_seconds: int = 300
    login_failure_window_minutes: int = 15
    # A signed-in browser session (and its CSRF tokens) expires this long after it changed.
    session_lifetime_hours: int = 12
    # Served over HTTPS: Secure cookies and Strict-Transport-Security.
    https: bool = False
    feed_sources: str = ""
    # Seconds a process keeps a category's attribute scope for search (0: read every time).
    attribute_cache_seconds: float = 30.0
    # Bulk requests a full rebuild keeps in flight (0: the node's write thread pool, >= 2).
    indexer_bulk_in_flight: int = 0
    # What an SME-reserved purchase with too few SME suppliers falls back to:
    # "open_competition" or "approval" ("" keeps the jurisdiction profile's choice).
    sme_reservation_fallback: str = ""
    # Accountability dashboard: a purchaser past any of these raises an ``accountability``
    # flag ("name=value,..."; shares 0..1, split_catches a count). Shares are judged only
    # for purchasers with at least ``min_requisitions`` in the year.
    accountability_thresholds: str = ACCOUNTABILITY_DEFAULTS
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    proxy_hops: int = 0
    # The ocid prefix of every published contracting process (OCDS open data, mall.ocds):
    # "ocds-" and the six characters registered with the Open Contracting Partnership.
    ocds_prefix: str = "ocds-mall01"
    # Notifications are also e-mailed by the worker through this SMTP server
    # (smtp://[user:password@]host:port, smtps:// for TLS, ?starttls=1 to upgrade); empty:
    # no e-mail at all (notifications are still made and shown in the inbox).
    smtp_url: str = ""
    mail_from: str = "noreply@mall.localhost"
    # Where the site is reached from outside: the links in e-mails start with it.
    base_url: str = "http://127.0.0.1:5000"
    testing: bool = False
    feed_batch_rows: int = DEFAULT_FAST_BATCH_ROWS
    # Feed image URLs on private or loopback addresses are refused (SSRF) unless this is set.
    image_fetch_allow_private: bool = False

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ

        def get(name: str, default: Any = None) -> Any:
            value = env.get(f"MALL_{name}")
            return default if value in (None, "") else value

        try:
            config = cls(
                database_url=get("DATABASE_URL") or _default_database_url(),
                opensearch_url=get("OPENSEARCH_URL", cls.opensearch_url).rstrip("/"),
                search_alias=get("SEARCH_ALIAS", cls.search_alias),
                search_timeout=float(get("SEARCH_TIMEOUT", cls.search_timeout)),
                secret_key=get("SECRET_KEY") or _dev_secret_key(),
                jurisdiction=get("JURISDICTION", cls.jurisdiction),
                stripe_secret_key=get("STRIPE_SECRET_KEY", ""),
                stripe_api_base=get("STRIPE_API_BASE"),
                stripe_webhook_secret=get("STRIPE_WEBHOOK_SECRET", ""),
                stripe_publishable_key=get("STRIPE_PUBLISHABLE_KEY", "").strip(),
                token_ttl_hours=int(get("TOKEN_TTL_HOURS", cls.token_ttl_hours)),
                price_rise_review_share=Decimal(
                    get("PRICE_RISE_REVIEW_SHARE", str(cls.price_rise_review_share))
                ),
                feed_sources=get("FEED_SOURCES", ""),
                attribute_cache_seconds=float(get("ATTRIBUTE_CACHE_SECONDS",
                                                  cls.attribute_cache_seconds)),
                indexer_bulk_in_flight=int(get("INDEXER_BULK_IN_FLIGHT", 0)),
                proxy_hops=int(get("PROXY_HOPS", cls.proxy_hops)),
                session_lifetime_hours=int(
                    get("SESSION_LIFETIME_HOURS", cls.session_lifetime_hours)
                ),
                https=_flag(get("HTTPS", "false")),
                sme_reservation_fallback=get("SME_RESERVATION_FALLBACK", ""),
                ocds_prefix=get("OCDS_PREFIX", cls.ocds_prefix).strip(),
                feed_batch_rows=int(get("FEED_BATCH_ROWS", cls.feed_batch_rows)),
                smtp_url=get("SMTP_URL", "").strip(),
                mail_from=get("MAIL_FROM", cls.mail_from).strip(),
                base_url=get("BASE_URL", cls.base_url).strip().rstrip("/"),
                image_fetch_allow_private=_flag(get("IMAGE_FETCH_ALLOW_PRIVATE", "false")),
                accountability_thresholds=get("ACCOUNTABILITY_THRESHOLDS",
                                              ACCOUNTABILITY_DEFAULTS),
            )
            parse_thresholds(config.accountability_thresholds)
        except (ValueError, ArithmeticError) as exc:
            raise ConfigError(f"invalid MALL_* setting: {exc}") from exc
        if config.indexer_bulk_in_flight < 0:
            raise ConfigError("MALL_INDEXER_BULK_IN_FLIGHT must be 0 (automatic) or more")
        if config.feed_batch_rows < 1:
            raise ConfigError("MALL_FEED_BATCH_ROWS must be at least 1")
        if config.session_lifetime_hours < 1:
            raise ConfigError("MALL_SESSION_LIFETIME_HOURS must be at least 1")
        if config.jurisdiction not in JURISDICTIONS:
            raise ConfigError(
                f"MALL_JURISDICTION must be one of {', '.join(JURISDICTIONS)}, "
                f"not {config.jurisdiction!r}"
            )
        if config.sme_reservation_fallback not in ("", "open_competition", "approval"):
            raise ConfigError("MALL_SME_RESERVATION_FALLBACK must be open_competition or "
                              f"approval, not {config.sme_reservation_fallback!r}")
        if not re.fullmatch(r"[A-Za-z0-9-]{1,40}", config.ocds_prefix):
            raise ConfigError("MALL_OCDS_PREFIX must be letters, digits and hyphens (like "
                              f"ocds-mall01), not {config.ocds_prefix!r}")
        if config.smtp_url and urlsplit(config.smtp_url).scheme not in ("smtp", "smtps"):
            raise ConfigError("MALL_SMTP_URL must be smtp://host:port or smtps://host:port, "
                              f"not {config.smtp_url!r}")
        if urlsplit(config.base_url).scheme not in ("http", "https"):
            raise ConfigError(f"MALL_BASE_URL must be an http(s) URL, not {config.base_url!r}")
        return config

    @property
    def thresholds(self) -> dict[str, Decimal]:
        """The accountability thresholds, parsed (checked once at startup)."""
        return parse_thresholds(self.accountability_thresholds)

    @property
    def session_lifetime_seconds(self) -> int:
        return self.session_lifetime_hours * 3600

    def replace(self, **changes: Any) -> Config:
        from dataclasses import replace

        return replace(self, **changes)
