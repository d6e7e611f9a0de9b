"""Request bodies are limited per route, before they are read (issue 11, finding 8).

JSON bodies ≤ 1 MB, the Stripe webhook ≤ 256 KB, supplier feed uploads (API and page) up to
the feed limit; anything else ≤ 1 MB. Too large is 413 in the error shape.
"""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.http import DEFAULT_BODY_LIMIT, FEED_BODY_LIMIT, JSON_BODY_LIMIT, WEBHOOK_BODY_LIMIT
from tests.factories.accounts import PASSWORD, auth_headers, make_org, make_user

MB = 1024 * 1024


def _assert_too_large(response, limit: int) -> None:
    assert response.status_code == 413, (response.status_code,
                                         response.get_data(as_text=True)[:300])
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == "payload_too_large"
    assert error["details"]["limit_bytes"] == limit


def test_the_limits_are_the_documented_ones() -> None:
    assert JSON_BODY_LIMIT == 1 * MB
    assert WEBHOOK_BODY_LIMIT == 256 * 1024
    assert FEED_BODY_LIMIT == 1024 * MB
    assert DEFAULT_BODY_LIMIT == 1 * MB


def test_json_bodies_above_one_megabyte_are_413(client: FlaskClient, db_session: Session
                                                ) -> None:
    body = b'{"email": "a@test.example", "password": "' + b"x" * MB + b'"}'
    _assert_too_large(client.post("/api/v1/auth/token", data=body,
                                  content_type="application/json"), JSON_BODY_LIMIT)
    # just under the limit is read as usual (here: a validation refusal, not a 413)
    body = b'{"email": "a@test.example", "password": "' + b"x" * (MB - 100) + b'"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400


def test_a_streamed_body_without_content_length_is_cut_at_the_limit(
    client: FlaskClient, db_session: Session
) -> None:
    body = b'{"email": "a@test.example", "password": "' + b"x" * (2 * MB) + b'"}'
    response = client.post("/api/v1/auth/token", input_stream=io.BytesIO(body),
                           content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert response.is_json and response.json["error"]["code"] == "payload_too_large"


def test_the_stripe_webhook_takes_at_most_256_kilobytes(client: FlaskClient, db_session
                                                        ) -> None:
    body = b'{"id": "evt_1", "pad": "' + b"x" * (256 * 1024) + b'"}'
    response = client.post("/api/v1/webhooks/stripe", data=body,
                           content_type="application/json",
                           headers={"Stripe-Signature": "t=1,v1=00"})
    _assert_too_large(response, WEBHOOK_BODY_LIMIT)


def test_other_bodies_are_limited_too(client: FlaskClient, db_session: Session) -> None:
    response = client.post("/login", data={"email": "a@test.example",
                                           "password": "x" * (2 * MB)})
    assert response.status_code == 413
    response = client.post("/api/v1/auth/token", data=b"x" * (2 * MB),
                           content_type="text/plain")
    _assert_too_large(response, DEFAULT_BODY_LIMIT)


def test_feed_uploads_may_exceed_the_json_limit(app: Flask, client: FlaskClient,
                                                db_session: Session) -> None:
    org = make_org(db_session, kind="supplier", size="small")
    supplier = make_user(db_session, org, roles=("supplier_admin",))
    header = ("sku,agreement_number,lot_code,category_code,title,brand,model,unit,price,stock,"
              "lead_time_days,regions,valid_until,description\n")
    rows = [f"A-{i},GC-X,L1,C1,Title,Brand,M1,pc,10.00,1,1,CN-BJ,2030-01-01,{'d' * 1000}\n"
            for i in range(1200)]
    body = (header + "".join(rows)).encode()
    assert len(body) > JSON_BODY_LIMIT
    response = client.post("/api/v1/supplier/feeds", data=body, content_type="text/csv",
                           headers=auth_headers(app, db_session, supplier))
    assert response.status_code in (201, 202), response.get_data(as_text=True)[:300]
    assert response.json["rows_total"] == 1200

    assert client.post("/login", data={"email": supplier.email,
                                        "password": PASSWORD}).status_code == 302
    response = client.post("/supplier/feeds", content_type="multipart/form-data",
                           data={"feed": (io.BytesIO(body), "feed.csv")})
    assert response.status_code == 302  # to the new import's report
    assert "/supplier/feeds/" in response.headers["Location"]
