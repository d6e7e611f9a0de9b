"""Imports every model so metadata (Alembic, tests) sees all tables."""

from mall.accounts.models import ApiToken, LoginAttempt, Organization, User, UserRole
from mall.audit.models import AuditEvent
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    Category,
    CategoryAttribute,
    FeedChunk,
    FeedImport,
    FeedImportError,
    ItemCeiling,
    Lot,
    Offer,
    PriceChange,
    Product,
)
from mall.db import Base
from mall.evaluation.models import Expert, ExpertConflict, PanelDraw, PanelMember
from mall.idempotency import IdempotencyKey
from mall.images.models import ImageThumbnail, StoredImage
from mall.jobs.models import Job, PeriodicTask
from mall.joint.models import JointCommitment, JointPurchase
from mall.notifications.models import Notification
from mall.orders.models import (
    Approval,
    Cart,
    CartLine,
    Competition,
    CompetitionInvitation,
    ComplianceDecision,
    Flag,
    OrderLine,
    PurchaseOrder,
    Quote,
    Requisition,
    RequisitionLine,
)
from mall.outbox.models import OutboxEvent
from mall.payments.models import GatewayEvent, Payment, Refund
from mall.punchout.models import PunchoutIdentity, PunchoutSession
from mall.standards.models import Standard

__all__ = [
    "Agreement",
    "AgreementSupplier",
    "ApiToken",
    "Approval",
    "AuditEvent",
    "Base",
    "Cart",
    "CartLine",
    "Category",
    "CategoryAttribute",
    "Competition",
    "CompetitionInvitation",
    "ComplianceDecision",
    "Expert",
    "ExpertConflict",
    "FeedChunk",
    "FeedImport",
    "FeedImportError",
    "Flag",
    "GatewayEvent",
    "IdempotencyKey",
    "ImageThumbnail",
    "ItemCeiling",
    "Job",
    "JointCommitment",
    "JointPurchase",
    "LoginAttempt",
    "Lot",
    "Notification",
    "Offer",
    "OrderLine",
    "Organization",
    "OutboxEvent",
    "PanelDraw",
    "PanelMember",
    "Payment",
    "PeriodicTask",
    "PriceChange",
    "Product",
    "PunchoutIdentity",
    "PunchoutSession",
    "PurchaseOrder",
    "Quote",
    "Refund",
    "Requisition",
    "RequisitionLine",
    "Standard",
    "StoredImage",
    "User",
    "UserRole",
]
