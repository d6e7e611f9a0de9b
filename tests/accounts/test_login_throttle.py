"""Login throttling cannot be used to lock a user out (issue 11, finding 4).

Failures are counted per (account, address) pair and per address; an account's failures from
everywhere only slow down the addresses that failed, with a short growing Retry-After.
The login page and POST /api/v1/auth/token share the rule.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.accounts.models import LoginAttempt
from mall.db import utcnow
from tests.factories.accounts import PASSWORD, center_admin

ATTACKER = "203.0.113.66"
USER = "198.51.100.7"


def _token(client: FlaskClient, email: str, password: str, address: str):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _page_login(client: FlaskClient, email: str, password: str, address: str):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _retry_after(response) -> int:
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    value = int(response.headers["Retry-After"])
    assert value >= 1
    if response.is_json:
        error = response.json["error"]
        assert error["code"] == "login_throttled"
        assert error["details"]["retry_after_seconds"] == value
    return value


def test_failures_from_elsewhere_do_not_lock_out_the_center_admin(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    admin = center_admin(db_session)
    config = app.config["MALL"]
    for _ in range(config.login_max_failures_per_pair + 5):
        _token(client, admin.email, "wrong-guess", ATTACKER)
    # the attacker's own address is refused, even with the right password, for the window
    wait = _retry_after(_token(client, admin.email, PASSWORD, ATTACKER))
    assert wait <= config.login_failure_window_minutes * 60
    _retry_after(_page_login(client, admin.email, PASSWORD, ATTACKER))
    # the admin, elsewhere, signs in at once, by token and on the login page
    assert _token(client, admin.email, PASSWORD, USER).status_code == 201
    assert _page_login(client, admin.email, PASSWORD, USER).status_code == 302


def test_failures_spread_over_many_addresses_slow_down_only_those_addresses(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    admin = center_admin(db_session)
    limit = app.config["MALL"].login_max_failures_per_account
    attackers = [f"203.0.113.{i}" for i in range(1, limit + 1)]
    for address in attackers:
        assert _token(client, admin.email, "wrong-guess", address).status_code == 401
    # one of the addresses that failed must now wait a little (not the whole window)
    wait = _retry_after(_token(client, admin.email, "wrong-guess", attackers[0]))
    assert wait <= 2
    _retry_after(_page_login(client, admin.email, "wrong-guess", attackers[1]))
    # an address that never failed for this account is not slowed down
    assert _token(client, admin.email, PASSWORD, USER).status_code == 201


def test_the_slow_down_grows_with_the_failures_and_is_capped(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    admin = center_admin(db_session)
    config = app.config["MALL"]
    now = utcnow()

    def fail(count: int) -> None:
        for i in range(count):
            db_session.add(LoginAttempt(email=admin.email, address=f"192.0.2.{i % 250}",
                                        succeeded=False, attempted_at=now))
        db_session.flush()

    fail(config.login_max_failures_per_account + 3)
    small = _retry_after(_token(client, admin.email, PASSWORD, "192.0.2.0"))
    assert 8 < small <= 16  # 2 s doubled for each failure past the limit
    fail(40)
    capped = _retry_after(_token(client, admin.email, PASSWORD, "192.0.2.1"))
    assert capped == config.login_slowdown_max_seconds
    assert capped < config.login_failure_window_minutes * 60
    # and still none of it reaches the real user's address
    assert _token(client, admin.email, PASSWORD, USER).status_code == 201


def test_the_slow_down_ends_after_its_delay(app: Flask, client: FlaskClient,
                                            db_session: Session) -> None:
    admin = center_admin(db_session)
    limit = app.config["MALL"].login_max_failures_per_account
    past = utcnow() - timedelta(seconds=5)
    for i in range(limit):
        db_session.add(LoginAttempt(email=admin.email, address=f"192.0.2.{i}",
                                    succeeded=False, attempted_at=past))
    db_session.flush()
    # the delay after `limit` failures is two seconds; five have passed
    assert _token(client, admin.email, PASSWORD, "192.0.2.0").status_code == 201


def test_an_address_spraying_many_accounts_is_still_refused(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    admin = center_admin(db_session)
    limit = app.config["MALL"].login_max_failures_per_address
    for i in range(limit):
        _token(client, f"guess{i}@test.example", "wrong-guess", ATTACKER)
    wait = _retry_after(_token(client, admin.email, PASSWORD, ATTACKER))
    assert wait > app.config["MALL"].login_slowdown_max_seconds
    assert _token(client, admin.email, PASSWORD, USER).status_code == 201
