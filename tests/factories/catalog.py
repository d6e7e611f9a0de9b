"""Categories, agreements and offers for tests."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    Category,
    CategoryAttribute,
    Lot,
    Offer,
    Product,
)
from tests.factories.accounts import make_org

_seq = itertools.count(1)

LAPTOP_TEMPLATE = [
    {"key": "cpu", "name_zh": "处理器", "name_en": "CPU", "type": "enum",
     "allowed_values": ["i5", "i7", "Ryzen 5", "Ryzen 7"], "facet": True, "required": True},
    {"key": "memory_gb", "name_zh": "内存", "name_en": "Memory", "type": "number",
     "unit": "GB", "facet": True, "required": True},
    {"key": "touchscreen", "name_zh": "触摸屏", "name_en": "Touchscreen", "type": "bool",
     "facet": False, "required": False},
    {"key": "color", "name_zh": "颜色", "name_en": "Colour", "type": "text",
     "facet": False, "required": False},
]


def make_category(
    session: Session,
    code: str | None = None,
    parent: Category | None = None,
    attributes: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Category:
    code = code or f"T{next(_seq):05d}"
    existing = session.scalar(select(Category).where(Category.code == code))
    if existing is not None:
        return existing
    path = f"{parent.path}{code}/" if parent else f"/{code}/"
    category = Category(
        scheme=fields.pop("scheme", "cn-gpc"), code=code, parent=parent, path=path,
        name_zh=fields.pop("name_zh", f"类目{code}"), name_en=fields.pop("name_en", f"Cat {code}"),
        attributes=[CategoryAttribute(position=i, **a) for i, a in enumerate(attributes or [])],
        **fields,
    )
    session.add(category)
    session.flush()
    return category


def make_agreement(
    session: Session,
    category: Category | None = None,
    suppliers: list[Organization] | None = None,
    ceiling: str | None = "10000.00",
    today: date | None = None,
    **fields: Any,
) -> Agreement:
    today = today or date.today()
    n = next(_seq)
    category = category or make_category(session, attributes=LAPTOP_TEMPLATE)
    agreement = Agreement(
        number=fields.pop("number", f"GC-TEST-{n:04d}"),
        title=fields.pop("title", f"Test agreement {n}"),
        currency=fields.pop("currency", "CNY"),
        starts_on=fields.pop("starts_on", today - timedelta(days=30)),
        ends_on=fields.pop("ends_on", today + timedelta(days=365)),
        regions=fields.pop("regions", ["*"]),
        second_stage=fields.pop("second_stage", "direct"),
        status=fields.pop("status", "active"),
        lots=[Lot(code="L1", category=category,
                  ceiling_price=Decimal(ceiling) if ceiling else None)],
        **fields,
    )
    session.add(agreement)
    session.flush()
    for supplier in suppliers or []:
        session.add(AgreementSupplier(agreement_id=agreement.id, supplier_id=supplier.id))
    session.flush()
    return agreement


def make_offer(
    session: Session,
    agreement: Agreement | None = None,
    supplier: Organization | None = None,
    **fields: Any,
) -> Offer:
    n = next(_seq)
    supplier = supplier or make_org(session, kind="supplier")
    if agreement is None:
        agreement = make_agreement(session, suppliers=[supplier])
    elif not session.get(AgreementSupplier, (agreement.id, supplier.id)):
        session.add(AgreementSupplier(agreement_id=agreement.id, supplier_id=supplier.id))
    lot = agreement.lots[0]
    brand = fields.pop("brand", "Lenovo")
    model = fields.pop("model", f"ThinkPad T{n}")
    key = f"{brand}|{model}".lower().replace(" ", "").replace("-", "")
    product = session.scalar(
        select(Product).where(Product.category_id == lot.category_id, Product.model_key == key)
    )
    if product is None:
        product = Product(category_id=lot.category_id, brand=brand, model=model, model_key=key,
                          gtin=fields.get("gtin"))
        session.add(product)
        session.flush()
    defaults: dict[str, Any] = {
        "sku": f"SKU-{n:06d}",
        "title": f"{brand} {model} 笔记本电脑",
        "title_en": f"{brand} {model} laptop",
        "unit": "台",
        "price": Decimal("4999.00"),
        "currency": agreement.currency,
        "stock": 10,
        "lead_time_days": 3,
        "regions": ["*"],
        "attributes": {"cpu": "i5", "memory_gb": 16},
        "valid_until": agreement.ends_on,
        "status": "active",
    }
    defaults.update(fields)
    if isinstance(defaults["price"], str):
        defaults["price"] = Decimal(defaults["price"])
    offer = Offer(supplier=supplier, agreement=agreement, lot=lot, category_id=lot.category_id,
                  product=product, brand=brand, model=model, **defaults)
    session.add(offer)
    session.flush()
    return offer
