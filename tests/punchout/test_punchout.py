"""cXML PunchOut: setup, the one-time start URL, and the cart back as a PunchOutOrderMessage."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from lxml import html as lxml_html
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.accounts.services import verify_password
from mall.db import utcnow
from mall.http import CONTENT_SECURITY_POLICY
from mall.punchout import services
from mall.punchout.cxml import DTD_URL
from mall.punchout.models import PunchoutIdentity, PunchoutSession
from mall.punchout.pages import form_action_policy
from tests.factories.accounts import PASSWORD, make_org, make_user
from tests.orders.conftest import World

IDENTITY = "AN01000000087"
SECRET = "welcome-to-the-e-mall-2026"
RETURN_URL = "https://erp.buyer.example/punchout/receive?session=42"


@pytest.fixture
def identity(world: World) -> PunchoutIdentity:
    return services.set_identity(world.session, world.purchaser, IDENTITY, SECRET)


def setup_request(email: str, *, identity: str = IDENTITY, secret: str = SECRET,
                  url: str = RETURN_URL, cookie: str = "b3f1c0ffee", doctype: str | None = None,
                  contact: bool = False) -> bytes:
    user = (f'<Contact role="endUser"><Name xml:lang="en">Buyer</Name><Email>{email}</Email>'
            f'</Contact>' if contact else f'<Extrinsic name="UserEmail">{email}</Extrinsic>')
    doctype = doctype or f'<!DOCTYPE cXML SYSTEM "{DTD_URL}">'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<cXML payloadID="1733140000.4711@erp.buyer.example" timestamp="2026-12-02T13:00:00+08:00"
      xml:lang="en-US">
  <Header>
    <From><Credential domain="NetworkID"><Identity>{identity}</Identity></Credential></From>
    <To><Credential domain="NetworkID"><Identity>GOV-EMALL</Identity></Credential></To>
    <Sender>
      <Credential domain="NetworkID"><Identity>{identity}</Identity>
        <SharedSecret>{secret}</SharedSecret></Credential>
      <UserAgent>Test ERP 1.0</UserAgent>
    </Sender>
  </Header>
  <Request deploymentMode="test">
    <PunchOutSetupRequest operation="create">
      <BuyerCookie>{cookie}</BuyerCookie>
      {user}
      <BrowserFormPost><URL>{url.replace("&", "&amp;")}</URL></BrowserFormPost>
      <SupplierSetup><URL>http://localhost/punchout/setup</URL></SupplierSetup>
    </PunchOutSetupRequest>
  </Request>
</cXML>""".encode()


def _post_setup(client: FlaskClient, body: bytes) -> Any:
    return client.post("/punchout/setup", data=body, content_type="text/xml")


def _parse(body: bytes) -> Any:
    """A cXML answer, checked to be well-formed and to carry the envelope attributes."""
    root = etree.fromstring(body, etree.XMLParser(load_dtd=False, no_network=True,
                                                   resolve_entities=False))
    assert root.tag == "cXML" and root.get("payloadID") and root.get("timestamp")
    assert root.getroottree().docinfo.system_url == DTD_URL
    return root


def _sessions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PunchoutSession)) or 0


def _start_url(client: FlaskClient, world: World, **kwargs: Any) -> str:
    response = _post_setup(client, setup_request(world.buyer.email, **kwargs))
    assert response.status_code == 200, response.data
    return str(_parse(response.data).findtext("Response/PunchOutSetupResponse/StartPage/URL"))


@pytest.mark.usefixtures("identity")
@pytest.mark.parametrize("contact", [False, True])
def test_setup_answers_a_start_url(client: FlaskClient, world: World, contact: bool) -> None:
    response = _post_setup(client, setup_request(world.buyer.email.upper(), contact=contact))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = _parse(response.data)
    assert root.find("Response/Status").get("code") == "200"
    url = root.findtext("Response/PunchOutSetupResponse/StartPage/URL")
    assert url.startswith("http://localhost/punchout/start/")
    row = world.session.scalars(select(PunchoutSession)).one()
    token = url.rsplit("/", 1)[1]
    assert row.token_hash != token and len(token) >= 40  # only a digest is stored
    assert (row.user_id, row.buyer_cookie, row.browser_form_post_url) == (
        world.buyer.id, "b3f1c0ffee", RETURN_URL)


def test_the_secret_is_stored_hashed(world: World, identity: PunchoutIdentity) -> None:
    assert SECRET not in identity.secret_hash
    assert verify_password(identity.secret_hash, SECRET)


@pytest.mark.usefixtures("identity")
@pytest.mark.parametrize(("change", "code"), [
    ({"secret": "not-the-shared-secret"}, "401"),
    ({"identity": "AN-UNKNOWN"}, "401"),
    ({"email": "nobody@test.example"}, "401"),
    ({"email": "OTHER_ORG"}, "401"),
    ({"email": "AUDITOR"}, "401"),
    ({"url": "javascript:alert(1)"}, "400"),
    ({"url": "https://erp.example/x; script-src *"}, "400"),
    ({"url": "https://erp.example:99999/x"}, "400"),
    ({"doctype": '<!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'}, "400"),
])
def test_setup_refusals_are_cxml_statuses(client: FlaskClient, world: World,
                                          change: dict[str, str], code: str) -> None:
    email = change.pop("email", world.buyer.email)
    if email == "OTHER_ORG":
        email = make_user(world.session, make_org(world.session, kind="purchaser")).email
    elif email == "AUDITOR":
        email = make_user(world.session, world.purchaser, roles=("auditor",)).email
    response = _post_setup(client, setup_request(email, **change))
    assert response.status_code == int(code)
    status = _parse(response.data).find("Response/Status")
    assert status.get("code") == code and status.text
    assert _sessions(world.session) == 0


@pytest.mark.usefixtures("identity")
@pytest.mark.parametrize("body", [
    b"", b"not xml at all", b"<cXML><Request/></cXML>", b"<Catalogue/>",
    b'<cXML><Request><PunchOutSetupRequest><BuyerCookie>x</BuyerCookie>'
    b'</PunchOutSetupRequest></Request></cXML>',
])
def test_malformed_setup_is_a_400(client: FlaskClient, world: World, body: bytes) -> None:
    response = _post_setup(client, body)
    assert response.status_code == 400
    assert _parse(response.data).find("Response/Status").get("code") == "400"


@pytest.mark.usefixtures("identity")
def test_setup_needs_no_csrf_token(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _post_setup(client, setup_request(world.buyer.email)).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.usefixtures("identity")
def test_start_url_signs_in_once(client: FlaskClient, world: World) -> None:
    path = urlsplit(_start_url(client, world)).path
    first = client.get(path)
    assert first.status_code == 302 and first.location.startswith("/search")
    cart = client.get("/cart")
    assert cart.status_code == 200  # signed in as the buyer
    with client.session_transaction() as browser:
        assert browser["_user_id"] == str(world.buyer.id)
    assert client.get(path).status_code == 410  # used
    assert world.app.test_client().get(path).status_code == 410  # also from elsewhere


@pytest.mark.usefixtures("identity")
def test_start_url_expires(client: FlaskClient, world: World) -> None:
    path = urlsplit(_start_url(client, world)).path
    row = world.session.scalars(select(PunchoutSession)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    world.session.flush()
    assert client.get(path).status_code == 410
    with client.session_transaction() as browser:
        assert "_user_id" not in browser


@pytest.mark.usefixtures("identity")
def test_order_message_matches_the_cart(client: FlaskClient, world: World) -> None:
    client.get(urlsplit(_start_url(client, world)).path)
    first, second = world.offers[0], world.offers[1]
    second.price = Decimal("1234.50")
    world.session.flush()
    for offer, quantity in ((first, 3), (second, 1)):
        assert client.post("/cart/add", data={"offer_id": offer.id,
                                              "quantity": quantity}).status_code == 302
    cart = client.get("/cart")
    assert b'href="/punchout/return"' in cart.data
    assert b"submit-requisition" not in cart.data  # the order is placed in the buyer's system
    assert cart.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY

    page = client.get("/punchout/return")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "form-action 'self' https://erp.buyer.example/punchout/receive;" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    document = lxml_html.fromstring(page.data)
    assert not document.xpath("//script[not(@src)]")  # no inline script
    form = document.xpath("//form[@class='stack punchout-return']")[0]
    assert form.get("action") == RETURN_URL and form.get("method") == "post"
    value = form.xpath(".//input[@name='cxml-urlencoded']")[0].get("value")

    root = _parse(value.encode())
    assert root.findtext("Header/To/Credential/Identity") == IDENTITY
    message = root.find("Message/PunchOutOrderMessage")
    assert message.findtext("BuyerCookie") == "b3f1c0ffee"
    total = message.find("PunchOutOrderMessageHeader/Total/Money")
    assert (total.get("currency"), total.text) == ("CNY", "1237.50")
    items = message.findall("ItemIn")
    assert [(i.get("quantity"), i.findtext("ItemID/SupplierPartID"),
             i.findtext("ItemID/SupplierPartAuxiliaryID")) for i in items] == [
        ("3", first.sku, str(first.id)), ("1", second.sku, str(second.id))]
    detail = items[0].find("ItemDetail")
    price = detail.find("UnitPrice/Money")
    assert (price.get("currency"), price.text) == ("CNY", "1.00")
    assert detail.findtext("Description") == first.title
    assert detail.findtext("UnitOfMeasure") == "EA"  # 台 → each
    assert detail.find("Classification").get("domain") == first.category.scheme
    assert detail.findtext("Classification") == first.category.code
    assert detail.findtext("ManufacturerName") == first.brand


@pytest.mark.usefixtures("identity")
def test_return_needs_a_punchout_session(app: Flask, client: FlaskClient, world: World) -> None:
    login = client.post("/login", data={"email": world.buyer.email, "password": PASSWORD})
    assert login.status_code == 302  # a plain session, not a punch-out one
    response = client.get("/punchout/return")
    assert response.status_code == 302 and response.location.endswith("/cart")


def test_cli_sets_an_identity(app: Flask, world: World) -> None:
    result = app.test_cli_runner().invoke(args=[
        "punchout", "set-identity", "--organization", str(world.purchaser.id),
        "--identity", "COUPA-1"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().rsplit(" ", 1)[1]
    row = world.session.scalars(select(PunchoutIdentity)).one()
    assert row.identity == "COUPA-1" and verify_password(row.secret_hash, secret)
    refused = app.test_cli_runner().invoke(args=[
        "punchout", "set-identity", "--organization", str(world.suppliers[0].id),
        "--identity", "X", "--secret", "long-enough-secret-123"])
    assert refused.exit_code != 0 and "purchaser" in refused.output


def test_form_action_names_scheme_host_port_and_path_only() -> None:
    policy = form_action_policy("https://user:pw@erp.example:8443/po/in?id=1#x")
    assert "form-action 'self' https://erp.example:8443/po/in;" in policy
    assert policy.replace(" https://erp.example:8443/po/in", "") == CONTENT_SECURITY_POLICY
