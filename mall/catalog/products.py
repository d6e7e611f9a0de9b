"""Grouping offers into products, and comparing one product's offers across suppliers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from mall.catalog.models import Offer, Product
from mall.catalog.visibility import visible_clause

_SEPARATORS = re.compile(r"[\s\-_./·（）()]+")


def model_key(brand: str, model: str) -> str:
    """Normalized "brand|model": "ThinkPad E14", "thinkpad-e14" and "THINKPAD E14" agree."""

    def norm(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).casefold()
        return _SEPARATORS.sub("", text)

    return f"{norm(brand)}|{norm(model)}"


ProductKey = tuple[int, str, str, str | None]  # (category_id, brand, model, gtin)


def find_or_create_products(session: Session, items: list[ProductKey]) -> dict[ProductKey, int]:
    """The product of each offer key, found or created with a few queries.

    An offer belongs to the product with its GTIN when it has one, else to the product with
    its brand + model (``model_key``) in its category.
    """
    wanted = list(dict.fromkeys(items))
    if not wanted:
        return {}
    gtins = {g for _, _, _, g in wanted if g}
    keys = {(c, model_key(b, m)) for c, b, m, _ in wanted}
    by_gtin = {p.gtin: p for p in session.scalars(
        select(Product).where(Product.gtin.in_(gtins)))} if gtins else {}
    by_key = {(p.category_id, p.model_key): p for p in session.scalars(
        select(Product).where(Product.category_id.in_({c for c, _ in keys}),
                              Product.model_key.in_({k for _, k in keys})))}
    found: dict[ProductKey, Product] = {}
    for item in wanted:
        category_id, brand, model, gtin = item
        key = (category_id, model_key(brand, model))
        product = by_gtin.get(gtin) if gtin else None
        if product is None:
            product = by_key.get(key)
            if product is not None and gtin and product.gtin is None and gtin not in by_gtin:
                product.gtin = gtin
                by_gtin[gtin] = product
        if product is None:
            product = Product(category_id=category_id, brand=brand, model=model,
                              model_key=key[1], gtin=gtin or None)
            session.add(product)
            by_key[key] = product
            if gtin:
                by_gtin[gtin] = product
        found[item] = product
    session.flush()
    return {item: product.id for item, product in found.items()}


def product_offers(
    session: Session, product_id: int, today: date, regions: list[str] | None = None
) -> list[Offer]:
    """Every visible offer of one product, cheapest first (ties: shortest lead time).

    ``regions`` limits them to offers delivering to one of those regions (or nationwide).
    """
    query = (
        select(Offer)
        .options(joinedload(Offer.supplier), joinedload(Offer.agreement))
        .where(Offer.product_id == product_id, visible_clause(today))
        .order_by(Offer.price, Offer.lead_time_days, Offer.id)
    )
    offers = list(session.scalars(query).unique())
    if regions is not None:
        wanted = {*regions, "*"}
        offers = [o for o in offers if wanted.intersection(o.regions or [])]
    return offers
