"""Organizations, users, roles, API tokens, login throttling and delivery addresses."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mall.db import Base, sql_values, utcnow


class OrganizationKind(enum.StrEnum):
    purchaser = "purchaser"
    supplier = "supplier"
    # Named after its stored value; as a StrEnum member it shadows str.center, which mypy
    # flags (python/mypy#14494). Nothing calls .center() on a kind.
    center = "center"  # type: ignore[assignment]


class SizeClass(enum.StrEnum):
    micro = "micro"
    small = "small"
    medium = "medium"
    large = "large"


class OrganizationStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"
    debarred = "debarred"


class Role(enum.StrEnum):
    buyer = "buyer"
    approver = "approver"
    auditor = "auditor"
    finance = "finance"
    supplier_admin = "supplier_admin"
    center_admin = "center_admin"
    expert = "expert"  # an evaluator in the shared expert pool (mall.evaluation)


# Which roles a user of each organization kind may hold.
ROLES_BY_KIND: dict[OrganizationKind, frozenset[Role]] = {
    OrganizationKind.purchaser: frozenset(
        {Role.buyer, Role.approver, Role.auditor, Role.finance}
    ),
    OrganizationKind.supplier: frozenset({Role.supplier_admin}),
    OrganizationKind.center: frozenset({Role.center_admin, Role.auditor, Role.expert}),
}



class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(OrganizationKind)})", name="kind"),
        CheckConstraint(f"status IN ({sql_values(OrganizationStatus)})", name="status"),
        CheckConstraint(f"size IS NULL OR size IN ({sql_values(SizeClass)})", name="size"),
        CheckConstraint("kind <> 'supplier' OR size IS NOT NULL", name="supplier_has_size"),
        CheckConstraint(
            "approval_one_approver_above IS NULL OR approval_one_approver_above >= 0",
            name="one_approver_non_negative",
        ),
        CheckConstraint(
            "approval_collective_above IS NULL OR approval_collective_above >= 0",
            name="collective_non_negative",
        ),
        CheckConstraint(
            "approval_collective_approvers IS NULL OR approval_collective_approvers >= 2",
            name="collective_approvers_at_least_two",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(16))
    size: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=OrganizationStatus.active)
    credit_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # Approval limits: a direct requisition above the first needs one approver; above the
    # second, a collective decision of N distinct approvers.
    approval_one_approver_above: Mapped[Decimal | None]
    approval_collective_above: Mapped[Decimal | None]
    approval_collective_approvers: Mapped[int | None] = mapped_column(Integer)
    # Per-organization override of the deployment's jurisdiction profile.
    jurisdiction: Mapped[str | None] = mapped_column(String(32))
    # A purchaser's own minimum quoting period for its competitions, in hours; it may only
    # shorten the profile's (an urgent-needs agency), never lengthen what suppliers are owed.
    min_quoting_hours: Mapped[int | None] = mapped_column(Integer)
    # Why and since when the organization is suspended or debarred, and until when.
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_until: Mapped[date | None] = mapped_column(Date)
    # A purchaser's delivery addresses, one string each, offered when it orders.
    delivery_addresses: Mapped[list[Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    users: Mapped[list[User]] = relationship(back_populates="organization")

    @property
    def is_sme(self) -> bool:
        return self.kind == OrganizationKind.supplier and self.size != SizeClass.large

    @property
    def is_active(self) -> bool:
        return self.status == OrganizationStatus.active


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout, password change and suspension of the organization: a session
    # cookie carrying an older value is refused (accounts.permissions.login_manager_loader).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An IANA zone chosen for this person (e.g. someone in Urumqi or travelling); None means
    # the zone of the organization's region (mall.timezones).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    organization: Mapped[Organization] = relationship(back_populates="users", lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.organization.status == OrganizationStatus.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN ({sql_values(Role)})", name="role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ApiToken(Base):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """Failed and successful logins, the basis of per-account and per-address throttling."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeliveryAddress(Base):
    """One entry of a purchaser organization's delivery address book.

    Orders never point here: the requisition and its purchase orders keep a copy
    (``snapshot``), so a later edit or archiving changes no order. An address is archived,
    never deleted, so the book still shows what was once chosen.
    """

    __tablename__ = "delivery_addresses"
    __table_args__ = (
        Index("ix_delivery_addresses_org", "organization_id", "archived_at"),
        # At most one default per organization among the live addresses.
        Index("uq_delivery_addresses_one_default", "organization_id", unique=True,
              postgresql_where=text("is_default AND archived_at IS NULL"),
              sqlite_where=text("is_default AND archived_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(100))
    recipient_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    # ISO 3166-2 subdivision code (CN-BJ); the orders' delivery region.
    region: Mapped[str] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def snapshot(self) -> dict[str, Any]:
        """The copy an order keeps (also the API's ``delivery_address`` on orders)."""
        return {"id": self.id, "label": self.label, "recipient_name": self.recipient_name,
                "phone": self.phone, "line1": self.line1, "line2": self.line2,
                "city": self.city, "postal_code": self.postal_code, "region": self.region}
