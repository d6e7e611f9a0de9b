"""A purchaser organization's delivery address book: add, edit, choose the default, archive.

(Kept beside ``services.py``, which holds authentication and organizations and is at its
size limit.) Functions take the caller's session and never commit; who may call them (the
organization's own buyers, by role) is the views' and pages' guard, and every lookup is
limited to the caller's organization, so another organization's address is "not found".

An address is never deleted: archiving hides it from the choice but keeps it, and orders
never reference it anyway: a requisition copies ``DeliveryAddress.snapshot`` when it is
submitted and its purchase orders copy that (``mall.orders``).

Locks: a write takes the organization's row first (so two buyers choosing a default at once
queue, and the one-default index never fails), then the audit chain (``mall.locks`` 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from mall.accounts.models import DeliveryAddress, Organization, User
from mall.audit import services as audit
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.i18n import N_
from mall.locks import for_update

# The fields a purchaser writes (the API's and the form's), in the order pages show them.
FIELDS = ("label", "recipient_name", "phone", "line1", "line2", "city", "postal_code",
          "region")
# The most live addresses one organization keeps (a page of the API's list).
MAX_ADDRESSES = 100


def addresses_query(organization_id: int, archived: bool = False) -> Select[Any]:
    """The organization's live (or archived) addresses: the default first, then by label."""
    query = select(DeliveryAddress).where(DeliveryAddress.organization_id == organization_id)
    query = query.where(DeliveryAddress.archived_at.is_not(None) if archived
                        else DeliveryAddress.archived_at.is_(None))
    return query.order_by(DeliveryAddress.is_default.desc(), DeliveryAddress.label,
                          DeliveryAddress.id)


def address_for(session: Session, user: User, address_id: int,
                lock: bool = False) -> DeliveryAddress:
    """One of the caller's organization's addresses, archived or not; else 404."""
    query = select(DeliveryAddress).where(DeliveryAddress.id == address_id,
                                          DeliveryAddress.organization_id == user.organization_id)
    if lock:
        query = for_update(query)
    address = session.scalar(query)
    if address is None:
        raise NotFound(N_("No such delivery address."), code="address_not_found",
                       details={"address_id": address_id})
    return address


def default_address(session: Session, organization_id: int) -> DeliveryAddress | None:
    return session.scalar(select(DeliveryAddress).where(
        DeliveryAddress.organization_id == organization_id, DeliveryAddress.is_default,
        DeliveryAddress.archived_at.is_(None)))


def chosen_address(session: Session, user: User, address_id: int) -> DeliveryAddress:
    """The address a requisition is delivered to: a live one of the caller's organization."""
    address = address_for(session, user, address_id)
    if address.archived_at is not None:
        raise RuleViolation(N_("That delivery address is archived; choose another one."),
                            code="address_archived", details={"address_id": address_id})
    return address


def _lock_book(session: Session, organization_id: int) -> Organization:
    return session.get_one(Organization, organization_id, with_for_update=True)


def _check_region(organization: Organization, region: str) -> None:
    """Deliveries stay in the organization's own country (CN-SH for a CN-BJ agency)."""
    if region.split("-")[0] != organization.region.split("-")[0]:
        message = N_("Deliver within your own country.")
        raise RuleViolation(message, code="address_region_outside",
                            details={"problems": [{"field": "region",
                                                   "code": "address_region_outside",
                                                   "message": message}]})


def _clear_default(session: Session, organization_id: int) -> None:
    session.execute(update(DeliveryAddress)
                    .where(DeliveryAddress.organization_id == organization_id,
                           DeliveryAddress.is_default)
                    .values(is_default=False))
    session.flush()


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The writable fields present in ``data``; optional ones given as "" are None."""
    return {name: (data[name] if data[name] != "" else None)
            for name in FIELDS if name in data}


def create_address(session: Session, user: User, data: Mapping[str, Any]) -> DeliveryAddress:
    """Add an address; the organization's first (or one marked ``is_default``) is the default."""
    organization = _lock_book(session, user.organization_id)
    fields = _clean(data)
    _check_region(organization, fields["region"])
    live = session.scalars(addresses_query(organization.id)).all()
    if len(live) >= MAX_ADDRESSES:
        raise RuleViolation(N_("The address book is full: archive an address first."),
                            code="address_book_full", details={"max": MAX_ADDRESSES})
    make_default = bool(data.get("is_default")) or not live
    if make_default:
        _clear_default(session, organization.id)
    address = DeliveryAddress(organization_id=organization.id, is_default=make_default,
                              **fields)
    session.add(address)
    session.flush()
    audit.record(session, action="address.create", target_type="delivery_address",
                 target_id=address.id, actor=user,
                 after={**address.snapshot(), "is_default": make_default})
    return address


def update_address(session: Session, user: User, address_id: int,
                   data: Mapping[str, Any]) -> DeliveryAddress:
    """Change an address (orders placed to it keep their copy) or make it the default."""
    organization = _lock_book(session, user.organization_id)
    address = address_for(session, user, address_id, lock=True)
    if address.archived_at is not None:
        raise Conflict(N_("That delivery address is archived; add a new one instead."),
                       code="address_archived", details={"address_id": address_id})
    fields = _clean(data)
    if "region" in fields:
        _check_region(organization, fields["region"])
    before = {**address.snapshot(), "is_default": address.is_default}
    if data.get("is_default") and not address.is_default:
        _clear_default(session, organization.id)
        session.refresh(address)
        address.is_default = True
    elif data.get("is_default") is False:
        address.is_default = False
    for name, value in fields.items():
        setattr(address, name, value)
    address.updated_at = utcnow()
    session.flush()
    after = {**address.snapshot(), "is_default": address.is_default}
    audit.record(session, action="address.update", target_type="delivery_address",
                 target_id=address.id, actor=user, before=before, after=after)
    return address


def archive_address(session: Session, user: User, address_id: int) -> DeliveryAddress:
    """Hide an address from the choice (never deleted; archiving twice changes nothing)."""
    _lock_book(session, user.organization_id)
    address = address_for(session, user, address_id, lock=True)
    if address.archived_at is not None:
        return address
    was_default = address.is_default
    address.archived_at = utcnow()
    address.is_default = False
    session.flush()
    audit.record(session, action="address.archive", target_type="delivery_address",
                 target_id=address.id, actor=user, before={"is_default": was_default},
                 after={"archived_at": address.archived_at.isoformat()})
    return address
