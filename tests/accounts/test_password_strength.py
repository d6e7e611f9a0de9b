"""Weak passwords are refused with the field and the reason (issue 11, finding 13)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.accounts.services import create_center_admin, password_problems
from mall.demo.data import DEMO_PASSWORD
from mall.errors import RuleViolation
from tests.factories.accounts import PASSWORD, auth_headers, center_admin, supplier_admin

WEAK = [
    ("aaaaaaaaaa", "too_weak"),
    ("1234567890", "too_weak"),
    ("password123", "too_weak"),
    ("qwertyuiop", "too_weak"),
    ("passwordpassword", "too_weak"),
    (" " * 10, "whitespace_only"),
    ("\t \n" * 4, "whitespace_only"),
    ("\x00" * 10, "control_characters"),
    ("violet-harbour\x00-lantern", "control_characters"),
    ("violet\x1bharbour-lantern", "control_characters"),
    ("short-1", "too_short"),
]


@pytest.mark.parametrize("password, code", WEAK)
def test_weak_passwords_are_refused_naming_the_field_and_why(
    app: Flask, client: FlaskClient, db_session: Session, password: str, code: str
) -> None:
    headers = auth_headers(app, db_session, center_admin(db_session))
    supplier = supplier_admin(db_session).organization
    response = client.post("/api/v1/admin/users", headers=headers, json={
        "email": "clerk@supplier.example", "password": password, "name": "Clerk",
        "organization_id": supplier.id, "roles": ["supplier_admin"]})
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == "weak_password"
    problems = error["details"]["problems"]
    assert problems and all(p["field"] == "password" for p in problems)
    assert code in {p["code"] for p in problems}, problems
    assert all(p["message"] for p in problems)


def test_a_password_made_of_the_users_own_email_or_name_is_refused() -> None:
    problems = password_problems("chen.wei@mof.example", user_inputs=["chen.wei@mof.example",
                                                                      "Chen Wei"])
    assert [p["code"] for p in problems] == ["too_weak"]


def test_the_demo_and_test_passwords_pass() -> None:
    for password in (DEMO_PASSWORD, PASSWORD, "long-enough-pw"):
        assert password_problems(password) == [], password


def test_bootstrapping_a_center_admin_refuses_weak_passwords(app: Flask, db_session: Session
                                                             ) -> None:
    with pytest.raises(RuleViolation) as caught:
        create_center_admin(db_session, "root@center.example", "1234567890", "Root")
    assert caught.value.code == "weak_password"
    from mall.accounts.cli import admin

    result = app.test_cli_runner().invoke(admin, ["create", "--email", "root@center.example",
                                                  "--password", "aaaaaaaaaa"])
    assert result.exit_code != 0
    assert "password" in result.output.lower()
