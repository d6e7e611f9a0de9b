"""Feed image URLs: fetched by the worker from a real local HTTP server, never in the request.

The server is on loopback, which the fetch refuses unless told private addresses are allowed
(MALL_IMAGE_FETCH_ALLOW_PRIVATE); the refusal itself is checked too.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from mall.catalog.models import Offer
from mall.catalog.services.images import run_image_fetch
from mall.db import db
from mall.images.models import StoredImage
from mall.images.services import FetchRefused, fetch_image
from mall.jobs.models import Job
from mall.jobs.worker import Worker
from tests.catalog.conftest import make_catalog
from tests.catalog.test_feeds import COLUMNS, _csv, _row


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


class ImageServer:
    """A real HTTP server: /a.png an image, /moved a redirect, /busy 503, /big 64 KiB,
    else 404."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.png = _png()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hosts.append(self.headers.get("Host", ""))
                if self.path == "/a.png":
                    self._answer(200, owner.png, "image/png")
                elif self.path == "/moved":
                    self.send_response(302)
                    self.send_header("Location", "/a.png")
                    self.end_headers()
                elif self.path == "/busy":
                    self._answer(503, b"try later", "text/plain")
                elif self.path == "/big":
                    self._answer(200, b"x" * 65536, "application/octet-stream")
                else:
                    self._answer(404, b"no", "text/plain")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def images() -> Iterator[ImageServer]:
    server = ImageServer()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def test_fetch_refuses_private_addresses_unless_allowed(images: ImageServer) -> None:
    with pytest.raises(FetchRefused, match="private or local"):
        fetch_image(images.url("/a.png"))
    with pytest.raises(FetchRefused, match="private or local"):
        fetch_image(images.url("/a.png", host="localhost"))
    assert images.hosts == []  # refused before any connection was made
    assert fetch_image(images.url("/a.png"), allow_private=True) == images.png


def test_fetch_sends_the_named_host_to_the_checked_address(images: ImageServer) -> None:
    # The connection goes to the address that was checked, with the URL's host as Host:
    # no second lookup that could answer differently.
    assert fetch_image(images.url("/a.png", host="localhost"), allow_private=True) == images.png
    assert images.hosts == [f"localhost:{images.port}"]


@pytest.mark.parametrize(("path", "reason"), [
    ("/moved", "redirects"), ("/missing", "HTTP 404"), ("/big", "larger than"),
])
def test_fetch_refusals_say_why(images: ImageServer, path: str, reason: str) -> None:
    with pytest.raises(FetchRefused, match=reason):
        fetch_image(images.url(path), allow_private=True, max_bytes=1024)


@pytest.mark.parametrize("url", ["ftp://example.org/a.png", "file:///etc/passwd", "http:///x"])
def test_fetch_only_http_urls(url: str) -> None:
    with pytest.raises(FetchRefused, match="Only http and https"):
        fetch_image(url)


@pytest.mark.postgres_only
def test_feed_image_urls_are_fetched_by_the_worker(
    app: Flask, committed_db: object, images: ImageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MALL", dataclasses.replace(
        app.config["MALL"], image_fetch_allow_private=True))
    session = db.session()
    catalog = make_catalog(app, session)
    session.commit()
    rows = [_row(catalog, "IMG-OK", image_url=images.url("/a.png")),
            _row(catalog, "IMG-404", image_url=images.url("/missing")),
            _row(catalog, "IMG-BUSY", image_url=images.url("/busy")),
            _row(catalog, "IMG-NONE")]
    response = app.test_client().post(
        "/api/v1/supplier/feeds", data=_csv(rows, [*COLUMNS, "image_url"]).encode(),
        content_type="text/csv", headers=catalog.headers)
    assert response.status_code in (200, 201, 202), response.json
    assert images.hosts == []  # the request fetched nothing
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Job)
                          .where(Job.kind == "offer_image")) == 3

    Worker(app, drain=False, periodic=False).run(once=True)
    session = db.session()
    offers = {o.sku: o for o in session.scalars(select(Offer))}
    assert offers["IMG-OK"].image_hash is not None and offers["IMG-OK"].image_error is None
    assert offers["IMG-404"].image_hash is None and "HTTP 404" in offers["IMG-404"].image_error
    # A busy server may answer later: the job waits for a retry, the offer shows no error.
    assert offers["IMG-BUSY"].image_hash is None and offers["IMG-BUSY"].image_error is None
    busy = session.scalars(select(Job).where(Job.kind == "offer_image")
                           .where(Job.payload["url"].as_string() == images.url("/busy"))).one()
    assert busy.status == "queued" and busy.attempts == 1 and "503" in (busy.last_error or "")
    # ... and on its last attempt the failure is kept on the offer instead.
    outcome = run_image_fetch(session, offers["IMG-BUSY"].id, images.url("/busy"),
                              allow_private=True, final_attempt=True)
    assert outcome.startswith("failed") and "HTTP 503" in (
        session.get_one(Offer, offers["IMG-BUSY"].id).image_error or "")
    assert offers["IMG-NONE"].image_url is None and offers["IMG-NONE"].image_hash is None
    assert session.scalar(select(func.count()).select_from(StoredImage)) == 1
    # The offer page's picture is the stored thumbnail.
    served = app.test_client().get(f"/images/{offers['IMG-OK'].image_hash}/96.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
