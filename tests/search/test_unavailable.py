"""Search down or slow: the API answers 503 in the documented shape, the page says so, and
the rest of the app keeps working. Real sockets on loopback, no mocks: a port nobody listens
on, and a server that accepts connections and never answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from mall import create_app
from tests.support import closed_port


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def _app(app: Flask, port: int) -> Flask:
    broken = create_app(app.config["MALL"].replace(opensearch_url=f"http://127.0.0.1:{port}",
                                                   search_timeout=0.3))
    broken.config["WTF_CSRF_ENABLED"] = False
    return broken


def _assert_unavailable(app: Flask) -> None:
    client = app.test_client()
    for path in ("/api/v1/search?q=laptop", "/api/v1/search/suggest?q=lap"):
        response = client.get(path)
        assert response.status_code == 503, path
        error = response.get_json()["error"]
        assert error["code"] == "search_unavailable"
        assert "temporarily unavailable" in error["message"]
        assert set(error) == {"code", "message", "details"}
    page = client.get("/search?q=laptop")
    assert page.status_code == 503
    assert "搜索暂时不可用" in page.get_data(as_text=True)
    english = client.get("/search?q=laptop", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Search is temporarily unavailable" in english.get_data(as_text=True)


@pytest.mark.smoke
def test_unreachable_engine(app: Flask, db_session: Session) -> None:
    broken = _app(app, closed_port())
    _assert_unavailable(broken)
    # The rest of the app keeps working.
    client = broken.test_client()
    assert client.get("/").status_code == 200
    health = client.get("/healthz").get_json()
    assert health["database"] == "ok" and health["search"] != "ok"


def test_engine_slower_than_the_timeout(app: Flask, db_session: Session,
                                        silent_server: int) -> None:
    broken = _app(app, silent_server)
    assert broken.config["MALL"].search_timeout == 0.3
    _assert_unavailable(broken)


@pytest.mark.smoke
def test_default_timeout_is_two_seconds() -> None:
    from mall.config import Config

    assert Config.from_env({}).search_timeout == 2.0
    assert Config.from_env({"MALL_SEARCH_TIMEOUT": "0.5"}).search_timeout == 0.5
