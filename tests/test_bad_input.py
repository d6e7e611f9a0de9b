"""Bad input never produces a 500: every write endpoint, every role, malformed bodies."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories.accounts import auth_headers, make_org, make_user

BODIES = [
    b"{not json",
    b"[]",
    b'"text"',
    b"null",
    b"{}",
    b'{"price": "abc", "quantity": -1, "lines": "x", "status": 7, "amount": "1e999"}',
    b'{"lines": [{"offer_id": "x", "quantity": 1e30}], "method": "card"}',
    b'{"name": "a\\u0000b", "kind": "purchaser", "region": "CN-BJ", "reason": "\\u0000",'
    b' "title": "\\u0000", "quantity": 99999999999999999999, "offer_id": 99999999999999999999}',
]
ROLES = [
    ("center", ("center_admin",)),
    ("center", ("auditor",)),
    ("purchaser", ("buyer", "approver", "finance")),
    ("supplier", ("supplier_admin",)),
]


def _path(rule: str) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int:" in m.group(0) else "X", rule)


def test_no_write_endpoint_answers_500_to_bad_input(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    headers = []
    for kind, roles in ROLES:
        org = make_org(db_session, kind=kind, size="small" if kind == "supplier" else None)
        headers.append(auth_headers(app, db_session, make_user(db_session, org, roles=roles)))
    headers.append({})  # anonymous
    # Revoking the token (DELETE /auth/token) would turn the rest into plain 401s.
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")
             and r.rule != "/api/v1/auth/token"
             and (r.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(rules) > 25
    failures = []
    for rule in rules:
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            for header in headers:
                for body in BODIES:
                    response = client.open(_path(rule.rule), method=method, data=body,
                                           headers={**header,
                                                    "Content-Type": "application/json"})
                    if response.status_code >= 500 or (response.status_code != 204
                                                        and not response.is_json):
                        failures.append((method, rule.rule, body, response.status_code))
                    else:
                        assert set(response.json) <= {"error"} or response.status_code < 300
                    db_session.rollback()
    assert failures == []


@pytest.mark.smoke
def test_unknown_query_values_are_400_not_500(client: FlaskClient, db_session) -> None:
    for url in ("/api/v1/search?page=abc", "/api/v1/search?per_page=1000",
                "/api/v1/search?price_min=abc", "/api/v1/search?sort=cheapest",
                "/api/v1/search?in_stock=maybe"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.json["error"]["code"]


def test_no_read_endpoint_answers_500_to_odd_query_strings(
    app: Flask, client: FlaskClient, db_session: Session, search_index: str
) -> None:
    headers = [{}]
    for kind, roles in ROLES:
        org = make_org(db_session, kind=kind, size="small" if kind == "supplier" else None)
        headers.append(auth_headers(app, db_session, make_user(db_session, org, roles=roles)))
    queries = ["", "?page=x&per_page=-1", "?page=99999999999999999999", "?status=%00zz",
               "?from=not-a-date&to=2027-13-45&group_by=moon", "?q=" + "字" * 300,
               "?target_type=&target_id=%27%3B--"]
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or "GET" not in (rule.methods or set()):
            continue
        for header in headers:
            for query in queries:
                response = client.get(_path(rule.rule) + query, headers=header)
                if response.status_code >= 500 or not response.is_json:
                    failures.append((rule.rule, query, response.status_code))
                db_session.rollback()
    assert failures == []


# --- Deeply nested JSON and lone surrogates (issue 11, finding 6) -------------------------

DEEP = b"[" * 100_000
LONE_SURROGATE = '"\\ud800"'  # a JSON escape that is no character: it cannot be stored


def _assert_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:300])
    assert response.is_json
    error = response.json["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code


def _supplier_headers(app: Flask, session: Session) -> dict[str, str]:
    org = make_org(session, kind="supplier", size="small")
    return auth_headers(app, session, make_user(session, org, roles=("supplier_admin",)))


def _buyer_headers(app: Flask, session: Session) -> dict[str, str]:
    org = make_org(session, kind="purchaser")
    return auth_headers(app, session, make_user(session, org, roles=("buyer",)))


def test_deeply_nested_json_is_400_not_500(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    response = client.post("/api/v1/auth/token", data=DEEP, content_type="application/json")
    _assert_error(response, 400, "invalid_json")
    response = client.post("/api/v1/requisitions", data=DEEP, content_type="application/json",
                           headers=_buyer_headers(app, db_session))
    _assert_error(response, 400, "invalid_json")
    # also where a view reads the body itself (approve/reject take an optional reason)
    response = client.post("/api/v1/requisitions/1/reject", data=DEEP,
                           content_type="application/json",
                           headers=_buyer_headers(app, db_session))
    _assert_error(response, 400, "invalid_json")


def test_deeply_nested_feed_rows_and_attribute_cells_are_refused_not_500(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    headers = _supplier_headers(app, db_session)
    ndjson = b'{"sku": "A-1", "attributes": ' + DEEP + b"\n"
    response = client.post("/api/v1/supplier/feeds", data=ndjson,
                           content_type="application/x-ndjson", headers=headers)
    _assert_error(response, 400, "feed_malformed")
    assert response.json["error"]["details"]["line"] == 1

    header = ("sku,agreement_number,lot_code,category_code,title,brand,model,unit,price,stock,"
              "lead_time_days,regions,valid_until,attributes\n")
    deep_cell = '"' + "[" * 100_000 + '"'
    row = f"A-1,GC-X,L1,C1,Title,Brand,M1,pc,10.00,1,1,CN-BJ,2030-01-01,{deep_cell}\n"
    response = client.post("/api/v1/supplier/feeds", data=(header + row).encode(),
                           content_type="text/csv", headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.is_json
    if response.status_code < 300:  # the row is reported, naming the cell
        errors = response.json["errors"]
        assert any(e["field"] == "attributes" for e in errors), errors


def test_deeply_nested_feed_through_the_upload_page_is_refused_not_500(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    import io

    from tests.factories.accounts import PASSWORD

    org = make_org(db_session, kind="supplier", size="small")
    supplier = make_user(db_session, org, roles=("supplier_admin",))
    login = client.post("/login", data={"email": supplier.email, "password": PASSWORD})
    assert login.status_code == 302
    upload = b'{"sku": "A-1", "attributes": ' + DEEP + b"\n"
    response = client.post("/supplier/feeds", content_type="multipart/form-data",
                           data={"feed": (io.BytesIO(upload), "feed.jsonl")})
    assert response.status_code == 302, response.status_code  # back to the form, with why
    page = client.get(response.headers["Location"])
    assert "文件被拒绝" in page.get_data(as_text=True)  # the reason, in the reader's language


def test_lone_surrogates_are_400_invalid_value_before_the_database(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    body = '{"email": "someone@test.example", "password": ' + LONE_SURROGATE + "}"
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    _assert_error(response, 400, "invalid_value")
    assert response.json["error"]["details"]["field"] == "password"

    body = ('{"lines": [{"offer_id": 1, "quantity": 1}], "justification": '
            + LONE_SURROGATE + "}")
    response = client.post("/api/v1/requisitions", data=body, content_type="application/json",
                           headers=_buyer_headers(app, db_session))
    _assert_error(response, 400, "invalid_value")
    assert response.json["error"]["details"]["field"] == "justification"

    body = '{"title": ' + LONE_SURROGATE + ', "price": "10.00"}'
    response = client.put("/api/v1/supplier/offers/SKU-1", data=body,
                          content_type="application/json",
                          headers=_supplier_headers(app, db_session))
    _assert_error(response, 400, "invalid_value")
    # a key is text too
    body = '{"lines": [{"offer_id": 1, "quantity": 1, ' + LONE_SURROGATE + ": 1}]}"
    response = client.post("/api/v1/requisitions", data=body, content_type="application/json",
                           headers=_buyer_headers(app, db_session))
    _assert_error(response, 400, "invalid_value")
    assert response.json["error"]["details"]["field"] == "lines.0"


def test_lone_surrogates_in_feed_rows_refuse_the_file(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    headers = _supplier_headers(app, db_session)
    ndjson = ('{"sku": "A-1", "title": ' + LONE_SURROGATE + "}\n").encode()
    response = client.post("/api/v1/supplier/feeds", data=ndjson,
                           content_type="application/x-ndjson", headers=headers)
    _assert_error(response, 400, "feed_malformed")
    assert response.json["error"]["details"]["line"] == 1
