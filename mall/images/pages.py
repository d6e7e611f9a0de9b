"""``/images/<hash>/<size>.webp``: thumbnails, cached for good (a hash never changes)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request, url_for

from mall.accounts.permissions import public
from mall.db import db
from mall.images.services import THUMBNAIL_SIZES, thumbnail_bytes

pages = Blueprint("images", __name__)

_HASH = re.compile(r"[0-9a-f]{64}")
# The URL names the content, so a thumbnail can be cached for a year and never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"


@pages.get("/images/<image_hash>/<int:size>.webp")
@public  # offer pictures are as public as the catalogue
def thumbnail(image_hash: str, size: int) -> Response:
    if not _HASH.fullmatch(image_hash) or size not in THUMBNAIL_SIZES:
        abort(404)
    etag = f"{image_hash}-{size}"
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        data = thumbnail_bytes(db.session(), image_hash, size)
        if data is None:
            abort(404)
        response = Response(data, mimetype="image/webp")
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@pages.app_template_global("image_url")
def image_url(image_hash: str | None, size: int = 96) -> str:
    """The thumbnail's address, or the placeholder's when there is no image."""
    if not image_hash:
        return url_for("static", filename="placeholder.svg")
    return url_for("images.thumbnail", image_hash=image_hash, size=size)
