"""Order rotation (顺序轮候) from the offer page: request a product, the rotation assigns it."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for

from mall import idempotency
from mall.accounts.models import User
from mall.accounts.permissions import PURCHASER, PURCHASING_ROLES, page_guard
from mall.db import db
from mall.errors import ApiError
from mall.forms import refusal
from mall.i18n import gettext as _
from mall.orders.pages.blueprint import pages
from mall.orders.pages.buying import _quantity
from mall.orders.services import rotation
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import create_requisition


@pages.post("/products/<int:product_id>/rotation")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def rotation_request(product_id: int, user: User) -> Any:
    """A requisition for the product; the supplier whose turn it is gets the order."""
    back = request.referrer or url_for("orders_pages.requisitions")
    quantity = _quantity(request.form.get("quantity"))
    if not quantity:
        flash(_("Enter a quantity of at least 1."), "error")
        return redirect(back)
    agreement_number = (request.form.get("agreement_number") or "").strip()[:64] or None
    justification = (request.form.get("justification") or "").strip()[:2000] or None
    key = (request.form.get("submit_key") or "")[:64] or None
    session = db.session()

    def create() -> tuple[int, dict[str, Any]]:
        requisition = create_requisition(
            session, Settings.from_app_config(current_app.config), user,
            [rotation.ProductLine(product_id, quantity, agreement_number)], justification)
        return 201, {"id": requisition.id}

    # The same form key once: a double submit or a refresh creates one requisition.
    asked = {"key": key, "quantity": quantity, "agreement_number": agreement_number}
    try:
        _status, body = idempotency.idempotent(
            session, user.id, key and f"page:{key}",
            idempotency.request_hash(f"/products/{product_id}/rotation", asked), create)
    except ApiError as exc:
        session.rollback()
        flash(refusal(exc), "error")
        return redirect(back)
    session.commit()
    return redirect(url_for("orders_pages.requisition", requisition_id=body["id"]))
