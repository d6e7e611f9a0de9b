"""What ``make run`` serves (devservices/serve.sh: gunicorn with gunicorn.conf.py beside
``mall worker``): a supplier's price change reaches search with no manual command, idle
half-sent connections do not take the site down, and one signal stops both processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from sqlalchemy import Engine

from indexer.rebuild import rebuild
from mall.db import db
from tests.factories.accounts import auth_headers, supplier_admin
from tests.factories.catalog import make_agreement, make_offer

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(base: str, path: str, method: str = "GET", body: Any = None,
          headers: dict[str, str] | None = None, timeout: float = 5) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _answers(base: str) -> bool:
    try:
        return _call(base, "/healthz", timeout=2)[0] == 200
    except OSError:
        return False


@pytest.fixture
def served(app: Flask, committed_db: Engine, database_url: str, opensearch: OpenSearch,
           tmp_path: Path) -> Iterator[dict[str, Any]]:
    """One supplier offer, indexed, and the app plus worker serving it on a free port."""
    session = db.session()
    supplier = supplier_admin(session)
    agreement = make_agreement(session, suppliers=[supplier.organization])
    offer = make_offer(session, agreement, supplier.organization, price=Decimal("4999.00"),
                       title="服务测试 ServeCheck 笔记本", title_en="ServeCheck laptop")
    headers = auth_headers(app, session, supplier)
    session.commit()
    alias = f"mall-test-serve-{uuid.uuid4().hex[:8]}"
    rebuild(opensearch, session, alias, date.today())
    port = _free_port()
    env = {**os.environ, "MALL_DATABASE_URL": database_url, "MALL_SEARCH_ALIAS": alias,
           "MALL_BIND": f"127.0.0.1:{port}", "MALL_LOG_DIR": str(tmp_path),
           "MALL_SECRET_KEY": "serve-test-secret", "MALL_WEB_THREADS": "8"}
    process = subprocess.Popen([str(ROOT / "devservices" / "serve.sh")], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        worker_log = tmp_path / "worker.log"
        while not (_answers(base) and worker_log.exists() and "started" in worker_log.read_text()):
            if time.monotonic() > deadline or process.poll() is not None:
                logs = "".join(p.read_text()[-2000:] for p in tmp_path.glob("*.log"))
                raise AssertionError(f"the app did not start:\n{logs}")
            time.sleep(0.2)
        yield {"base": base, "sku": offer.sku, "headers": headers, "process": process,
               "logs": tmp_path}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        opensearch.indices.delete(index=f"{alias}*", ignore_unavailable=True)


def _search_price(base: str) -> str | None:
    status, body = _call(base, "/api/v1/search?q=ServeCheck")
    assert status == 200, body
    return body["items"][0]["price"]["amount"] if body["items"] else None


@pytest.mark.postgres_only
def test_a_price_change_reaches_search_without_any_manual_command(
        served: dict[str, Any]) -> None:
    base = served["base"]
    assert _search_price(base) == "4999.00"
    status, body = _call(base, f"/api/v1/supplier/offers/{served['sku']}", "PATCH",
                         {"price": "4599.00"}, served["headers"])
    assert status == 200, body
    deadline = time.monotonic() + 30
    while _search_price(base) != "4599.00" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _search_price(base) == "4599.00"
    assert "outbox:" in (served["logs"] / "worker.log").read_text()


@pytest.mark.postgres_only
def test_half_sent_requests_do_not_take_the_site_down(served: dict[str, Any]) -> None:
    host, port = served["base"].removeprefix("http://").split(":")
    stalled = []
    try:
        for _ in range(6):  # more than the old setup's two sync workers could take
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            stalled.append(sock)
        assert _call(served["base"], "/healthz", timeout=10)[0] == 200
    finally:
        for sock in stalled:
            sock.close()


@pytest.mark.postgres_only
def test_one_signal_stops_the_web_app_and_the_worker(served: dict[str, Any]) -> None:
    process = served["process"]
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0].decode()
    assert "stopped the web app and the worker" in output
    assert "worker log:" in output
    worker_log = (served["logs"] / "worker.log").read_text()
    assert "stopped" in worker_log
    with pytest.raises(OSError):
        _call(served["base"], "/healthz", timeout=2)
