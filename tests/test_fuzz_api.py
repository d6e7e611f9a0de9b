"""Fuzzing every JSON write operation of the API with generated bodies (hypothesis).

For each write operation in ``GET /api/v1/openapi.json`` the caller holds a token of a role
that may call it, and path ids name the caller's own objects (so bodies reach validation and
the services, not a 404 in front of them). Bodies are arbitrary JSON (nested objects and
lists, huge and odd numbers, NaN, unicode, empty strings, wrong types), objects made of the
API's own field names with wrong values, the operation's own well-formed body with one to
three fields replaced, dropped or wrapped (so odd values reach the services and the
database), and a fixed set of hostile bodies (deep nesting, lone surrogates, NUL, integers
too long to convert, not JSON at all). Webhook bodies are signed with the configured secret,
so they reach the event handling. The promise checked:
never a 5xx, and every 4xx answers ``{"error": {"code": str, "message": str,
"details": dict}}``.

Deterministic and bounded: ``derandomize=True``, no example database, ``MAX_EXAMPLES`` per
operation.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall import create_app
from mall.accounts.models import User
from mall.catalog.models import CategoryAttribute
from mall.config import Config
from mall.db import utcnow
from mall.orders.models import Competition
from tests.factories.accounts import (
    PASSWORD,
    approval_limits,
    auth_headers,
    center_admin,
    make_user,
)
from tests.factories.catalog import LAPTOP_TEMPLATE
from tests.factories.evaluation import make_expert
from tests.orders.conftest import build_world
from tests.payments.conftest import card, sign

# MALL_FUZZ_EXAMPLES raises it for a longer (still deterministic) hunt.
MAX_EXAMPLES = int(os.environ.get("MALL_FUZZ_EXAMPLES", "15"))
WRITE_METHODS = ("post", "put", "patch", "delete")
MISSING_ID = 987_654_321


# --- The operations, from the OpenAPI document ------------------------------------------

@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    roles: tuple[str, ...]
    kinds: tuple[str, ...]
    secured: bool

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def write_operations(document: dict[str, Any]) -> list[Operation]:
    return [
        Operation(op["operationId"], method, path, tuple(op.get("x-required-roles", ())),
                  tuple(op.get("x-organization-kinds", ())), op["security"] == [{"bearer": []}])
        for path, item in sorted(document["paths"].items())
        for method, op in item.items() if method in WRITE_METHODS
    ]


def _collection_document() -> dict[str, Any]:
    """The document as served, from an app built for collection only (it touches no database)."""
    app = create_app(Config.from_env({"MALL_SECRET_KEY": "collection-only",
                                      "MALL_DATABASE_URL": "sqlite://"}))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert isinstance(document, dict)
    return document


OPERATIONS = write_operations(_collection_document())


def test_the_fuzzed_operations_are_those_the_app_documents(client: FlaskClient) -> None:
    assert write_operations(client.get("/api/v1/openapi.json").json) == OPERATIONS
    assert len(OPERATIONS) >= 30


# --- Bodies --------------------------------------------------------------------------------

# Field names the API's schemas use, so generated objects reach field validation.
FIELDS = [
    "email", "password", "current_password", "new_password", "name", "name_en", "kind",
    "region", "size", "credit_code", "status", "approval_limits", "one_approver_above",
    "collective_above", "collective_approvers", "organization_id", "roles", "scheme", "code",
    "parent_code", "name_zh", "attributes", "key", "type", "unit", "values", "facet",
    "required", "number", "title", "title_en", "starts_on", "ends_on", "regions",
    "second_stage", "lots", "lot_code", "category_code", "ceiling_price", "supplier_ids",
    "supplier_id", "sku", "agreement_number", "brand", "model", "gtin", "price", "stock",
    "lead_time_days", "valid_until", "description", "lines", "offer_id", "product_id",
    "quantity", "justification", "competition_deadline", "sme_reserved", "line_id",
    "unit_price", "method", "payment_method", "amount", "reason", "quote_id", "text",
    "requirements", "attribute", "op", "value", "reference_price", "guidance_zh",
    "guidance_en", "grade", "title_zh", "evaluation", "technical", "id", "data",
    "label", "recipient_name", "phone", "line1", "line2", "city", "postal_code", "is_default",
    "delivery_address_id",
]

ODD_STRINGS = ["", " ", "0", "-1", "1e309", "NaN", "Infinity", "null", "true", "2027-02-30",
               "9999-12-31T23:59:59+25:00", "１２３", "٣", "💥", "\u202e", "a" * 300,
               "\x00", "<script>", "' OR 1=1 --", "%00", "../../etc/passwd", "CN-BJ", "*",
               "0.001", "-0.00", "1" * 40, "1,000.00", "1e-7"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.1, -0.0, 1e308, 5e-324, 1e-7]),
    st.text(max_size=30),
    st.sampled_from(ODD_STRINGS),
)

arbitrary_json = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(FIELDS)), children,
                        max_size=5),
    ),
    max_leaves=25,
)

# Objects whose keys the API knows, with values of any (mostly wrong) type and shape.
shaped = st.dictionaries(st.sampled_from(FIELDS), arbitrary_json, min_size=1, max_size=8)
shaped_lines = st.fixed_dictionaries(
    {"lines": st.lists(st.dictionaries(st.sampled_from(
        ["offer_id", "product_id", "quantity", "line_id", "unit_price"]), scalars, max_size=3),
        max_size=4)},
    optional={"justification": scalars, "competition_deadline": scalars,
              "method": st.sampled_from(["card", "invoice", "cash", ""]),
              "payment_method": scalars, "amount": scalars, "reason": scalars},
)
json_bodies = st.one_of(arbitrary_json, shaped, shaped, shaped_lines,
                        st.lists(shaped, max_size=3))


@dataclass(frozen=True)
class Mutation:
    """One change to an operation's well-formed body: a leaf replaced, dropped or wrapped."""

    position: int
    action: str
    value: Any

    def apply(self, body: Any) -> Any:
        body = json.loads(json.dumps(body))  # a private copy
        leaves = list(_leaf_paths(body))
        if not leaves:
            return self.value if self.action == "replace" else body
        *parents, last = leaves[self.position % len(leaves)]
        container = body
        for step in parents:
            container = container[step]
        if self.action == "drop":
            del container[last]
        elif self.action == "wrap":
            container[last] = [container[last]] if self.position % 2 else {"v": container[last]}
        elif self.action == "extra" and isinstance(container, dict):
            container[f"unexpected_{self.position % 7}"] = self.value
        else:
            container[last] = self.value
        return body


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Any:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaf_paths(child, (*prefix, key))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from _leaf_paths(child, (*prefix, index))
    elif prefix:
        yield prefix


mutations = st.lists(
    st.builds(Mutation, st.integers(min_value=0, max_value=10_000),
              st.sampled_from(["replace", "replace", "replace", "drop", "wrap", "extra"]),
              st.one_of(scalars, arbitrary_json)),
    min_size=1, max_size=3)
# What each example sends: an arbitrary body, or the operation's well-formed body mutated.
bodies = st.one_of(json_bodies.map(lambda v: ("raw", v)),
                   mutations.map(lambda m: ("mutated", m)),
                   mutations.map(lambda m: ("mutated", m)))


def _encode(value: Any) -> bytes:
    # Python's encoder writes NaN/Infinity (which Python's decoder, and so Flask's, accepts),
    # and lone surrogates as \\u escapes.
    return json.dumps(value, allow_nan=True).encode()


# Bodies every operation also gets, whatever hypothesis draws.
HOSTILE_BODIES: dict[str, tuple[bytes, str]] = {
    "deeply nested list": (b"[" * 50_000 + b"]" * 50_000, "application/json"),
    "deeply nested object": (b'{"a":' * 20_000 + b"1" + b"}" * 20_000, "application/json"),
    "lone surrogate value": (b'{"name": "\\ud800", "title": "x\\udfff"}', "application/json"),
    "lone surrogate key": (b'{"\\udc00": 1}', "application/json"),
    "NUL in strings": (b'{"name": "a\\u0000b", "email": "\\u0000@x.example"}',
                       "application/json"),
    "huge integer": (b'{"quantity": ' + b"9" * 5_000 + b"}", "application/json"),
    "exponent overflow": (b'{"price": 1e999999, "quantity": -1e999999}', "application/json"),
    "NaN fields": (b'{"price": NaN, "stock": Infinity, "quantity": -Infinity}',
                   "application/json"),
    "not JSON": (b"{not json", "application/json"),
    "empty body": (b"", "application/json"),
    "invalid UTF-8": (b'{"name": "\xff\xfe"}', "application/json"),
    "top-level string": (b'"lines"', "application/json"),
    "top-level null": (b"null", "application/json"),
    "form instead of JSON": (b"email=a&password=b", "application/x-www-form-urlencoded"),
}


# --- The caller and its objects ------------------------------------------------------------

@dataclass
class FuzzWorld:
    users: dict[str, User]
    values: dict[str, str]
    # Values that differ for some operations, by operationId prefix.
    special: dict[str, dict[str, str]]
    # A body each operation accepts (or nearly), by operationId prefix, to mutate.
    well_formed: dict[str, Any]

    def body_for(self, operation: Operation) -> Any:
        for prefix, body in self.well_formed.items():
            if operation.operation_id.startswith(prefix):
                return body
        return {}


ADDRESS = {"label": "Head office", "recipient_name": "王伟", "phone": "+86 10 6500 0000",
           "line1": "东城区某路 1 号", "city": "北京", "postal_code": "100010",
           "region": "CN-BJ"}


def well_formed_bodies(world: Any, offer: Any, line_id: int, buyer: User,
                       payment_method: str) -> dict[str, Any]:
    category, agreement = world.category.code, world.agreement.number
    offer_fields = {
        "agreement_number": agreement, "lot_code": "L1", "category_code": category,
        "title": "联想 ThinkPad E14 笔记本电脑", "title_en": "Lenovo ThinkPad E14",
        "brand": "Lenovo", "model": "E14", "gtin": "4006381333931", "unit": "台",
        "price": "1.00", "stock": 10, "lead_time_days": 3, "regions": ["CN-BJ"],
        "attributes": {"cpu": "i7", "memory_gb": 16, "touchscreen": False, "color": "黑"},
        "valid_until": (date.today() + timedelta(days=90)).isoformat(),
        "description": "fuzz"}
    return {
        "accounts_api.create_token": {"email": buyer.email, "password": PASSWORD},
        "accounts_api.change_password": {"current_password": PASSWORD,
                                         "new_password": "Fuzzy-Pangolin-Orbit-93"},
        "accounts_api.create_organization": {"name": "Fuzz Org", "kind": "purchaser",
                                             "region": "CN-BJ", "credit_code": "91110000FUZZ01",
                                             "contact_email": "org@fuzz.example"},
        "accounts_api.update_organization": {
            "status": "active", "reason": "fuzz", "approval_limits": {
                "one_approver_above": "100.00", "collective_above": "1000.00",
                "collective_approvers": 2}},
        "accounts_api.create_user": {"email": "new@fuzz.example", "name": "Fuzz",
                                     "password": "Fuzzy-Pangolin-Orbit-93",
                                     "organization_id": world.purchaser.id, "roles": ["buyer"]},
        "catalog_api.create_category": {
            "scheme": "cn-gpc", "code": "FZ001", "name_zh": "模糊", "name_en": "Fuzz",
            "attributes": [{"key": "cpu", "name_zh": "处理器", "name_en": "CPU", "type": "enum",
                            "values": ["i5", "i7"], "facet": True, "required": True},
                           {"key": "memory_gb", "name_zh": "内存", "name_en": "Memory",
                            "type": "number", "unit": "GB"}]},
        "catalog_api.create_agreement": {
            "number": "GC-FUZZ-1", "title": "Fuzz agreement", "currency": "CNY",
            "starts_on": date.today().isoformat(),
            "ends_on": (date.today() + timedelta(days=365)).isoformat(), "regions": ["*"],
            "second_stage": "direct",
            "lots": [{"code": "L1", "category_code": category, "ceiling_price": "100.00"}],
            "supplier_ids": [s.id for s in world.suppliers]},
        "catalog_api.update_agreement": {"status": "active", "reason": "fuzz"},
        "catalog_api.put_ceilings": [{"supplier_id": offer.supplier_id, "sku": offer.sku,
                                      "ceiling_price": "100.00"}],
        "catalog_api.upsert_offer": offer_fields,
        "catalog_api.post_feed": [{**offer_fields, "sku": "FUZZ-1"},
                                  {**offer_fields, "sku": "FUZZ-2", "price": "2.00"}],
        "catalog_api.patch_offer": {"price": "1.10", "stock": 12, "status": "active"},
        "orders_api.competition_award": {"reason": "fuzz"},
        "catalog_api.refuse_price": {"reason": "fuzz"},
        "catalog_api.approve_price": {"reason": "fuzz"},
        "orders_api.cart_add": {"offer_id": offer.id, "quantity": 1},
        "orders_api.cart_update": {"quantity": 2},
        "orders_api.competition_quote": {"lines": [{"line_id": line_id, "unit_price": "0.90"}]},
        "orders_api.requisition_create": {
            "lines": [{"offer_id": offer.id, "quantity": 1}], "justification": "fuzz",
            "requirement_text": "台式计算机，内存不少于16GB"},
        "orders_api.requisition_reject": {"reason": "fuzz"},
        "accounts_api.address_create": ADDRESS,
        "accounts_api.address_update": {"label": "Stores", "is_default": True},
        "orders_api.requisition_cancel": {"reason": "fuzz"},
        "orders_api.order_action": {"reason": "fuzz"},
        "orders_api.supplier_order_action": {"reason": "fuzz"},
        "payments_api.pay": {"method": "card", "payment_method": payment_method},
        "payments_api.refund": {"amount": "1.00", "reason": "fuzz"},
        "standards_api.create_standard": {
            "code": "STD-FUZZ-1", "category_code": category, "title_zh": "标准",
            "title_en": "Standard", "grade": "basic", "guidance_zh": "指导", "guidance_en": "Guide",
            "requirements": [{"attribute": "memory_gb", "op": "gte", "value": 16}],
            "reference_price": "100.00", "currency": "CNY"},
        "standards_api.check_requirement": {"text": "要求品牌为联想，注册资本不少于500万元",
                                            "category_code": category},
        "payments_api.stripe_webhook": {"id": "evt_fuzz", "type": "payment_intent.succeeded",
                                        "data": {"object": {"id": "pi_fuzz"}}},
    }


@pytest.fixture
def fuzz_world(app: Flask, db_session: Session, stripe_api_base: str) -> FuzzWorld:
    return build_fuzz_world(app, db_session)


def build_fuzz_world(app: Flask, db_session: Session) -> FuzzWorld:
    """One purchaser with every role, three suppliers, the center; objects of each of them.

    Also built once per module by tests/openapi/test_schemathesis.py."""
    world = build_world(db_session, app, suppliers=3)
    world.category.attributes.extend(CategoryAttribute(position=i, **a)
                                     for i, a in enumerate(LAPTOP_TEMPLATE))
    purchaser = world.purchaser
    users = {
        "buyer": world.buyer,
        "approver": world.approvers[0],
        "finance": make_user(db_session, purchaser, roles=("finance",)),
        "auditor": make_user(db_session, purchaser, roles=("auditor",)),
        "supplier_admin": world.supplier_user(0),
        "center_admin": center_admin(db_session),
        "expert": make_expert(db_session, "CN-SH", [world.category.code]),
    }
    offer = world.offers[0]
    invoiced, unpaid, carded, confirmed, shipped, delivered = (
        world.requisition((offer, n)) for n in (5, 6, 4, 3, 2, 1))
    approval_limits(purchaser, "1.00", None, None)
    pending = world.requisition((offer, 7))
    assert pending.status == "pending" and pending.route == "approval", pending.route
    approval_limits(purchaser, None, None, None)
    quoting, closed = (db_session.scalar(select(Competition).where(
        Competition.requisition_id == world.requisition((offer, 300_000)).id))
        for _ in range(2))
    assert quoting is not None and closed is not None
    db_session.commit()

    client = app.test_client()
    buyer = auth_headers(app, db_session, make_user(db_session, purchaser,
                                                    roles=("buyer", "finance")))
    center = auth_headers(app, db_session, users["center_admin"])

    def call(method: str, url: str, status: int, headers: dict[str, str], **kw: Any) -> Any:
        answer = client.open(url, method=method, headers=headers, **kw)
        assert answer.status_code == status, (url, answer.json)
        return answer.json

    # An open invoice (to settle), a succeeded card payment (to refund), a card for paying.
    invoice = call("POST", f"/api/v1/orders/{invoiced.orders[0].id}/payments", 201, buyer,
                   json={"method": "invoice"})
    gateway = app.extensions["mall.payments"]
    card_payment = call("POST", f"/api/v1/orders/{carded.orders[0].id}/payments", 201, buyer,
                        json={"method": "card", "payment_method": card(gateway)})
    assert card_payment["status"] == "succeeded", card_payment
    # The buyer's cart holds the offer; a held price rise (of another supplier's offer) awaits.
    call("POST", "/api/v1/cart/lines", 201, auth_headers(app, db_session, users["buyer"]),
         json={"offer_id": offer.id, "quantity": 1})
    other = world.offers[1]
    call("PATCH", f"/api/v1/supplier/offers/{other.sku}", 200,
         auth_headers(app, db_session, world.supplier_user(1)), json={"price": "5.00"})
    reviews = call("GET", "/api/v1/admin/price-reviews", 200, center)["items"]
    assert reviews, "the price rise was not held for review"
    # Orders further along, for the actions that need them; a competition past its deadline.
    supplier = auth_headers(app, db_session, users["supplier_admin"])
    steps = {confirmed: ["confirm"], shipped: ["confirm", "ship"],
             delivered: ["confirm", "ship", "deliver"]}
    for requisition, actions in steps.items():
        for action in actions:
            call("POST", f"/api/v1/supplier/orders/{requisition.orders[0].id}/{action}", 200,
                 supplier)
    call("POST", f"/api/v1/competitions/{closed.id}/quotes", 201, supplier,
         json={"lines": [{"line_id": closed.requisition.lines[0].id, "unit_price": "0.95"}]})
    closed.deadline = utcnow() - timedelta(minutes=1)
    # A delivery address in the purchaser's book (after the requisitions: they took none).
    address = call("POST", "/api/v1/addresses", 201, buyer, json=ADDRESS)
    db_session.commit()

    values = {
        "offer_id": str(offer.id),
        "sku": offer.sku,
        "number": world.agreement.number,
        "org_id": str(purchaser.id),
        "order_id": str(invoiced.orders[0].id),
        "requisition_id": str(pending.id),
        "competition_id": str(quoting.id),
        "payment_id": str(invoice["id"]),
        "change_id": str(reviews[0]["id"]),
        "member_id": "1",  # no panel in this world: the evaluation answers 404
        "campaign_id": "1",  # no joint purchase in this world (tests/joint fuzz their own)
        "flag_id": "1",  # no flag in this world: resolving one answers 404
        "notification_id": "1",  # someone's or nobody's: reading it answers 404 or 200
        "address_id": str(address["id"]),
    }
    special = {
        "payments_api.pay": {"order_id": str(unpaid.orders[0].id)},
        "payments_api.refund": {"payment_id": str(card_payment["id"])},
        "orders_api.competition_award": {"competition_id": str(closed.id)},
        "orders_api.supplier_order_action.ship": {"order_id": str(confirmed.orders[0].id)},
        "orders_api.supplier_order_action.deliver": {"order_id": str(shipped.orders[0].id)},
        "orders_api.order_action.accept": {"order_id": str(delivered.orders[0].id)},
    }
    return FuzzWorld(users, values, special, well_formed_bodies(
        world, offer, quoting.requisition.lines[0].id, users["buyer"], card(gateway)))


def caller_for(operation: Operation) -> str | None:
    """A role that may call the operation (None: it is public, call it anonymously)."""
    if not operation.secured:
        return None
    kinds_of = {"buyer": "purchaser", "approver": "purchaser", "finance": "purchaser",
                "auditor": "purchaser", "supplier_admin": "supplier", "center_admin": "center",
                "expert": "center"}
    for role, kind in kinds_of.items():
        if (not operation.roles or role in operation.roles) and (
                not operation.kinds or kind in operation.kinds):
            return role
    raise AssertionError(f"no test role may call {operation}")


def url_for_operation(operation: Operation, world: FuzzWorld) -> str:
    path = operation.path
    values = dict(world.values)
    for prefix, overrides in world.special.items():
        if operation.operation_id.startswith(prefix):
            values.update(overrides)
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no value for a parameter of {path}"
    return path


_keys = itertools.count(1)


def send(app: Flask, db_session: Session, world: FuzzWorld, operation: Operation,
         body: bytes, content_type: str) -> Any:
    role = caller_for(operation)
    headers = {"Idempotency-Key": f"fuzz-{next(_keys)}"}
    if role is not None:  # a fresh token each time: one example may revoke it
        headers.update(auth_headers(app, db_session, world.users[role]))
    url = url_for_operation(operation, world)
    secret = app.config["MALL"].stripe_webhook_secret
    if operation.operation_id.startswith("payments_api.stripe_webhook") and secret:
        # Signed, so the generated events reach the event handling behind the signature.
        headers["Stripe-Signature"] = sign(body, secret)
    try:
        return app.test_client().open(url, method=operation.method.upper(), data=body,
                                      content_type=content_type, headers=headers)
    finally:
        # What the app's teardown does after every real request (removing the session rolls
        # back what was not committed, e.g. after a refused value); here the test's app
        # context outlives the request, so the shared session is left as the view left it.
        db_session.rollback()


def problem(response: Any) -> str | None:
    """What is wrong with the answer, or None."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}: {response.get_data(as_text=True)[:300]}"
    if 400 <= status < 500:
        body = response.get_json(silent=True)
        error = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(error, dict) and isinstance(error.get("code"), str)
                and isinstance(error.get("message"), str)
                and isinstance(error.get("details"), dict)):
            return f"{status} without the error shape: {response.get_data(as_text=True)[:300]}"
    return None


def _shown(body: bytes) -> str:
    return body[:200].decode("utf-8", "backslashreplace") + ("…" if len(body) > 200 else "")


# --- The fuzz ------------------------------------------------------------------------------

@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.operation_id for o in OPERATIONS])
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drawn=bodies)
def test_generated_bodies_never_break_the_api(app: Flask, db_session: Session,
                                              fuzz_world: FuzzWorld, operation: Operation,
                                              drawn: tuple[str, Any]) -> None:
    kind, drawn_value = drawn
    value = drawn_value
    if kind == "mutated":
        value = fuzz_world.body_for(operation)
        for mutation in drawn_value:
            value = mutation.apply(value)
    body = _encode(value)
    content_type = "application/json"
    if operation.operation_id.startswith("catalog_api.post_feed"):
        # The feed takes JSON Lines: one generated value per line.
        rows = value if isinstance(value, list) else [value]
        body, content_type = b"\n".join(_encode(row) for row in rows), "application/x-ndjson"
    response = send(app, db_session, fuzz_world, operation, body, content_type)
    found = problem(response)
    assert found is None, f"{operation} with body {_shown(body)}: {found}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.operation_id for o in OPERATIONS])
def test_hostile_bodies_never_break_the_api(app: Flask, db_session: Session,
                                            fuzz_world: FuzzWorld,
                                            operation: Operation) -> None:
    found = []
    for name, (body, content_type) in HOSTILE_BODIES.items():
        response = send(app, db_session, fuzz_world, operation, body, content_type)
        if (answer := problem(response)) is not None:
            found.append(f"{name} ({_shown(body)}): {answer}")
    assert not found, f"{operation}:\n" + "\n".join(found)

