"""The to-do sections as the page and ``GET /api/v1/me/tasks`` show them: each item with
the words for it in the reader's language and the page where it is acted on."""

from __future__ import annotations

from typing import Any

from flask import url_for

from mall.accounts.models import OrganizationKind, User
from mall.home.services import Section, Task
from mall.i18n import N_
from mall.i18n import gettext as _
from mall.i18n import money as money_text
from mall.labels import label
from mall.money import money

# Per section: its heading, what it says when empty, and the full list it comes from.
SECTION_TEXT: dict[str, tuple[str, str]] = {
    "approvals": (N_("Requisitions awaiting your decision"),
                  N_("No requisition awaits your decision.")),
    "my_requisitions": (N_("Your open requisitions"), N_("You have no open requisitions.")),
    "deliveries": (N_("Deliveries to accept"), N_("No delivery waits for your acceptance.")),
    "supplier_orders": (N_("Orders to confirm or ship"),
                        N_("No order waits to be confirmed or shipped.")),
    "invitations": (N_("Competitions to quote"),
                    N_("No competition invitation waits for your quote.")),
    "feeds": (N_("Feed imports with refused rows"), N_("No recent feed import refused rows.")),
    "refused_prices": (N_("Price changes refused by the center"),
                       N_("No price change was refused.")),
    "price_reviews": (N_("Price rises to review"), N_("No price rise awaits review.")),
    "flags": (N_("Open flags"), N_("No flag is open.")),
    "evaluations": (N_("Evaluations to score"), N_("No evaluation waits for your scores.")),
    "audit": (N_("Audit (read only)"), N_("Nothing to read yet.")),
}

SECTION_LIST: dict[str, str] = {
    "approvals": "orders_pages.requisitions",
    "my_requisitions": "orders_pages.requisitions",
    "deliveries": "orders_pages.purchaser_orders",
    "supplier_orders": "orders_pages.supplier_orders",
    "invitations": "orders_pages.supplier_competition_list",
    "feeds": "catalog_pages.feeds",
    "refused_prices": "catalog_pages.offers",
    "price_reviews": "center_pages.price_reviews",
    "flags": "center_pages.flag_list",
    "evaluations": "evaluation_pages.assignments",
}


def _section_title(key: str) -> str:
    return str(_(SECTION_TEXT[key][0]))


def _section_empty(key: str) -> str:
    return str(_(SECTION_TEXT[key][1]))


# Per kind of item: the page it is acted on and that page's arguments for the item.
ITEM_PAGES: dict[str, tuple[str, Any]] = {
    "requisition": ("orders_pages.requisition", lambda t: {"requisition_id": t.id}),
    "purchaser_order": ("orders_pages.purchaser_order", lambda t: {"order_id": t.id}),
    "supplier_order": ("orders_pages.supplier_order", lambda t: {"order_id": t.id}),
    "supplier_competition": ("orders_pages.supplier_competition",
                             lambda t: {"competition_id": t.id}),
    "feed": ("catalog_pages.feed", lambda t: {"feed_id": t.id}),
    "offer": ("catalog_pages.offers", lambda t: {"sku": t.ref}),
    "price_review": ("center_pages.price_review", lambda t: {"change_id": t.id}),
    "flag": ("center_pages.flag_list", lambda t: {"_anchor": f"flag-{t.id}"}),
    "evaluation": ("evaluation_pages.score_form", lambda t: {"member_id": t.id}),
}


def page_url(task: Task) -> str:
    """The page where ``task`` is acted on (or, for the auditor, read)."""
    if task.kind in ITEM_PAGES:
        endpoint, arguments = ITEM_PAGES[task.kind]
        return url_for(endpoint, **arguments(task))
    return url_for(ENTRY_PAGES[task.kind])


ENTRY_PAGES = {
    "center_audit": "center_pages.audit_trail",
    "center_flags": "center_pages.flag_list",
    "center_reports": "center_pages.report_list",
    "center_accountability": "center_pages.accountability_dashboard",
    "org_requisitions": "orders_pages.requisitions",
    "org_orders": "orders_pages.purchaser_orders",
    "org_competitions": "orders_pages.competition_list",
}


def task_title(task: Task) -> str:
    """What the item is, in the reader's words."""
    kind, amount = task.kind, money_text(task.amount, task.currency)
    if kind == "requisition":
        return str(_("Requisition #%(id)s: %(route)s, %(total)s", id=task.id,
                     route=label(task.status, "route"), total=amount))
    if kind == "purchaser_order":
        return str(_("Order #%(id)s delivered: accept the delivery (%(total)s)", id=task.id,
                     total=amount))
    if kind == "supplier_order":
        return str(_("Order #%(id)s: %(action)s (%(total)s)", id=task.id,
                     action=label(task.ref, "order_action"), total=amount))
    if kind == "supplier_competition":
        return str(_("Competition #%(id)s: quote before the deadline", id=task.id))
    if kind == "feed":
        if task.status == "failed":
            return str(_("Feed import #%(id)s failed", id=task.id))
        return str(_("Feed import #%(id)s: %(count)s rows refused", id=task.id,
                     count=task.count))
    if kind == "offer":
        return str(_("%(sku)s: the price %(price)s was refused", sku=task.ref, price=amount))
    if kind == "price_review":
        return str(_("%(sku)s: price rise to %(price)s", sku=task.ref, price=amount))
    if kind == "flag":
        return str(_("Flag #%(id)s: %(kind)s", id=task.id, kind=label(task.status,
                                                                     "flag_kind")))
    if kind == "evaluation":
        return str(_("Evaluation for competition #%(id)s", id=task.ref))
    return _entry_title(task)


def _entry_title(task: Task) -> str:
    titles = {
        "center_audit": _("Audit trail"),
        "center_flags": _("Flags: %(count)s open", count=task.count),
        "center_reports": _("Reports"),
        "center_accountability": _("Accountability"),
        "org_requisitions": _("Your organization's requisitions: %(count)s",
                              count=task.count),
        "org_orders": _("Your organization's orders: %(count)s", count=task.count),
        "org_competitions": _("Your organization's competitions"),
    }
    return str(titles[task.kind])


def task_view(task: Task) -> dict[str, Any]:
    """The item with its words and link; ``at`` stays a datetime (the page formats it)."""
    return {
        "kind": task.kind, "id": task.id or None, "title": task_title(task),
        "url": page_url(task), "status": task.status, "at": task.at,
        "amount": money(task.amount, task.currency or "CNY")
        if task.amount is not None else None,
        "ref": task.ref, "count": task.count,
    }


def section_list_url(section: Section, user: User) -> str | None:
    if section.key == "audit":
        return url_for("center_pages.audit_trail") \
            if user.organization.kind == OrganizationKind.center else None
    return url_for(SECTION_LIST[section.key])


def tasks_view(sections: list[Section], user: User) -> dict[str, Any]:
    """Every section with its heading, empty text, count, full list and items; ``total``
    counts the items waiting (the auditor's entry is reading, not waiting)."""
    return {"total": sum(s.count for s in sections if s.key != "audit"),
            "sections": [{"key": s.key, "role": s.role, "title": _section_title(s.key),
                          "empty": _section_empty(s.key), "count": s.count,
                          "list_url": section_list_url(s, user),
                          "items": [task_view(t) for t in s.items]} for s in sections]}


def tasks_json(sections: list[Section], user: User) -> dict[str, Any]:
    """``tasks_view`` for the API: times as ISO 8601 strings."""
    body = tasks_view(sections, user)
    for section in body["sections"]:
        for item in section["items"]:
            item["at"] = item["at"].isoformat() if item["at"] else None
    return body
