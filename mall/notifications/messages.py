"""Each notification kind's message: English msgids, filled in with the stored parameters
and translated when read (``render``), so each reader sees their own language."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mall.i18n import N_, gettext
from mall.timezones import local_time

# Parameters stored as ISO times, shown where and how the reader reads times.
TIMES = ("deadline",)

MESSAGES: dict[str, str] = {
    "requisition.needs_approval": N_(
        "Requisition #%(requisition_id)s by %(requester)s needs your approval "
        "(%(total)s %(currency)s)."),
    "requisition.approval_recorded": N_(
        "%(approver)s approved requisition #%(requisition_id)s "
        "(%(approvals)s of %(required)s approvals)."),
    "requisition.approved": N_(
        "Requisition #%(requisition_id)s was approved by %(approver)s; the orders are placed."),
    "requisition.rejected": N_(
        "Requisition #%(requisition_id)s was rejected by %(approver)s: %(reason)s"),
    "requisition.blocked": N_(
        "Requisition #%(requisition_id)s was blocked by the purchasing rules."),
    "order.placed": N_("New order #%(order_id)s from %(purchaser)s (%(total)s %(currency)s)."),
    "order.confirmed": N_("Order #%(order_id)s was confirmed by %(supplier)s."),
    "order.shipped": N_("Order #%(order_id)s was shipped by %(supplier)s."),
    "order.delivered": N_("Order #%(order_id)s was delivered by %(supplier)s."),
    "order.rejected": N_("Order #%(order_id)s was rejected by %(supplier)s: %(reason)s"),
    "order.accepted": N_("Order #%(order_id)s was accepted by %(purchaser)s."),
    "order.cancelled": N_("Order #%(order_id)s was cancelled by %(purchaser)s: %(reason)s"),
    "competition.invited": N_(
        "You are invited to quote in competition #%(competition_id)s until %(deadline)s."),
    "competition.won": N_("Your quote won competition #%(competition_id)s."),
    "competition.lost": N_("Competition #%(competition_id)s was awarded to another supplier."),
    "competition.closed": N_(
        "Quoting in competition #%(competition_id)s has ended; the award follows."),
    "price_review.approved": N_(
        "The center approved the price rise of %(sku)s to %(price)s %(currency)s. %(reason)s"),
    "price_review.refused": N_(
        "The center refused the price rise of %(sku)s to %(price)s %(currency)s: %(reason)s"),
    "competition.cancelled": N_(
        "Competition #%(competition_id)s was cancelled: %(reason)s"),
    "joint_purchase.update": N_("Joint purchase #%(joint_purchase_id)s: %(message)s"),
    "flag.raised": N_("A %(flag_kind)s flag was raised on competition #%(competition_id)s."),
}


def render(kind: str, params: dict[str, Any], zone: ZoneInfo | None = None) -> str:
    """The message in the current language, times in ``zone`` (default: the reader's); an
    unknown kind (an older row) shows its key."""
    msgid = MESSAGES.get(kind)
    if msgid is None:
        return kind
    values = {k: ("" if v is None else v) for k, v in params.items()}
    for name in TIMES:
        if isinstance(values.get(name), str) and values[name]:
            with suppress(ValueError):  # not a time after all: shown as stored
                values[name] = local_time(datetime.fromisoformat(values[name]), zone)
    try:
        return str(gettext(msgid, **values))
    except (KeyError, ValueError, TypeError):  # a parameter missing from an older row
        return str(gettext(msgid))
