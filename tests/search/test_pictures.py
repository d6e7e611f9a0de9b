"""Offer pictures in search: the hit names the picture, results and offer pages show it."""

from __future__ import annotations

import io

from flask import Flask
from opensearchpy import OpenSearch
from PIL import Image
from sqlalchemy.orm import Session

from mall.images.services import store_image
from tests.search.relevance_data import Catalog
from tests.support import index_offers


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (500, 400), (10, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def test_pictures_reach_the_hit_and_both_pages(app: Flask, catalog: Catalog,
                                                module_session: Session,
                                                opensearch: OpenSearch,
                                                search_index: str) -> None:
    pictured, plain = catalog.offers[0], catalog.offers[1]
    image = store_image(module_session, _jpeg())
    pictured.image_hash = image.hash
    module_session.flush()
    index_offers(opensearch, search_index, [pictured])
    client = app.test_client()

    hits = {h["offer_id"]: h for h in client.get(
        "/api/v1/search", query_string={"q": pictured.title, "per_page": 50}).json["items"]}
    assert hits[pictured.id]["image_hash"] == image.hash
    others = [h for h in hits.values() if h["offer_id"] != pictured.id]
    assert others and all(h["image_hash"] is None for h in others)

    html = client.get("/search", query_string={"q": pictured.title, "per_page": 50}).text
    assert f"/images/{image.hash}/96.webp" in html
    assert "placeholder.svg" in html  # the offers without a picture
    assert client.get(f"/images/{image.hash}/96.webp").status_code == 200

    page = client.get(f"/offers/{pictured.id}?lang=en").text
    assert f"/images/{image.hash}/320.webp" in page and 'alt="Picture of ' in page
    page = client.get(f"/offers/{plain.id}?lang=en").text
    assert "placeholder.svg" in page and 'alt="Picture of ' not in page
