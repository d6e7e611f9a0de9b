"""Schemathesis runs every operation of ``GET /api/v1/openapi.json`` against the app.

Promise checked for each generated case: never a 5xx; a 4xx answers the error shape; a 2xx
answers the documented schema (both through ``tests.openapi_contract``). Callers are drawn
per case from anonymous and every role that may call the operation, and the body either
generated from the schema or the world's well-formed one (one token per role,
issued again after a case that may end it); path ids name real objects of one world.

Fast by construction: the world (organizations, users, offers, orders, payments) is built
once for the module inside one rolled-back transaction, not per operation or per example;
``MALL_FUZZ_EXAMPLES`` (default 5) examples per operation, derandomized, no shrinking, no
example database, no deadline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.case import Case
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mall import create_app
from mall.config import Config
from tests.factories.accounts import auth_headers, make_org
from tests.openapi_contract import checker_for
from tests.payments.conftest import sign
from tests.support import rolled_back_session
from tests.test_fuzz_api import FuzzWorld, Operation, build_fuzz_world

MAX_EXAMPLES = int(os.environ.get("MALL_FUZZ_EXAMPLES", "5"))
KINDS_OF = {"buyer": "purchaser", "approver": "purchaser", "finance": "purchaser",
            "auditor": "purchaser", "supplier_admin": "supplier",
            "center_admin": "center", "expert": "center"}


def _document() -> dict[str, Any]:
    """The document as served, from an app built for collection only (no database)."""
    app = create_app(Config.from_env({"MALL_SECRET_KEY": "collection-only",
                                      "MALL_DATABASE_URL": "sqlite://"}))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert isinstance(document, dict)
    return document


SCHEMA = schemathesis.openapi.from_dict(_document())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _as_operation(api_operation: Any) -> Operation:
    """The operation as tests/test_fuzz_api.py describes one (for its world's path values)."""
    raw = api_operation.definition.raw
    return Operation(raw["operationId"], api_operation.method.lower(), api_operation.path,
                     tuple(raw.get("x-required-roles", ())),
                     tuple(raw.get("x-organization-kinds", ())),
                     raw["security"] == [{"bearer": []}])


def callers(operation: Operation) -> list[str | None]:
    """Anonymous (None) and every test role the guard lets through."""
    allowed = [role for role, kind in KINDS_OF.items()
               if (not operation.roles or role in operation.roles)
               and (not operation.kinds or kind in operation.kinds)]
    return [None, *allowed]


# Operations after which the caller's token may be gone (revoked, or the password changed).
_TOKEN_ENDING = ("accounts_api.revoke_token", "accounts_api.change_password")
_tokens: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def world(app: Flask, db_engine: Engine,
          search_index: str) -> Iterator[tuple[FuzzWorld, Session]]:
    """Built once for the whole module (with an empty search index of its own); everything
    is rolled back at its end."""
    if not os.environ.get("MALL_STRIPE_API_BASE"):
        pytest.exit("MALL_STRIPE_API_BASE is not set: run `make services`", returncode=3)
    _tokens.clear()
    with rolled_back_session(app, db_engine) as session:
        fuzz_world = build_fuzz_world(app, session)
        # Suspending the purchaser would leave every later operation a 403: a spare one.
        spare = make_org(session)
        session.commit()
        fuzz_world.special["accounts_api.update_organization"] = {"org_id": str(spare.id)}
        yield fuzz_world, session


def _token(app: Flask, session: Session, fuzz_world: FuzzWorld, role: str) -> dict[str, str]:
    """One token per role for the module, issued again after an operation that may end it."""
    if role not in _tokens:
        _tokens[role] = auth_headers(app, session, fuzz_world.users[role])
        session.commit()
    return _tokens[role]


def _path_values(operation: Operation, fuzz_world: FuzzWorld) -> dict[str, str]:
    values = dict(fuzz_world.values)
    for prefix, overrides in fuzz_world.special.items():
        if operation.operation_id.startswith(prefix):
            values.update(overrides)
    return values


def _send(app: Flask, session: Session, fuzz_world: FuzzWorld, operation: Operation,
          case: Case, role: str | None, well_formed: bool) -> Any:
    if well_formed and fuzz_world.body_for(operation) != {} and case.media_type in (
            None, "application/json"):
        # The world's own body for the operation, so the answer is often a 2xx to check.
        case.body = fuzz_world.body_for(operation)
    headers = {key: str(value) for key, value in (case.headers or {}).items()}
    if role is not None:
        headers.update(_token(app, session, fuzz_world, role))
        if operation.operation_id.startswith(_TOKEN_ENDING):
            del _tokens[role]
    values = _path_values(operation, fuzz_world)
    path = case.path
    for name, generated in (case.path_parameters or {}).items():
        path = path.replace("{" + name + "}", values.get(name, str(generated)))
    kwargs: dict[str, Any] = {"query_string": case.query or {}}
    if case.body is not None and not isinstance(case.body, schemathesis.core.NotSet):
        media_type = case.media_type or "application/json"
        if media_type == "application/json":
            kwargs["data"] = json.dumps(case.body)
        else:
            kwargs["data"] = case.body if isinstance(case.body, str | bytes) else json.dumps(
                case.body)
        kwargs["content_type"] = media_type
        secret = app.config["MALL"].stripe_webhook_secret
        if operation.operation_id.startswith("payments_api.stripe_webhook") and secret:
            # Signed, so the generated events reach the event handling behind the signature.
            headers["Stripe-Signature"] = sign(kwargs["data"].encode(), secret)
    try:
        return app.test_client().open(path, method=operation.method.upper(), headers=headers,
                                      **kwargs), path
    finally:
        session.rollback()  # what the app's teardown does after a real request


@pytest.mark.parametrize("api_operation", OPERATIONS, ids=[o.label for o in OPERATIONS])
def test_every_operation_keeps_its_promises(app: Flask, world: tuple[FuzzWorld, Session],
                                            api_operation: Any) -> None:
    fuzz_world, session = world
    operation = _as_operation(api_operation)
    checker = checker_for(app)

    @given(case=api_operation.as_strategy(), role=st.sampled_from(callers(operation)),
           well_formed=st.booleans())
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case: Case, role: str | None, well_formed: bool) -> None:
        response, path = _send(app, session, fuzz_world, operation, case, role, well_formed)
        status = response.status_code
        shown = f"{operation} as {role or 'anonymous'} → {status}: query={case.query} " \
                f"body={str(case.body)[:200]}"
        assert status < 500, f"{shown}\n{response.get_data(as_text=True)[:300]}"
        if status >= 400 or response.is_json:
            body = response.get_json(silent=True)
            assert body is not None or status < 400, f"{shown}: not JSON"
            problem = checker.problem(operation.method.upper(), path, status, body)
            assert problem is None, f"{shown}: {problem}"

    run()


def test_every_documented_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) == sum(len(item) for item in _document()["paths"].values())
    assert len(OPERATIONS) >= 80
