"""cXML documents: reading a PunchOutSetupRequest, writing the response and the order message.

No database here. Requests are parsed with lxml with entity expansion, DTD loading and
network access off; a cXML document names the cXML DTD in its DOCTYPE (kept as text, never
fetched), but one that declares entities of its own is refused. Every document written
carries the DOCTYPE, a unique ``payloadID`` and a ``timestamp``.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

CXML_VERSION = "1.2.014"
DTD_URL = f"http://xml.cxml.org/schemas/cXML/{CXML_VERSION}/cXML.dtd"
DOCTYPE = f'<!DOCTYPE cXML SYSTEM "{DTD_URL}">'
USER_AGENT = "Government e-Mall"
MAX_REQUEST_BYTES = 64 * 1024


class CxmlError(Exception):
    """A request answered with a cXML ``Status`` other than 200."""

    def __init__(self, code: int, text: str, message: str) -> None:
        super().__init__(message)
        self.code, self.text, self.message = code, text, message


def malformed(message: str) -> CxmlError:
    return CxmlError(400, "Bad Request", message)


def unauthorized(message: str) -> CxmlError:
    return CxmlError(401, "Unauthorized", message)


@dataclass
class SetupRequest:
    payload_id: str | None
    from_identities: list[str]
    shared_secret: str | None
    operation: str
    buyer_cookie: str
    browser_form_post: str
    user_emails: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


def _text(element: Any, path: str) -> str | None:
    found = element.find(path)
    if found is None:
        return None
    text = "".join(found.itertext()).strip()
    return text or None


def parse_setup_request(body: bytes) -> SetupRequest:
    """The fields of a PunchOutSetupRequest; CxmlError(400) when it is not one."""
    if len(body) > MAX_REQUEST_BYTES:
        raise malformed(f"A setup request is at most {MAX_REQUEST_BYTES:,} bytes.")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        raise malformed(f"The XML is malformed at line {line}, column {column}: "
                        f"{exc.msg}.") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (any(True for _ in dtd.iterentities())
                            or any(True for _ in dtd.iterelements())):
        raise malformed("The document declares a DTD subset of its own; only a reference "
                        "to the cXML DTD is accepted.")
    if root.tag != "cXML":
        raise malformed(f"The root element is {root.tag!r}, not cXML.")
    request = root.find("Request/PunchOutSetupRequest")
    if request is None:
        raise malformed("The document holds no Request/PunchOutSetupRequest.")
    cookie = _text(request, "BuyerCookie")
    form_post = _text(request, "BrowserFormPost/URL")
    if cookie is None:
        raise malformed("PunchOutSetupRequest/BuyerCookie is missing.")
    if form_post is None:
        raise malformed("PunchOutSetupRequest/BrowserFormPost/URL is missing.")
    identities = [text for cred in root.iterfind("Header/From/Credential")
                  if (text := _text(cred, "Identity"))]
    emails = [text for ext in request.iterfind("Extrinsic")
              if ext.get("name") == "UserEmail" and (text := "".join(ext.itertext()).strip())]
    emails += [text for contact in request.iterfind("Contact")
               if (text := _text(contact, "Email"))]
    secret = None
    for cred in root.iterfind("Header/Sender/Credential"):
        found = cred.find("SharedSecret")
        if found is not None:
            secret = "".join(found.itertext())
            break
    return SetupRequest(payload_id=root.get("payloadID"), from_identities=identities,
                        shared_secret=secret, operation=request.get("operation") or "create",
                        buyer_cookie=cookie, browser_form_post=form_post, user_emails=emails)


def payload_id() -> str:
    """Unique per document, in the customary ``time.pid.random@host`` form."""
    return f"{time.time_ns()}.{os.getpid()}.{secrets.token_hex(8)}@{socket.gethostname()}"


def _envelope() -> Any:
    root = etree.Element("cXML")
    root.set("payloadID", payload_id())
    root.set("timestamp", datetime.now(UTC).isoformat(timespec="seconds"))
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    return root


def serialize(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                doctype=DOCTYPE))


def _status(parent: Any, code: int, text: str, message: str | None = None) -> None:
    status = etree.SubElement(parent, "Status", code=str(code), text=text)
    if message:
        status.text = message


def setup_response(start_url: str) -> bytes:
    root = _envelope()
    response = etree.SubElement(root, "Response")
    _status(response, 200, "success")
    setup = etree.SubElement(response, "PunchOutSetupResponse")
    etree.SubElement(etree.SubElement(setup, "StartPage"), "URL").text = start_url
    return serialize(root)


def error_response(error: CxmlError) -> bytes:
    root = _envelope()
    _status(etree.SubElement(root, "Response"), error.code, error.text, error.message)
    return serialize(root)


@dataclass
class OrderItem:
    quantity: int
    sku: str
    offer_id: int
    unit_price: Decimal
    currency: str
    descriptions: list[tuple[str, str]]  # (xml:lang, text)
    unit_of_measure: str
    classification_domain: str
    classification: str
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None


def _credential(parent: Any, name: str, domain: str, identity: str) -> Any:
    credential = etree.SubElement(etree.SubElement(parent, name), "Credential", domain=domain)
    etree.SubElement(credential, "Identity").text = identity
    return credential


def _money(parent: Any, name: str, amount: Decimal, currency: str) -> None:
    etree.SubElement(etree.SubElement(parent, name), "Money",
                     currency=currency).text = f"{amount:.2f}"


def order_message(buyer_cookie: str, buyer_identity: str, mall_identity: str,
                  items: list[OrderItem], currency: str) -> bytes:
    """A PunchOutOrderMessage holding ``items`` (all in ``currency``)."""
    root = _envelope()
    header = etree.SubElement(root, "Header")
    _credential(header, "From", "NetworkID", mall_identity)
    _credential(header, "To", "NetworkID", buyer_identity)
    sender = _credential(header, "Sender", "NetworkID", mall_identity).getparent()
    etree.SubElement(sender, "UserAgent").text = USER_AGENT
    message = etree.SubElement(etree.SubElement(root, "Message"), "PunchOutOrderMessage")
    etree.SubElement(message, "BuyerCookie").text = buyer_cookie
    order_header = etree.SubElement(message, "PunchOutOrderMessageHeader",
                                    operationAllowed="edit")
    total = sum((item.unit_price * item.quantity for item in items), Decimal("0"))
    _money(order_header, "Total", total, currency)
    for number, item in enumerate(items, start=1):
        item_in = etree.SubElement(message, "ItemIn", quantity=str(item.quantity),
                                   lineNumber=str(number))
        item_id = etree.SubElement(item_in, "ItemID")
        etree.SubElement(item_id, "SupplierPartID").text = item.sku
        etree.SubElement(item_id, "SupplierPartAuxiliaryID").text = str(item.offer_id)
        detail = etree.SubElement(item_in, "ItemDetail")
        _money(detail, "UnitPrice", item.unit_price, item.currency)
        for lang, text in item.descriptions:
            description = etree.SubElement(detail, "Description")
            description.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
            description.text = text
        etree.SubElement(detail, "UnitOfMeasure").text = item.unit_of_measure
        etree.SubElement(detail, "Classification",
                         domain=item.classification_domain).text = item.classification
        if item.manufacturer_part_id:
            etree.SubElement(detail, "ManufacturerPartID").text = item.manufacturer_part_id
        if item.manufacturer_name:
            etree.SubElement(detail, "ManufacturerName").text = item.manufacturer_name
    return serialize(root)
