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
