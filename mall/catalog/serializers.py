"""The catalog's JSON shapes, one function each (views, pages and audit snapshots use them)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from mall.catalog.models import Agreement, Category, FeedImportError, Offer, PriceChange
from mall.money import money


def category_json(category: Category) -> dict[str, Any]:
    return {
        "id": category.id,
        "scheme": category.scheme,
        "code": category.code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "parent_code": category.parent.code if category.parent else None,
        "path": category.ancestor_codes,
        "attributes": [
            {"key": a.key, "name_zh": a.name_zh, "name_en": a.name_en, "type": a.type,
             "unit": a.unit, "values": a.allowed_values, "facet": a.facet,
             "required": a.required}
            for a in category.attributes
        ],
    }


def agreement_json(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "number": agreement.number,
        "title": agreement.title,
        "currency": agreement.currency,
        "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat(),
        "regions": list(agreement.regions or []),
        "second_stage": agreement.second_stage,
        "status": agreement.status,
        "lots": [
            {"code": lot.code, "title": lot.title, "category_code": lot.category.code,
             "ceiling_price": money(lot.ceiling_price, agreement.currency)}
            for lot in agreement.lots
        ],
        "supplier_ids": sorted(a.supplier_id for a in agreement.awards),
    }


def _offer_content(offer: Offer) -> dict[str, Any]:
    """What the supplier wrote about the item: shown alike to the supplier and purchasers."""
    return {
        "title": offer.title,
        "title_en": offer.title_en,
        "description": offer.description,
        "brand": offer.brand,
        "model": offer.model,
        "gtin": offer.gtin,
        "unit": offer.unit,
        "price": money(offer.price, offer.currency),
        "stock": offer.stock,
        "lead_time_days": offer.lead_time_days,
        "regions": list(offer.regions or []),
        "attributes": dict(offer.attributes or {}),
        "valid_until": offer.valid_until.isoformat(),
    }


def offer_json(offer: Offer) -> dict[str, Any]:
    """The supplier's view of its own offer (includes what purchasers do not see)."""
    return {
        "id": offer.id,
        "sku": offer.sku,
        "status": offer.status,
        "version": offer.version,
        "pending_price": money(offer.pending_price, offer.currency),
        "agreement_number": offer.agreement.number,
        "lot_code": offer.lot.code,
        "category_code": offer.category.code,
        "product_id": offer.product_id,
        **_offer_content(offer),
        "updated_at": offer.updated_at.isoformat() if offer.updated_at else None,
        "image_hash": offer.image_hash,
        "image_url": offer.image_url,
        "image_error": offer.image_error,
    }


def public_offer_json(offer: Offer,
                      history: list[tuple[Decimal, datetime]]) -> dict[str, Any]:
    """What purchasers see of a visible offer: never the pending price.

    ``history`` is ``prices.recent_prices(session, offer)``.
    """
    category = offer.category
    return {
        "id": offer.id,
        "offer_id": offer.id,
        "product_id": offer.product_id,
        "sku": offer.sku,
        **_offer_content(offer),
        "in_stock": offer.stock > 0,
        "image_hash": offer.image_hash,
        "supplier": {"id": offer.supplier.id, "name": offer.supplier.name,
                     "size": offer.supplier.size, "sme": offer.supplier.is_sme},
        "agreement": {"id": offer.agreement.id, "number": offer.agreement.number,
                      "title": offer.agreement.title,
                      "ends_on": offer.agreement.ends_on.isoformat(),
                      "second_stage": offer.agreement.second_stage},
        "category": {"code": category.code, "name": category.name_zh,
                     "name_zh": category.name_zh, "name_en": category.name_en},
        "price_history": [{"price": money(price, offer.currency), "at": at.isoformat()}
                          for price, at in history],
    }


def price_review_json(change: PriceChange, offer: Offer) -> dict[str, Any]:
    rise = ((change.new_price - change.old_price) / change.old_price
            if change.old_price else None)
    return {
        "id": change.id,
        "offer_id": offer.id,
        "sku": offer.sku,
        "supplier": {"id": offer.supplier.id, "name": offer.supplier.name},
        "title": offer.title,
        "old_price": money(change.old_price, offer.currency),
        "new_price": money(change.new_price, offer.currency),
        "rise": f"{rise:.4f}" if rise is not None else None,
        "source": change.source,
        "status": change.status,
        "changed_at": change.changed_at.isoformat(),
    }


def feed_error_json(error: FeedImportError) -> dict[str, Any]:
    return {"row": error.row, "sku": error.sku, "field": error.field, "code": error.code,
            "message": error.message}
