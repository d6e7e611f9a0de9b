"""Who is told what: audit events become notifications, in the same transaction.

``on_audit_event`` is an audit listener (``mall.audit.services.add_listener``): each mapped
action names its recipients and a message kind with parameters. The actor is never told of
their own act. Reading: one's own notifications only, unread first, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from flask import current_app, has_app_context
from flask_login import current_user
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, Role, User, UserRole
from mall.audit.models import AuditEvent
from mall.catalog.models import Offer
from mall.db import db, utcnow
from mall.errors import NotFound
from mall.notifications.models import Notification
from mall.orders.models import Competition, PurchaseOrder, Requisition

Handler = Callable[[Session, AuditEvent], None]
HANDLERS: dict[str, Handler] = {}


def handles(*actions: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for action in actions:
            HANDLERS[action] = handler
        return handler

    return register


def on_audit_event(session: Session, event: AuditEvent) -> None:
    handler = HANDLERS.get(event.action)
    if handler is not None:
        handler(session, event)


# --- Recipients ----------------------------------------------------------------------------

def org_users(session: Session, organization_id: int | None, *roles: str) -> list[int]:
    """The active users of an organization, only those holding one of ``roles`` if given."""
    if organization_id is None:
        return []
    query = select(User.id).where(User.organization_id == organization_id,
                                  User.active.is_(True))
    if roles:
        query = query.where(User.id.in_(select(UserRole.user_id)
                                        .where(UserRole.role.in_(roles))))
    return list(session.scalars(query.order_by(User.id)))


def center_admins(session: Session) -> list[int]:
    return list(session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.center_admin, User.active.is_(True)).order_by(User.id)))


def notify(session: Session, event: AuditEvent, recipients: Iterable[int], kind: str,
           params: dict[str, Any], link: str | None = None) -> None:
    """One notification for each recipient but the event's actor; with SMTP configured, each
    is also due to be e-mailed by the worker once this transaction commits (never here)."""
    mail_due = utcnow() if mail_enabled() else None
    for user_id in sorted(set(recipients) - {event.actor_user_id}):
        session.add(Notification(recipient_id=user_id, kind=kind,
                                 target_type=event.target_type, target_id=event.target_id,
                                 link=link, params=params, created_at=event.occurred_at,
                                 mail_due_at=mail_due, mail_attempts=0))


def mail_enabled() -> bool:
    """True when the running app has an SMTP server to send notifications through."""
    return has_app_context() and bool(current_app.config["MALL"].smtp_url)


def _actor_name(session: Session, event: AuditEvent) -> str:
    actor = session.get(User, event.actor_user_id) if event.actor_user_id else None
    return actor.name if actor is not None else ""


def _org_name(session: Session, organization_id: int) -> str:
    org = session.get(Organization, organization_id)
    return org.name if org is not None else ""


def _after(event: AuditEvent) -> dict[str, Any]:
    return event.after or {}


# --- Requisitions --------------------------------------------------------------------------

def _requisition(session: Session, event: AuditEvent) -> Requisition | None:
    return session.get(Requisition, int(event.target_id))


@handles("requisition.create")
def _requisition_created(session: Session, event: AuditEvent) -> None:
    after = _after(event)
    waiting = after.get("route") == "approval" and after.get("status") == "pending"
    if not waiting and after.get("route") != "blocked":
        return  # placed at once or gone to competition: nobody to tell
    requisition = _requisition(session, event)
    if requisition is None:
        return
    params = {"requisition_id": requisition.id, "total": after.get("total"),
              "currency": after.get("currency"), "requester": _actor_name(session, event)}
    link = f"/requisitions/{requisition.id}"
    if waiting:
        approvers = org_users(session, requisition.purchaser_organization_id, Role.approver)
        notify(session, event, approvers, "requisition.needs_approval", params, link)
    elif after.get("route") == "blocked":
        # The actor is usually the requester (not told); a joint award's share is not.
        notify(session, event, [requisition.requester_id], "requisition.blocked", params, link)


@handles("requisition.approve")
def _requisition_approved(session: Session, event: AuditEvent) -> None:
    requisition = _requisition(session, event)
    if requisition is None:
        return
    after = _after(event)
    params = {"requisition_id": requisition.id, "approver": _actor_name(session, event),
              "approvals": after.get("approvals"), "required": after.get("required")}
    kind = ("requisition.approved" if after.get("status") == "ordered"
            else "requisition.approval_recorded")
    notify(session, event, [requisition.requester_id], kind, params,
           f"/requisitions/{requisition.id}")


@handles("requisition.reject")
def _requisition_rejected(session: Session, event: AuditEvent) -> None:
    requisition = _requisition(session, event)
    if requisition is None:
        return
    params = {"requisition_id": requisition.id, "approver": _actor_name(session, event),
              "reason": event.reason or ""}
    notify(session, event, [requisition.requester_id], "requisition.rejected", params,
           f"/requisitions/{requisition.id}")


# --- Orders --------------------------------------------------------------------------------

SUPPLIER_ACTS = {"order.confirm": "order.confirmed", "order.ship": "order.shipped",
                 "order.deliver": "order.delivered", "order.reject": "order.rejected"}
PURCHASER_ACTS = {"order.accept": "order.accepted", "order.cancel": "order.cancelled"}


@handles("order.place")
def _order_placed(session: Session, event: AuditEvent) -> None:
    order = session.get(PurchaseOrder, int(event.target_id))
    if order is None:
        return
    params = {"order_id": order.id, "total": str(order.total), "currency": order.currency,
              "purchaser": _org_name(session, order.purchaser_organization_id)}
    notify(session, event, org_users(session, order.supplier_id), "order.placed", params,
           "/supplier/orders")


@handles(*SUPPLIER_ACTS, *PURCHASER_ACTS)
def _order_moved(session: Session, event: AuditEvent) -> None:
    """The supplier's acts go to the requester (and the purchaser's buyers see the order on
    the requisition); the purchaser's acts go to the supplier's users."""
    order = session.get(PurchaseOrder, int(event.target_id))
    if order is None:
        return
    params = {"order_id": order.id, "reason": event.reason or "",
              "supplier": _org_name(session, order.supplier_id),
              "purchaser": _org_name(session, order.purchaser_organization_id)}
    if event.action in SUPPLIER_ACTS:
        requisition = session.get(Requisition, order.requisition_id)
        recipients = [requisition.requester_id] if requisition is not None else []
        notify(session, event, recipients, SUPPLIER_ACTS[event.action], params,
               f"/requisitions/{order.requisition_id}")
    else:
        notify(session, event, org_users(session, order.supplier_id),
               PURCHASER_ACTS[event.action], params, "/supplier/orders")


# --- Competitions --------------------------------------------------------------------------

def _supplier_link(competition_id: Any) -> str:
    return f"/supplier/competitions/{competition_id}"


@handles("competition.open")
def _competition_opened(session: Session, event: AuditEvent) -> None:
    after = _after(event)
    params = {"competition_id": int(event.target_id), "deadline": after.get("deadline")}
    for supplier_id in after.get("invited") or []:
        notify(session, event, org_users(session, supplier_id), "competition.invited", params,
               _supplier_link(event.target_id))


def _quoting_suppliers(session: Session, event: AuditEvent) -> list[int]:
    competition = session.get(Competition, int(event.target_id))
    return sorted({q.supplier_id for q in competition.quotes}) if competition else []


@handles("competition.close")
def _competition_closed(session: Session, event: AuditEvent) -> None:
    params = {"competition_id": int(event.target_id)}
    for supplier_id in _quoting_suppliers(session, event):
        notify(session, event, org_users(session, supplier_id), "competition.closed", params,
               _supplier_link(event.target_id))


@handles("competition.cancel")
def _competition_cancelled(session: Session, event: AuditEvent) -> None:
    competition = session.get(Competition, int(event.target_id))
    if competition is None:
        return
    params = {"competition_id": competition.id, "reason": event.reason or ""}
    for supplier_id in sorted({i.supplier_id for i in competition.invitations}):
        notify(session, event, org_users(session, supplier_id), "competition.cancelled",
               params, _supplier_link(competition.id))


@handles("competition.award")
def _competition_awarded(session: Session, event: AuditEvent) -> None:
    winner = _after(event).get("winner_supplier_id")
    params = {"competition_id": int(event.target_id)}
    for supplier_id in _quoting_suppliers(session, event):
        kind = "competition.won" if supplier_id == winner else "competition.lost"
        notify(session, event, org_users(session, supplier_id), kind, params,
               _supplier_link(event.target_id))


# --- Price reviews -------------------------------------------------------------------------

PRICE_DECISIONS = {"offer.price_approve": "price_review.approved",
                   "offer.price_refuse": "price_review.refused"}


@handles(*PRICE_DECISIONS)
def _price_decided(session: Session, event: AuditEvent) -> None:
    """The center decided on a held price rise: the supplier's users are told."""
    offer = session.get(Offer, int(event.target_id))
    if offer is None:
        return
    before = event.before or {}
    params = {"sku": offer.sku, "price": str(before.get("pending_price") or ""),
              "currency": offer.currency, "reason": event.reason or ""}
    notify(session, event, org_users(session, offer.supplier_id),
           PRICE_DECISIONS[event.action], params, "/offers")


# --- Joint purchases and flags -------------------------------------------------------------

@handles("joint_purchase.notify")
def _joint_purchase_news(session: Session, event: AuditEvent) -> None:
    """The campaign's events, one per organization already: to its buyers."""
    after = _after(event)
    params = {"joint_purchase_id": after.get("joint_purchase_id"),
              "message": after.get("message") or "", "status": after.get("status")}
    notify(session, event, org_users(session, int(event.target_id), Role.buyer),
           "joint_purchase.update", params, f"/joint-purchases/{after.get('joint_purchase_id')}")


@handles("flag.raise")
def _flag_raised(session: Session, event: AuditEvent) -> None:
    after = _after(event)
    params = {"flag_kind": after.get("kind"), "competition_id": after.get("competition_id")}
    notify(session, event, center_admins(session), "flag.raised", params, "/center/flags")


# --- Reading -------------------------------------------------------------------------------

def inbox_query(user: User, unread_only: bool = False) -> Select[Any]:
    """The user's own notifications: unread first, newest first."""
    query = select(Notification).where(Notification.recipient_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                          Notification.id.desc())


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None))) or 0


def unread_count_for_current_user() -> int:
    """For the header's badge: 0 when nobody is signed in."""
    if not current_user or not current_user.is_authenticated:
        return 0
    return unread_count(db.session(), cast(User, current_user))


def mark_read(session: Session, user: User, notification_id: int,
              now: datetime | None = None) -> Notification:
    """Mark one of the user's own notifications read (someone else's is not found)."""
    notification = session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.recipient_id == user.id))
    if notification is None:
        raise NotFound(f"Notification {notification_id} does not exist.",
                       code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        session.flush()
    return notification


def mark_all_read(session: Session, user: User, now: datetime | None = None) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
