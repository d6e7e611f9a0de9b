"""Search documents built from offers: one document per visible offer."""

from __future__ import annotations

from datetime import date
from typing import Any

from mall.catalog.models import Category, Offer
from mall.catalog.visibility import is_visible
from mall.search import pinyin


def _attribute_entries(offer: Offer) -> tuple[list[dict[str, Any]], list[str]]:
    """Typed key/value pairs (so one mapping serves every category) and their searchable words.

    The category template decides the type where it knows the key: a number sent as "16"
    still indexes as the number 16, so it filters and facets by value.
    """
    template = {a.key: a for a in (offer.category.attributes if offer.category else [])}
    entries: list[dict[str, Any]] = []
    words: list[str] = []
    for key, value in sorted((offer.attributes or {}).items()):
        if value is None or value == "":
            continue
        spec = template.get(key)
        kind = spec.type if spec else None
        entry: dict[str, Any] = {"key": key}
        if isinstance(value, bool) or kind == "bool":
            flag = value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")
            entry["bool"] = flag
            entry["keyword"] = "true" if flag else "false"
            if flag and spec:  # "触摸屏" is worth finding; "not a touchscreen" is not
                words.extend([spec.name_zh, spec.name_en])
        elif isinstance(value, int | float) or kind == "number":
            try:
                number = float(value)
            except (TypeError, ValueError):
                entry["keyword"] = str(value)
                words.append(str(value))
            else:
                entry["number"] = number
                entry["keyword"] = number_keyword(number)
                words.append(entry["keyword"])
                if spec and spec.unit:
                    words.append(f"{entry['keyword']}{spec.unit}")
        else:
            entry["keyword"] = str(value)
            words.append(str(value))
        entries.append(entry)
    return entries, words


def number_keyword(value: float) -> str:
    """A number as indexed and shown: 16.0 -> "16", 15.6 -> "15.6"."""
    return str(int(value)) if float(value).is_integer() else str(value)


def category_labels(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "path": category.ancestor_codes,
    }


def pinyin_fields(title: str | None, brand: str | None, category_zh: str | None
                  ) -> dict[str, Any]:
    """The pinyin of the Chinese names: syllables with spaces (title, brand, category) and,
    for every run of Han characters in title and brand, the syllables joined and the
    initials ("联想" -> "lian xiang", "lianxiang", "lx")."""
    return {
        "title": pinyin.spaced(title),
        "brand": pinyin.spaced(brand),
        "category": pinyin.spaced(category_zh),
        "joined": pinyin.joined(brand, title),
        "initials": pinyin.initials(brand, title),
    }


def build_document(offer: Offer) -> dict[str, Any]:
    attrs, attr_words = _attribute_entries(offer)
    supplier = offer.supplier
    return {
        "offer_id": offer.id,
        "product_id": offer.product_id,
        "sku": offer.sku,
        "title": offer.title,
        "title_en": offer.title_en,
        "description": offer.description,
        "brand": offer.brand,
        "model": offer.model,
        "brand_model": f"{offer.brand}{offer.model}",
        "gtin": offer.gtin,
        "unit": offer.unit,
        "supplier": {
            "id": supplier.id,
            "name": supplier.name,
            "size": supplier.size,
            "sme": supplier.is_sme,
        },
        "agreement": {
            "id": offer.agreement.id,
            "number": offer.agreement.number,
            "ends_on": offer.agreement.ends_on.isoformat(),
        },
        "lot_code": offer.lot.code if offer.lot else None,
        "category": category_labels(offer.category),
        "regions": list(offer.regions or []),
        "price": float(offer.price),
        "currency": offer.currency,
        "stock": offer.stock,
        "in_stock": offer.stock > 0,
        "lead_time_days": offer.lead_time_days,
        "valid_until": offer.valid_until.isoformat(),
        "updated_at": offer.updated_at.isoformat(),
        "created_at": offer.created_at.isoformat(),
        "version": offer.version,
        "image_hash": offer.image_hash,
        "attrs": attrs,
        "attrs_text": " ".join(attr_words),
        "pinyin": pinyin_fields(offer.title, offer.brand, offer.category.name_zh),
        "suggest": [s for s in (offer.title, offer.title_en, offer.brand,
                                f"{offer.brand} {offer.model}", offer.category.name_zh,
                                offer.category.name_en) if s],
    }


def document_or_none(offer: Offer, today: date) -> dict[str, Any] | None:
    """The offer's document, or None when purchasers must not see it (delete it)."""
    return build_document(offer) if is_visible(offer, today) else None
