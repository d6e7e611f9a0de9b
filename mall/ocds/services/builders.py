"""Pure functions from stored rows to OCDS 1.1 releases (no session, no clock, no Flask).

A release is built only from facts already stored, each dated by the write that made it, so
the same rows always give the same releases (ids and dates included) and ``since=`` can
select by release date. The fields outside the core schema follow the OCDS extensions that
define them: ``tender.lots`` / ``items.relatedLot`` (lots), ``tender.techniques``
(techniques) and ``parties.details.scale`` (party scale).

What a regulator would not publish stays out: a competition's quotes are sealed, so its
tender release names neither who quoted nor at what price; the tenderers and the winning
price appear only with the award, and a competition cancelled before any award never
discloses who quoted. Requisitions that never became an order or a competition (drafts,
blocked, rejected, cancelled before publication) are not contracting processes at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from mall.accounts.models import Organization, SizeClass
from mall.catalog.models import Agreement, AgreementSupplier, Category, ItemCeiling
from mall.orders.models import (
    Competition,
    CompetitionStatus,
    OrderStatus,
    PurchaseOrder,
    Quote,
    Requisition,
)

Release = dict[str, Any]

# A purchase order is an OCDS contract; its status maps onto the closed contractStatus list.
CONTRACT_STATUS = {
    OrderStatus.placed: "active", OrderStatus.confirmed: "active",
    OrderStatus.shipped: "active", OrderStatus.delivered: "active",
    OrderStatus.accepted: "terminated",  # delivered, accepted: the contract has run its course
    OrderStatus.rejected: "cancelled", OrderStatus.cancelled: "cancelled",
}
AWARD_CRITERIA = {"lowest_price": "priceOnly", "best_value": "ratedCriteria"}


@dataclass(frozen=True)
class Context:
    """What every builder may look up: the prefix, the center and the rows referenced."""

    prefix: str
    center: Organization | None
    organizations: Mapping[int, Organization]
    categories: Mapping[int, Category]
    agreements: Mapping[int, Agreement]

    def ocid(self, kind: str, key: int) -> str:
        return f"{self.prefix}-{kind}-{key}"


def _aware(value: datetime) -> datetime:
    """A stored time with its UTC offset (SQLite hands them back naive)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def timestamp(value: datetime) -> str:
    """An OCDS date-time: ISO 8601 in UTC."""
    return _aware(value).astimezone(UTC).isoformat().replace("+00:00", "Z")


def day_start(value: date) -> str:
    return f"{value.isoformat()}T00:00:00Z"


def day_end(value: date) -> str:
    return f"{value.isoformat()}T23:59:59Z"


def amount(value: Decimal, currency: str) -> dict[str, Any]:
    # JSON numbers: two-decimal amounts print exactly as their shortest float repr.
    return {"amount": float(value), "currency": currency}


def party_id(organization: Organization) -> str:
    return f"org-{organization.id}"


def party(organization: Organization, roles: Iterable[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": party_id(organization), "name": organization.name,
                            "roles": sorted(set(roles))}
    if organization.credit_code:
        body["identifier"] = {"id": organization.credit_code,
                              "legalName": organization.name}
    if organization.region != "*":  # "*": the center, national
        body["address"] = {"region": organization.region}
    if organization.kind == "supplier" and organization.size:
        body["details"] = {"scale": "large" if organization.size == SizeClass.large
                           else "sme"}
    return body


def reference(organization: Organization) -> dict[str, str]:
    return {"id": party_id(organization), "name": organization.name}


@dataclass
class Parties:
    """The parties of one release, each once with the union of its roles."""

    roles: dict[int, set[str]] = field(default_factory=dict)
    rows: dict[int, Organization] = field(default_factory=dict)

    def add(self, organization: Organization | None, *roles: str) -> None:
        if organization is None:
            return
        self.rows[organization.id] = organization
        self.roles.setdefault(organization.id, set()).update(roles)

    def as_list(self) -> list[dict[str, Any]]:
        return [party(self.rows[key], self.roles[key]) for key in sorted(self.rows)]


def release(ocid: str, suffix: str, when: datetime, tags: Sequence[str], parties: Parties,
            **sections: Any) -> Release:
    body: Release = {"ocid": ocid, "id": f"{ocid}-{suffix}", "date": timestamp(when),
                     "tag": list(tags), "initiationType": "tender"}
    if parties.rows:
        body["parties"] = parties.as_list()
    body.update({k: v for k, v in sections.items() if v is not None})
    return body


def classification(category: Category | None) -> dict[str, str] | None:
    if category is None:
        return None
    return {"scheme": category.scheme, "id": category.code, "description": category.name_zh}


# --- the framework agreement: the first stage -------------------------------------------------

def framework_ocid(ctx: Context, agreement_id: int) -> str:
    return ctx.ocid("agreement", agreement_id)


def framework_releases(ctx: Context, agreement: Agreement, awards: Sequence[AgreementSupplier],
                       ceilings: Sequence[ItemCeiling],
                       item_titles: Mapping[tuple[int, str], str]) -> list[Release]:
    """The tender (lots, ceiling per lot), then one award per awarded supplier.

    Each award lists the supplier's ceiling prices as items with a unit value: one per lot
    with a lot ceiling, one per awarded item (SKU) with its own.
    """
    ocid = framework_ocid(ctx, agreement.id)
    lots = sorted(agreement.lots, key=lambda lot: lot.code)
    period = {"startDate": day_start(agreement.starts_on), "endDate": day_end(agreement.ends_on)}
    tender_parties = Parties()
    tender_parties.add(ctx.center, "buyer", "procuringEntity")
    center_ref = reference(ctx.center) if ctx.center else None
    tender = {
        "id": agreement.number, "title": agreement.title,
        "status": "complete" if awards else "active",
        "mainProcurementCategory": "goods",
        "techniques": {"hasFrameworkAgreement": True},
        "procuringEntity": center_ref,
        "lots": [{"id": lot.code, "title": lot.title or lot.code, "status": "active",
                  **({"value": amount(lot.ceiling_price, agreement.currency)}
                     if lot.ceiling_price is not None else {})} for lot in lots],
        "items": [{"id": f"lot-{lot.code}", "description": lot.title or lot.code,
                   "classification": classification(ctx.categories.get(lot.category_id)),
                   "relatedLot": lot.code} for lot in lots],
        "contractPeriod": period,
    }
    releases = [release(ocid, "tender", agreement.created_at, ["tender"], tender_parties,
                        buyer=center_ref, tender=compact(tender))]
    by_supplier: dict[int, list[ItemCeiling]] = {}
    for ceiling in ceilings:
        by_supplier.setdefault(ceiling.supplier_id, []).append(ceiling)
    for award in sorted(awards, key=lambda a: a.supplier_id):
        supplier = ctx.organizations[award.supplier_id]
        items = [{"id": f"lot-{lot.code}", "description": lot.title or lot.code,
                  "relatedLot": lot.code,
                  "unit": {"name": "ceiling", "value": amount(lot.ceiling_price,
                                                               agreement.currency)}}
                 for lot in lots if lot.ceiling_price is not None]
        items += [{"id": f"sku-{c.sku}",
                   "description": item_titles.get((c.supplier_id, c.sku), c.sku),
                   "unit": {"name": "ceiling", "value": amount(c.ceiling_price,
                                                                agreement.currency)}}
                  for c in sorted(by_supplier.get(award.supplier_id, []), key=lambda c: c.sku)]
        parties = Parties()
        parties.add(supplier, "supplier")
        body = {"id": f"{agreement.number}-{supplier.id}", "status": "active",
                "date": timestamp(award.awarded_at), "suppliers": [reference(supplier)],
                "contractPeriod": period}
        if items:
            body["items"] = items
        releases.append(release(ocid, f"award-{supplier.id}", award.awarded_at, ["award"],
                                parties, awards=[body]))
    return releases


# --- call-offs: the second stage -------------------------------------------------------------

def related_frameworks(ctx: Context, requisition: Requisition) -> list[dict[str, Any]]:
    """``relatedProcesses``: the framework of every agreement the call-off buys under."""
    agreement_ids = sorted({line.agreement_id for line in requisition.lines})
    return [compact({"id": str(n), "relationship": ["framework"],
                     "title": ctx.agreements[a].title if a in ctx.agreements else None,
                     "scheme": "ocid", "identifier": framework_ocid(ctx, a)})
            for n, a in enumerate(agreement_ids, start=1)]


def requisition_items(ctx: Context, requisition: Requisition) -> list[dict[str, Any]]:
    """What is bought, without prices (a competition's prices are the quotes)."""
    return [compact({"id": f"line-{line.id}", "description": line.title,
                     "classification": classification(ctx.categories.get(line.category_id)),
                     "quantity": line.quantity}) for line in requisition.lines]


def _order_lines(order: PurchaseOrder, ctx: Context) -> list[dict[str, Any]]:
    return [compact({"id": f"order-line-{line.id}", "description": line.title,
                     "classification": classification(ctx.categories.get(line.category_id)),
                     "quantity": line.quantity,
                     "unit": {"value": amount(line.unit_price, line.currency)}})
            for line in order.lines]


def order_contract(order: PurchaseOrder, award_id: str, ctx: Context,
                   status: str = "active") -> dict[str, Any]:
    return {"id": f"order-{order.id}", "awardID": award_id, "title": f"Purchase order {order.id}",
            "status": status, "value": amount(order.total, order.currency),
            "dateSigned": timestamp(order.created_at), "items": _order_lines(order, ctx)}


def contract_updates(ocid: str, ctx: Context, orders: Sequence[PurchaseOrder],
                     award_id: Any) -> list[Release]:
    """One release per order whose status moved on from ``placed`` (its current status)."""
    updates = []
    for order in orders:
        if order.status == OrderStatus.placed:
            continue
        status = CONTRACT_STATUS[OrderStatus(order.status)]
        tag = "contractUpdate" if status == "active" else "contractTermination"
        updates.append(release(
            ocid, f"order-{order.id}-{order.status}", order.updated_at, [tag], Parties(),
            contracts=[{"id": f"order-{order.id}", "awardID": award_id(order),
                        "status": status}]))
    return updates


def direct_ocid(ctx: Context, requisition_id: int) -> str:
    return ctx.ocid("order", requisition_id)


def direct_releases(ctx: Context, requisition: Requisition,
                    orders: Sequence[PurchaseOrder]) -> list[Release]:
    """A direct call-off (or a rotation turn): awarded and contracted when ordered."""
    if not orders:
        return []
    ocid = direct_ocid(ctx, requisition.id)
    orders = sorted(orders, key=lambda o: o.id)
    buyer = ctx.organizations[requisition.purchaser_organization_id]
    parties = Parties()
    parties.add(buyer, "buyer", "procuringEntity")
    rotation = any(line.assignment == "rotation" for line in requisition.lines)
    awards, contracts = [], []
    for order in orders:
        supplier = ctx.organizations[order.supplier_id]
        parties.add(supplier, "supplier")
        awards.append({"id": f"order-{order.id}", "status": "active",
                       "date": timestamp(order.created_at),
                       "value": amount(order.total, order.currency),
                       "suppliers": [reference(supplier)], "items": _order_lines(order, ctx)})
        contracts.append(order_contract(order, f"order-{order.id}", ctx))
    tender = {"id": f"requisition-{requisition.id}", "status": "complete",
              "procurementMethod": "direct",
              "procurementMethodDetails": "Order rotation under a framework agreement"
              if rotation else "Direct call-off under a framework agreement",
              "mainProcurementCategory": "goods", "procuringEntity": reference(buyer),
              "items": requisition_items(ctx, requisition),
              "value": amount(requisition.total, requisition.currency)}
    first = min(orders, key=lambda o: (o.created_at, o.id))
    releases = [release(ocid, "award", first.created_at, ["tender", "award", "contract"],
                        parties, buyer=reference(buyer), tender=tender, awards=awards,
                        contracts=contracts,
                        relatedProcesses=related_frameworks(ctx, requisition))]
    return releases + contract_updates(ocid, ctx, orders, lambda o: f"order-{o.id}")


def competition_ocid(ctx: Context, competition_id: int) -> str:
    return ctx.ocid("competition", competition_id)


def competition_releases(ctx: Context, competition: Competition, quotes: Sequence[Quote],
                         orders: Sequence[PurchaseOrder]) -> list[Release]:
    """A second-stage competition: its tender, then its award or its cancellation."""
    requisition = competition.requisition
    assert requisition is not None  # only requisitions' competitions are published
    ocid = competition_ocid(ctx, competition.id)
    buyer = ctx.organizations[requisition.purchaser_organization_id]
    related = related_frameworks(ctx, requisition)
    parties = Parties()
    parties.add(buyer, "buyer", "procuringEntity")
    tender_id = f"competition-{competition.id}"
    tender = {
        "id": tender_id, "status": "active", "procurementMethod": "selective",
        "procurementMethodDetails": "Mini-competition among the framework's suppliers"
        + (" (reserved for SMEs)" if competition.sme_only else ""),
        "mainProcurementCategory": "goods", "procuringEntity": reference(buyer),
        "awardCriteria": AWARD_CRITERIA.get(competition.method, "priceOnly"),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": timestamp(competition.created_at),
                         "endDate": timestamp(competition.deadline)},
        "items": requisition_items(ctx, requisition),
    }
    releases = [release(ocid, "tender", competition.created_at, ["tender"], parties,
                        buyer=reference(buyer), tender=tender, relatedProcesses=related)]
    cancellation, winner = competition_outcome(ocid, tender_id, competition, quotes)
    if cancellation is not None:
        return [*releases, cancellation]
    if winner is None or competition.awarded_at is None:
        return releases  # quoting open or being evaluated: the quotes stay sealed
    award_parties = Parties()
    for quote in quotes:
        award_parties.add(ctx.organizations[quote.supplier_id], "tenderer")
    award_parties.add(ctx.organizations[winner.supplier_id], "supplier")
    award_id = f"competition-{competition.id}"
    lines = {line.id: line for line in requisition.lines}
    award = {"id": award_id, "status": "active", "date": timestamp(competition.awarded_at),
             "value": amount(winner.total, winner.currency),
             "suppliers": [reference(ctx.organizations[winner.supplier_id])],
             "items": [compact({
                 "id": f"line-{q['line_id']}",
                 "description": lines[int(q["line_id"])].title
                 if int(q["line_id"]) in lines else None,
                 "quantity": lines[int(q["line_id"])].quantity
                 if int(q["line_id"]) in lines else None,
                 "unit": {"value": amount(Decimal(q["unit_price"]), winner.currency)}})
                 for q in winner.lines]}
    tenderers = sorted({q.supplier_id for q in quotes})
    orders = sorted(orders, key=lambda o: o.id)
    releases.append(release(
        ocid, "award", competition.awarded_at, ["tenderUpdate", "award", "contract"],
        award_parties,
        tender={"id": tender_id, "status": "complete",
                "tenderPeriod": {"startDate": timestamp(competition.created_at),
                                 "endDate": timestamp(quoting_ended(competition))},
                "numberOfTenderers": len(tenderers),
                "tenderers": [reference(ctx.organizations[s]) for s in tenderers]},
        awards=[award], contracts=[order_contract(o, award_id, ctx) for o in orders] or None))
    return releases + contract_updates(ocid, ctx, orders, lambda _o: award_id)


def competition_outcome(ocid: str, tender_id: str, competition: Competition,
                        quotes: Sequence[Quote]) -> tuple[Release | None, Quote | None]:
    """How a competition has ended, as far as the public may learn it.

    ``(cancellation release, None)`` once cancelled; ``(None, winning quote)`` once awarded;
    ``(None, None)`` while quoting is open or being evaluated, when the quotes stay sealed.
    """
    if competition.status == CompetitionStatus.cancelled and competition.cancelled_at:
        return release(ocid, "cancellation", competition.cancelled_at, ["tenderCancellation"],
                       Parties(), tender={"id": tender_id, "status": "cancelled"}), None
    if competition.status != CompetitionStatus.awarded or competition.awarded_at is None:
        return None, None
    return None, next((q for q in quotes if q.id == competition.awarded_quote_id), None)


def quoting_ended(competition: Competition) -> datetime:
    """Quoting ended at the deadline, or earlier when the buyer closed it once all had quoted."""
    if competition.closed_at is None:
        return competition.deadline
    return min(_aware(competition.deadline), _aware(competition.closed_at))


def compact(body: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is not known rather than publishing nulls."""
    return {k: v for k, v in body.items() if v is not None}
