"""Offer pictures: upload checks, thumbnails, dedupe by hash, serving with cache headers."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.images.models import ImageThumbnail, StoredImage
from tests.catalog.conftest import Catalog, offer_body
from tests.factories.accounts import auth_headers, supplier_admin


def _png(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _offer(client: FlaskClient, catalog: Catalog, sku: str = "IMG-1") -> None:
    assert client.put(f"/api/v1/supplier/offers/{sku}", json=offer_body(catalog),
                      headers=catalog.headers).status_code == 201


def _images(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StoredImage)) or 0


def test_upload_stores_once_and_serves_thumbnails(client: FlaskClient, db_session: Session,
                                                  catalog: Catalog) -> None:
    _offer(client, catalog, "IMG-1")
    _offer(client, catalog, "IMG-2")
    for sku in ("IMG-1", "IMG-2"):
        answer = client.put(f"/api/v1/supplier/offers/{sku}/image", data=_png(),
                            content_type="image/png", headers=catalog.headers)
        assert answer.status_code == 200, answer.json
    image_hash = answer.json["image_hash"]
    assert _images(db_session) == 1  # the same picture for two offers is stored once
    sizes = {t.size: Image.open(io.BytesIO(t.data)).size
             for t in db_session.scalars(select(ImageThumbnail))}
    assert sizes == {96: (96, 72), 320: (320, 240)}

    served = client.get(f"/images/{image_hash}/96.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert "immutable" in served.headers["Cache-Control"]
    again = client.get(f"/images/{image_hash}/96.webp",
                       headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/images/{'0' * 64}/96.webp").status_code == 404


def test_refused_uploads_store_nothing(client: FlaskClient, db_session: Session,
                                       catalog: Catalog) -> None:
    _offer(client, catalog)
    url = "/api/v1/supplier/offers/IMG-1/image"
    not_image = client.put(url, data=b"hello", content_type="image/png",
                           headers=catalog.headers)
    assert not_image.status_code == 422 and not_image.json["error"]["code"] == "image_invalid"
    bomb = client.put(url, data=_png(8000, 6000), content_type="image/png",
                      headers=catalog.headers)
    assert bomb.status_code == 422
    assert bomb.json["error"]["code"] == "image_too_many_pixels"
    too_large = client.put(url, data=b"\0" * (7 * 1024 * 1024), content_type="image/png",
                           headers=catalog.headers)
    assert too_large.status_code == 413
    other = supplier_admin(db_session)
    stranger = client.put(url, data=_png(), content_type="image/png",
                          headers=auth_headers(client.application, db_session, other))
    assert stranger.status_code == 404
    assert _images(db_session) == 0
