"""PEPPOL BIS Catalogue 3 feeds: a UBL ``Catalogue`` read into the same records as CSV.

The document is read with lxml's ``iterparse``, one ``cac:CatalogueLine`` at a time (each is
dropped once read, so memory stays flat), with entity expansion, DTD loading and network
access all off. A DOCTYPE of any kind is refused: a catalogue has no use for one, and
refusing it shuts out XXE and entity bombs whatever the parser would otherwise do. Anything
that makes the document unusable as a whole (not XML, another root or namespace, no
``cac:ReferencedContract`` before the lines) raises ``FeedRefused`` during the structure
pass, before a single line is applied. The mapping is pinned in ../shared/API.md
("PEPPOL mapping"); each record carries the line's ``cbc:ID`` so errors can name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

from mall.catalog.feeds.records import FeedRefused, Record
from mall.catalog.validation import Problem, problem

UBL_CATALOGUE = "urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
ROOT = f"{{{UBL_CATALOGUE}}}Catalogue"
LINE = f"{{{CAC}}}CatalogueLine"
CONTRACT = f"{{{CAC}}}ReferencedContract"
GTIN_SCHEME = "0160"
ACTIONS = {"add": "upsert", "update": "upsert", "delete": "delete"}
# UN/ECE Recommendation 20 codes a lead time may be given in, as days.
LEAD_TIME_DAYS = {"DAY": 1, "WEE": 7}

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def declared_encoding(spool: IO[bytes]) -> str:
    """The encoding the XML declaration names (for the report), else UTF-8."""
    spool.seek(0)
    head = spool.read(256)
    spool.seek(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    match = _DECLARED_ENCODING.match(head.lstrip(b"\xef\xbb\xbf"))
    return match.group(1).decode("ascii").lower()[:32] if match else "utf-8"


def _text(element: Any, path: str) -> str | None:
    found = element.find(path, NS)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _attribute_value(prop: Any) -> Any:
    """``cbc:Value`` as text (``true``/``false`` as booleans), or ``cbc:ValueQuantity``."""
    value = _text(prop, "cbc:Value")
    if value is None:
        return _text(prop, "cbc:ValueQuantity")
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _locations(line: Any, raw: dict[str, Any], problems: list[Problem]) -> None:
    """Price, lead time, stock and regions from each ``cac:RequiredItemLocationQuantity``.

    An offer has one price, lead time and stock; several locations may list more
    territories but must agree on those, else the line is rejected.
    """
    prices: set[str] = set()
    leads: set[str] = set()
    stocks: set[str] = set()
    regions: list[str] = []
    for location in line.iterfind("cac:RequiredItemLocationQuantity", NS):
        price = _text(location, "cac:Price/cbc:PriceAmount")
        if price is not None:
            prices.add(price)
            currency = location.find("cac:Price/cbc:PriceAmount", NS).get("currencyID")
            if currency:
                raw.setdefault("_currency", currency.strip().upper())
        lead = location.find("cbc:LeadTimeMeasure", NS)
        if lead is not None and lead.text and lead.text.strip():
            unit = (lead.get("unitCode") or "DAY").strip().upper()
            factor = LEAD_TIME_DAYS.get(unit)
            if factor is None:
                problems.append(problem("lead_time_days", "invalid_unit",
                                        f"LeadTimeMeasure unitCode {unit!r} is not DAY or WEE."))
            elif factor == 1:
                leads.add(lead.text.strip())
            else:
                try:
                    leads.add(str(int(lead.text.strip()) * factor))
                except ValueError:
                    leads.add(lead.text.strip())  # validation reports it
        stock = _text(location, "cbc:MaximumQuantity")
        if stock is not None:
            stocks.add(stock)
        for code in location.iterfind(
                "cac:ApplicableTerritoryAddress/cbc:CountrySubentityCode", NS):
            if code.text and code.text.strip() and code.text.strip() not in regions:
                regions.append(code.text.strip())
    for name, values in (("price", prices), ("lead_time_days", leads), ("stock", stocks)):
        if len(values) > 1:
            problems.append(problem(name, "several_values",
                                    f"The line's locations give several {name} values "
                                    f"({', '.join(sorted(values))}); an offer has one."))
        elif values:
            raw[name] = values.pop()
    if regions:
        raw["regions"] = regions


def line_record(row: int, line: Any, agreement: str) -> Record:
    """One ``cac:CatalogueLine`` as a feed record (the same raw keys as a CSV row)."""
    line_id = _text(line, "cbc:ID") or f"#{row}"
    sku = _text(line, "cac:Item/cac:SellersItemIdentification/cbc:ID")
    problems: list[Problem] = []
    action_code = _text(line, "cbc:ActionCode") or "Add"
    action = ACTIONS.get(action_code.lower())
    if action is None:
        problems.append(problem("ActionCode", "invalid",
                                f"Line action code {action_code!r} is not Add, Update or "
                                f"Delete."))
        action = "upsert"
    if action == "delete":
        if sku is None:
            problems.append(problem("sku", "required",
                                    "cac:Item/cac:SellersItemIdentification/cbc:ID is missing."))
        return Record(row, sku, {}, problems, action=action, line_id=line_id)
    raw: dict[str, Any] = {"agreement_number": agreement}
    if sku is not None:
        raw["sku"] = sku
    simple = {
        "lot_code": "cbc:ContractSubdivision",
        "category_code": "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode",
        "title": "cac:Item/cbc:Name",
        "description": "cac:Item/cbc:Description",
        "brand": "cac:Item/cbc:BrandName",
        "model": "cac:Item/cbc:ModelName",
        "unit": "cbc:OrderableUnit",
        "valid_until": "cac:LineValidityPeriod/cbc:EndDate",
    }
    for key, path in simple.items():
        value = _text(line, path)
        if value is not None:
            raw[key] = value
    for ident in line.iterfind("cac:Item/cac:StandardItemIdentification/cbc:ID", NS):
        if (ident.get("schemeID") or "").strip() == GTIN_SCHEME and ident.text:
            raw["gtin"] = ident.text.strip()
            break
    _locations(line, raw, problems)
    attributes: dict[str, Any] = {}
    for prop in line.iterfind("cac:Item/cac:AdditionalItemProperty", NS):
        name = _text(prop, "cbc:Name")
        if name is None:
            problems.append(problem("attributes", "required",
                                    "An AdditionalItemProperty has no cbc:Name."))
        elif name in attributes:
            problems.append(problem(f"attributes.{name}", "repeated",
                                    f"AdditionalItemProperty {name!r} appears twice."))
        else:
            attributes[name] = _attribute_value(prop)
    if attributes:
        raw["attributes"] = attributes
    currency = raw.pop("_currency", None)
    return Record(row, sku, raw, problems, action=action, line_id=line_id, currency=currency)


def _refuse_syntax(exc: etree.XMLSyntaxError) -> FeedRefused:
    line, column = (exc.position if exc.position else (exc.lineno, 0))
    return FeedRefused(f"The XML is malformed at line {line}, column {column}: {exc.msg}.",
                       details={"line": line, "column": column})


def peppol_records(spool: IO[bytes]) -> Iterator[Record]:
    """Every catalogue line, in order; FeedRefused when the document is unusable anywhere."""
    spool.seek(0)
    context = etree.iterparse(
        spool, events=("start", "end"), resolve_entities=False, no_network=True,
        load_dtd=False, dtd_validation=False, huge_tree=False, remove_comments=True,
        remove_pis=True)
    root: Any = None
    agreement: str | None = None
    row = 0
    try:
        for event, element in context:
            if root is None:
                root = element
                if element.getroottree().docinfo.doctype:
                    raise FeedRefused("The document has a DOCTYPE; a catalogue must not "
                                      "declare one (DTDs and entities are refused).",
                                      code="feed_doctype")
                if element.tag != ROOT:
                    raise FeedRefused(
                        f"The root element is {element.tag!r}; a PEPPOL catalogue is a UBL "
                        f"Catalogue in the namespace {UBL_CATALOGUE}.",
                        details={"root": str(element.tag)})
                continue
            if event != "end" or element.getparent() is not root:
                continue
            if element.tag == CONTRACT and agreement is None:
                agreement = _text(element, "cbc:ID")
            elif element.tag == LINE:
                if agreement is None:
                    raise FeedRefused("The catalogue has no cac:ReferencedContract/cbc:ID "
                                      "(the framework agreement) before its lines.",
                                      code="feed_no_contract")
                row += 1
                yield line_record(row, element, agreement)
            element.clear()
            while element.getprevious() is not None:  # drop what has been read
                del root[0]
    except etree.XMLSyntaxError as exc:
        raise _refuse_syntax(exc) from None
    if root is None:
        raise FeedRefused("The document is empty.")
    if agreement is None:
        raise FeedRefused("The catalogue has no cac:ReferencedContract/cbc:ID (the framework "
                          "agreement).", code="feed_no_contract")
