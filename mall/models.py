"""Imports every model so metadata (Alembic, tests) sees all tables."""

from mall.accounts.models import ApiToken, LoginAttempt, Organization, User, UserRole
from mall.audit.models import AuditEvent
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    Category,
    CategoryAttribute,
    ItemCeiling,
    Lot,
    Offer,
    PriceChange,
    Product,
)
from mall.db import Base
from mall.outbox.models import OutboxEvent

__all__ = [
    "Agreement",
    "AgreementSupplier",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Category",
    "CategoryAttribute",
    "ItemCeiling",
    "LoginAttempt",
    "Lot",
    "Offer",
    "Organization",
    "OutboxEvent",
    "PriceChange",
    "Product",
    "User",
    "UserRole",
]
