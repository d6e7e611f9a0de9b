"""A joint purchase (联合采购, ``mall.joint``) as an OCDS call-off with several buyers.

Pure, like ``builders``: stored rows in, releases out. One process per campaign that closed
into a competition (``{prefix}-joint-{id}``):

- ``-tender`` (``tender``; dated at the close, when the competition was announced to the
  framework's suppliers): the item, the total quantity committed, the lot, the tender period;
- ``-award`` (``tenderUpdate``, ``award``; awarded): the tenderers, the winner, its unit
  price; or ``-cancellation`` (``tenderCancellation``) when its competition was cancelled;
- ``-contract-order-{id}`` (``contract``; the order placed): one contract per participant's
  purchase order, that participant in ``parties`` with the role ``buyer``; then the orders'
  updates as for every call-off.

A campaign still taking commitments has announced nothing to suppliers (purchasers are
gathering demand), so it is not published. Purchasers never learn who else committed
(``mall.joint.serializers``); the public learns it no earlier than the purchasers do: no
participant is named, nor its quantity, before its order. The tender carries only the
total, which every invited supplier sees. A lead that is a purchaser is named (as the
procuring entity) with the award, not before; the center, leading, is named from the tender.

OCDS 1.1 has one ``buyer`` per release and no buyer per contract: the release-level ``buyer``
is left out, each participant is a party with the role ``buyer``, and each contract's
``title`` and ``description`` name its buyer (the contract release carries that buyer only).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from mall.catalog.models import Lot
from mall.joint.models import JointPurchase
from mall.ocds.services.builders import (
    AWARD_CRITERIA,
    Context,
    Parties,
    Release,
    amount,
    classification,
    compact,
    competition_outcome,
    contract_updates,
    framework_ocid,
    order_contract,
    party_id,
    quoting_ended,
    reference,
    release,
    timestamp,
)
from mall.orders.models import Competition, PurchaseOrder, Quote


def joint_ocid(ctx: Context, joint_purchase_id: int) -> str:
    return ctx.ocid("joint", joint_purchase_id)


def _related(ctx: Context, campaign: JointPurchase) -> list[dict[str, Any]]:
    agreement = ctx.agreements.get(campaign.agreement_id)
    return [compact({"id": "1", "relationship": ["framework"],
                     "title": agreement.title if agreement else None, "scheme": "ocid",
                     "identifier": framework_ocid(ctx, campaign.agreement_id)})]


def _item(ctx: Context, campaign: JointPurchase, lot: Lot | None,
          unit_price: Decimal | None = None) -> dict[str, Any]:
    return compact({
        "id": f"joint-{campaign.id}", "description": campaign.title,
        "classification": classification(ctx.categories.get(campaign.category_id)),
        "quantity": campaign.total_quantity,
        "relatedLot": lot.code if lot else None,
        "unit": {"value": amount(unit_price, campaign.currency)}
        if unit_price is not None else None})


def joint_releases(ctx: Context, campaign: JointPurchase, lot: Lot | None,
                   competition: Competition, quotes: Sequence[Quote],
                   orders: Sequence[PurchaseOrder]) -> list[Release]:
    """The tender at the close, then the award or the cancellation, then the contracts."""
    if campaign.closed_at is None:
        return []
    ocid = joint_ocid(ctx, campaign.id)
    lead = ctx.organizations.get(campaign.lead_organization_id)
    center_leads = ctx.center is not None and lead is not None and lead.id == ctx.center.id
    parties = Parties()
    if center_leads:
        parties.add(lead, "procuringEntity")
    tender_id = f"joint-{campaign.id}"
    tender = compact({
        "id": tender_id, "title": campaign.title, "status": "active",
        "procurementMethod": "selective",
        "procurementMethodDetails": "Joint purchase: a mini-competition among the framework's "
                                    "suppliers for the demand of several purchasers",
        "mainProcurementCategory": "goods",
        "procuringEntity": reference(lead) if center_leads and lead else None,
        "awardCriteria": AWARD_CRITERIA.get(competition.method, "priceOnly"),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": timestamp(competition.created_at),
                         "endDate": timestamp(competition.deadline)},
        "lots": [compact({"id": lot.code, "title": lot.title or lot.code,
                          "status": "active"})] if lot else None,
        "items": [_item(ctx, campaign, lot)],
    })
    releases = [release(ocid, "tender", campaign.closed_at, ["tender"], parties,
                        tender=tender, relatedProcesses=_related(ctx, campaign))]
    cancellation, winner = competition_outcome(ocid, tender_id, competition, quotes)
    if cancellation is not None:
        return [*releases, cancellation]
    if winner is None or competition.awarded_at is None:
        return releases  # quoting open or being evaluated: quotes and participants sealed
    unit_price = Decimal(winner.lines[0]["unit_price"])
    award_parties = Parties()
    award_parties.add(lead, "procuringEntity")
    tenderers = sorted({q.supplier_id for q in quotes})
    for supplier_id in tenderers:
        award_parties.add(ctx.organizations[supplier_id], "tenderer")
    supplier = ctx.organizations[winner.supplier_id]
    award_parties.add(supplier, "supplier")
    award_id = f"joint-{campaign.id}"
    releases.append(release(
        ocid, "award", competition.awarded_at, ["tenderUpdate", "award"], award_parties,
        tender=compact({
            "id": tender_id, "status": "complete",
            "procuringEntity": reference(lead) if lead else None,
            "tenderPeriod": {"startDate": timestamp(competition.created_at),
                             "endDate": timestamp(quoting_ended(competition))},
            "numberOfTenderers": len(tenderers),
            "tenderers": [reference(ctx.organizations[s]) for s in tenderers]}),
        awards=[{"id": award_id, "status": "active", "date": timestamp(competition.awarded_at),
                 "value": amount(winner.total, winner.currency),
                 "suppliers": [reference(supplier)],
                 "items": [_item(ctx, campaign, lot, unit_price)]}]))
    orders = sorted(orders, key=lambda o: o.id)
    for order in orders:
        buyer = ctx.organizations[order.purchaser_organization_id]
        buyer_parties = Parties()
        # The merge replaces a party's roles: each release lists the party's roles so far.
        buyer_parties.add(buyer, "buyer", *(["procuringEntity"] if lead and buyer.id == lead.id
                                            else []))
        contract = order_contract(order, award_id, ctx)
        contract["title"] = f"Purchase order {order.id}: {buyer.name}"
        contract["description"] = (f"The share of {buyer.name} (party {party_id(buyer)}) "
                                   f"in joint purchase {campaign.id}; its buyer.")
        releases.append(release(ocid, f"contract-order-{order.id}", order.created_at,
                                ["contract"], buyer_parties, contracts=[contract]))
    return releases + contract_updates(ocid, ctx, orders, lambda _o: award_id)
