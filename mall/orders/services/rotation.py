"""Order rotation (顺序轮候): under a ``rotation`` agreement the system picks the supplier.

A requisition line may name a product instead of an offer (``{product_id, quantity,
agreement_number?}``). Per (agreement, product) the awarded suppliers with an offer for it
form a queue, least recently served first (never served first, in award order, then by
supplier id). The turn goes to the first one whose offer is eligible for this purchase,
judged by the same pure ``eligibility_rule`` the routing applies (offer active and in date,
stock for the quantity, delivery to the purchaser's region, price within the ceiling,
supplier active and awarded). The ones before it are skipped and keep their place, so a
supplier that was out of stock is served next once it can deliver again.

Concurrency: the (agreement, product) turn row is locked ``FOR UPDATE`` (level 2 of
``mall.locks``: after the purchaser-category locks, before offer rows) until commit, so
two requisitions never take one turn. A turn is used (the counter advances, the supplier
goes to the back of the queue) only when the requisition goes on towards an order, direct
or through approval; a blocked one, or one sent to competition, leaves the queue as it was.

When every line of a category was assigned by rotation, the rotation is the agreement's
second stage: an amount that would otherwise need a competition routes by the approval
limits instead; above the e-mall's top tier it is still blocked.

Just past 400 lines: resolving a product line, taking the turn under its lock and wording the
reason are one sequence over the same queue; split, the lock's reach would be harder to see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.catalog.models import Agreement, AgreementSupplier, Offer, OfferStatus, SecondStage
from mall.errors import NotFound, RuleViolation
from mall.locks import for_update, is_postgres
from mall.orders.compliance.engine import Decision
from mall.orders.compliance.outcomes import PASS, STRICTNESS, Route
from mall.orders.compliance.profiles import Profile
from mall.orders.compliance.rules import (
    Facts,
    LineFacts,
    RuleResult,
    approval_limits_rule,
    eligibility_rule,
)
from mall.orders.models import (
    MAX_LINE_QUANTITY,
    LineAssignment,
    Requisition,
    RotationPosition,
    RotationTurn,
)
from mall.orders.services.facts import line_facts

# The routes on which the assigned supplier's order goes ahead, so its turn is used.
TURN_USED_ON = frozenset({Route.direct, Route.approval})


@dataclass(frozen=True)
class ProductLine:
    """A requested line naming a product: the supplier is assigned by rotation."""

    product_id: int
    quantity: int
    agreement_number: str | None = None


# What a requisition line may ask for: (offer_id, quantity), chosen by the purchaser, or a
# product to be assigned by rotation.
RequestedLine = tuple[int, int] | ProductLine


def requested_line(data: Mapping[str, Any]) -> RequestedLine:
    """One validated API line (``RequisitionLineSchema``) as the service takes it."""
    if data.get("product_id") is not None:
        return ProductLine(data["product_id"], data["quantity"], data.get("agreement_number"))
    return data["offer_id"], data["quantity"]


def split_lines(lines: Iterable[RequestedLine]) -> tuple[list[tuple[int, int]],
                                                         list[ProductLine]]:
    """(offer lines, product lines) of a request."""
    offer_lines: list[tuple[int, int]] = []
    product_lines: list[ProductLine] = []
    for line in lines:
        if isinstance(line, ProductLine):
            product_lines.append(line)
        else:
            offer_lines.append(line)
    return offer_lines, product_lines


@dataclass(frozen=True)
class Wanted:
    """A product line resolved to its rotation agreement (quantities of one pair merged)."""

    agreement: Agreement
    product_id: int
    quantity: int
    category_id: int


Visible = Callable[[Offer, Organization, date], bool]


def _not_found(line: ProductLine) -> NotFound:
    """The one answer for a product that does not exist and one the buyer may not see."""
    under = f" under agreement {line.agreement_number}" if line.agreement_number else ""
    return NotFound(f"No such product{under}: {line.product_id}.", code="product_not_found",
                    details={"product_id": line.product_id,
                             "agreement_number": line.agreement_number})


def resolve_product_lines(session: Session, organization: Organization,
                          lines: Sequence[ProductLine], today: date,
                          visible: Visible) -> list[Wanted]:
    """Each product line's rotation agreement, from the offers the purchaser may see.

    404 ``product_not_found`` when it sees none (under the named agreement); 422
    ``product_not_in_rotation`` when none of them is under a rotation agreement (name an
    offer instead); 422 ``agreement_number_required`` when several rotation agreements
    offer it. Nothing is locked yet: this runs before the purchaser-category locks.
    """
    quantities: dict[tuple[int, int], int] = defaultdict(int)
    agreements: dict[int, tuple[Agreement, int]] = {}
    for line in lines:
        offers = [o for o in session.scalars(select(Offer).where(
            Offer.product_id == line.product_id).order_by(Offer.id))
            if visible(o, organization, today)
            and line.agreement_number in (None, o.agreement.number)]
        if not offers:
            raise _not_found(line)
        rotation = {o.agreement_id: o for o in offers
                    if o.agreement.second_stage == SecondStage.rotation}
        if not rotation:
            numbers = sorted({o.agreement.number for o in offers})
            raise RuleViolation(
                f"Product {line.product_id} is not bought by rotation (agreement "
                f"{', '.join(numbers)}): choose one of its offers and send offer_id.",
                code="product_not_in_rotation",
                details={"product_id": line.product_id, "agreements": numbers})
        if len(rotation) > 1:
            numbers = sorted(o.agreement.number for o in rotation.values())
            raise RuleViolation(
                f"Product {line.product_id} rotates under several agreements "
                f"({', '.join(numbers)}): send agreement_number to say which.",
                code="agreement_number_required",
                details={"product_id": line.product_id, "agreements": numbers})
        offer = next(iter(rotation.values()))
        agreements[offer.agreement_id] = (offer.agreement, offer.category_id)
        quantities[(offer.agreement_id, line.product_id)] += line.quantity
    too_many = [{"product_id": pid, "quantity": qty, "max_quantity": MAX_LINE_QUANTITY}
                for (_, pid), qty in quantities.items() if qty > MAX_LINE_QUANTITY]
    if too_many:
        raise RuleViolation(f"At most {MAX_LINE_QUANTITY:,} of one product per requisition.",
                            code="quantity_above_limit", details={"lines": too_many})
    return [Wanted(agreements[aid][0], pid, qty, agreements[aid][1])
            for (aid, pid), qty in sorted(quantities.items())]


def category_ids(wanted: Iterable[Wanted]) -> set[int]:
    return {w.category_id for w in wanted}


@dataclass(frozen=True)
class Skip:
    """A supplier passed over in turn order, with why (it keeps its place)."""

    supplier_id: int
    supplier_name: str
    offer_id: int
    problems: tuple[str, ...]
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"supplier_id": self.supplier_id, "supplier_name": self.supplier_name,
                "offer_id": self.offer_id, "problems": list(self.problems)}


@dataclass(frozen=True)
class Pick:
    """The supplier whose turn it is for one product line, and who was skipped before it."""

    turn: RotationTurn
    agreement: Agreement
    product_id: int
    quantity: int
    offer: Offer
    facts: LineFacts
    queue: tuple[int, ...]
    skipped: tuple[Skip, ...] = field(default=())

    @property
    def next_seq(self) -> int:
        return self.turn.seq + 1


def lock_turn(session: Session, agreement_id: int, product_id: int) -> RotationTurn:
    """Level 2 of ``mall.locks``: the (agreement, product) turn row, created if missing."""
    values = {"agreement_id": agreement_id, "product_id": product_id, "seq": 0}
    insert = postgresql_insert if is_postgres(session) else sqlite_insert
    session.execute(insert(RotationTurn).values(**values).on_conflict_do_nothing(
        index_elements=["agreement_id", "product_id"]))
    turn: RotationTurn = session.scalars(for_update(select(RotationTurn).where(
        RotationTurn.agreement_id == agreement_id,
        RotationTurn.product_id == product_id))).one()
    return turn


def queue_key(last_served_seq: int | None, awarded_at: datetime,
              supplier_id: int) -> tuple[bool, int, datetime, int]:
    """Least recently served first; never served first of all, in award order."""
    return last_served_seq is not None, last_served_seq or 0, awarded_at, supplier_id


def _eligibility(facts: LineFacts, profile: Profile, on: date, region: str) -> RuleResult:
    return eligibility_rule(Facts(profile=profile, on=on, currency=facts.currency,
                                  purchaser_region=region, own_total=facts.line_total,
                                  lines=(facts,), categories=()))[0]


def _reserved_for_smes(offer: Offer) -> Skip:
    return Skip(offer.supplier_id, offer.supplier.name, offer.id, ("large_supplier",),
                "本采购预留给中小企业，该供应商为大型企业。",
                "the purchase is reserved for SMEs and this supplier is large.")


def _pick(session: Session, organization: Organization, profile: Profile, on: date,
          wanted: Wanted, sme_only: bool, region: str) -> Pick:
    turn = lock_turn(session, wanted.agreement.id, wanted.product_id)
    # Read after the lock: what the previous holder committed is what counts.
    rows = session.execute(
        select(Offer, AgreementSupplier.awarded_at)
        .join(AgreementSupplier, and_(AgreementSupplier.agreement_id == Offer.agreement_id,
                                      AgreementSupplier.supplier_id == Offer.supplier_id))
        .where(Offer.agreement_id == wanted.agreement.id,
               Offer.product_id == wanted.product_id)
        .execution_options(populate_existing=True)).all()
    positions = {p.supplier_id: p.last_served_seq for p in session.scalars(
        select(RotationPosition).where(RotationPosition.agreement_id == wanted.agreement.id,
                                       RotationPosition.product_id == wanted.product_id)
        .execution_options(populate_existing=True))}
    offers: dict[int, list[Offer]] = defaultdict(list)
    awarded_at: dict[int, datetime] = {}
    for offer, at in rows:
        offers[offer.supplier_id].append(offer)
        awarded_at[offer.supplier_id] = at
    queue = sorted(offers, key=lambda s: queue_key(positions.get(s), awarded_at[s], s))
    skipped: list[Skip] = []
    for supplier_id in queue:
        if sme_only and not offers[supplier_id][0].supplier.is_sme:
            skipped.append(_reserved_for_smes(offers[supplier_id][0]))
            continue
        # A supplier's active offers first, cheapest first; the first eligible one serves.
        mine = sorted(offers[supplier_id],
                      key=lambda o: (o.status != OfferStatus.active, o.price, o.id))
        judged = [(o, line_facts(session, o, wanted.quantity)) for o in mine]
        results = [(o, f, _eligibility(f, profile, on, region)) for o, f in judged]
        chosen = next(((o, f) for o, f, r in results if r.outcome == PASS), None)
        if chosen is not None:
            return Pick(turn, wanted.agreement, wanted.product_id, wanted.quantity,
                        chosen[0], chosen[1], tuple(queue), tuple(skipped))
        offer, _, result = results[0]
        skipped.append(Skip(supplier_id, offer.supplier.name, offer.id,
                            tuple(result.inputs["problems"]), result.message_zh,
                            result.message_en))
    raise RuleViolation(
        f"No awarded supplier under agreement {wanted.agreement.number} can supply product "
        f"{wanted.product_id} for this purchase now: "
        + " ".join(f"{s.supplier_name}: {s.message_en}" for s in skipped)
        + " Nothing was saved; try a smaller quantity or later.",
        code="rotation_no_eligible_supplier",
        details={"product_id": wanted.product_id, "agreement_number": wanted.agreement.number,
                 "skipped": [s.as_dict() for s in skipped]})


def take_turns(session: Session, organization: Organization, profile: Profile,
               wanted: Sequence[Wanted], on: date, sme_only: bool = False,
               region: str | None = None) -> list[Pick]:
    """Lock each (agreement, product) turn in key order and find whose turn it is.

    Call after the purchaser-category locks; nothing is advanced yet (``advance_turns``).
    ``sme_only`` (an SME-reserved purchase, 预留份额): large suppliers are skipped too.
    ``region``: where the order is delivered (a chosen delivery address), else the
    organization's own region.
    422 ``rotation_no_eligible_supplier`` when nobody in the queue can supply the line.
    """
    return [_pick(session, organization, profile, on, w, sme_only, region or organization.region)
            for w in sorted(wanted, key=lambda w: (w.agreement.id, w.product_id))]


def planned_lines(picks: Iterable[Pick]) -> list[tuple[int, int, LineAssignment]]:
    """(offer_id, quantity, assignment) of the rotation lines, as the requisition stores them."""
    return [(p.offer.id, p.quantity, LineAssignment.rotation) for p in picks]


def as_second_stage(decision: Decision, facts: Facts, picks: Sequence[Pick]) -> Decision:
    """A competition the tiers ask for is replaced by the rotation where it already chose.

    Applies when every category that needs a competition has only rotation lines: the
    requisition then routes by the approval limits, with a result saying why.
    """
    if decision.route != Route.competition or not picks:
        return decision
    rotated = {id(p.facts) for p in picks}
    only_rotation = {c.category_code for c in facts.categories
                     if all(id(li) in rotated for li in facts.lines
                            if li.category_id == c.category_id)}
    tiers = [r for r in decision.results if r.rule == "tier"]
    competing = {r.inputs["category"] for r in tiers if r.outcome == Route.competition}
    if not competing <= only_rotation:
        return decision
    route = max((Route.direct if r.outcome == Route.competition else Route(r.outcome)
                 for r in tiers), key=STRICTNESS.__getitem__, default=Route.direct)
    limits = approval_limits_rule(facts)
    if route == Route.direct and limits.outcome == Route.approval:
        route = Route.approval
    required = int(limits.inputs.get("required_approvals") or 0)
    notes = [RuleResult(
        "rotation_second_stage", PASS,
        f"类目 {code} 的各行均已按顺序轮候分配供应商，顺序轮候即该框架协议的二次采购方式，"
        "无需再行竞价，按审批限额办理。",
        f"Category {code}: every line was assigned by rotation, the agreement's second-stage "
        "method, so no competition is held; the approval limits apply.",
        {"category": code, "instead_of": Route.competition})
        for code in sorted(competing)]
    return Decision(route, required if route == Route.approval else 0,
                    (*decision.results, *notes, limits))


def rotation_result(pick: Pick, route: Route) -> RuleResult:
    """Whose turn it was, who was skipped and why, and whether the turn is used."""
    used = route in TURN_USED_ON
    supplier = pick.offer.supplier.name
    product = f"{pick.offer.brand} {pick.offer.model}"
    number, sku = pick.agreement.number, pick.offer.sku
    zh_turn, en_turn = (f"，第 {pick.next_seq} 轮", f", turn {pick.next_seq}") if used else ("", "")
    zh = f"顺序轮候（框架协议 {number}，商品 {product}{zh_turn}）："
    en = f"Rotation (agreement {number}, product {product}{en_turn}): "
    if pick.skipped:
        first = pick.skipped[0].supplier_name
        zh += f"轮到供应商「{first}」，但跳过：" + "；".join(
            f"「{s.supplier_name}」{s.message_zh.rstrip('。')}" for s in pick.skipped)
        zh += f"。按顺序由下一家供应商「{supplier}」以商品 {sku} 供货；被跳过的供应商保留原顺序。"
        en += f"it was {first}'s turn, but skipped: " + "; ".join(
            f"{s.supplier_name} ({s.message_en.rstrip('.')})" for s in pick.skipped)
        en += (f". The next in turn, {supplier}, supplies offer {sku}; the skipped suppliers "
               "keep their place.")
    else:
        zh += f"轮到供应商「{supplier}」，由其商品 {sku} 供货。"
        en += f"it is {supplier}'s turn; its offer {sku} is assigned."
    if route == Route.blocked:
        zh += "本申请被禁止，本轮不计，轮候顺序不变。"
        en += " The requisition is blocked, so the turn is not used; the order stays as it was."
    elif not used:
        zh += "本申请转二次竞价，本轮不计，轮候顺序不变。"
        en += " The requisition goes to a competition, so the turn is not used."
    inputs = {
        "product_id": pick.product_id, "agreement": number, "agreement_id": pick.agreement.id,
        "supplier_id": pick.offer.supplier_id, "supplier_name": supplier,
        "offer_id": pick.offer.id, "sku": sku, "quantity": pick.quantity,
        "turn": pick.next_seq if used else None, "turn_used": used, "queue": list(pick.queue),
        "skipped": [s.as_dict() for s in pick.skipped],
    }
    return RuleResult("rotation", PASS, zh, en, inputs)


def with_rotation_reasons(decision: Decision, picks: Sequence[Pick]) -> Decision:
    """The decision with one ``rotation`` result per rotation line, first in the reasons."""
    if not picks:
        return decision
    results = tuple(rotation_result(p, decision.route) for p in picks)
    return Decision(decision.route, decision.required_approvals, (*results, *decision.results))


def advance_turns(session: Session, picks: Sequence[Pick], requisition: Requisition,
                  now: datetime) -> None:
    """Use the turns (the requisition is going ahead): each served supplier to the back.

    Runs under the turn locks, before any offer row is locked or any audit recorded.
    """
    if requisition.route not in TURN_USED_ON:
        return
    for pick in picks:
        pick.turn.seq = pick.next_seq
        key = (pick.agreement.id, pick.product_id, pick.offer.supplier_id)
        position = session.get(RotationPosition, key, populate_existing=True)
        if position is None:
            position = RotationPosition(agreement_id=key[0], product_id=key[1],
                                        supplier_id=key[2], served_count=0,
                                        last_served_seq=pick.turn.seq)
            session.add(position)
        position.last_served_seq = pick.turn.seq
        position.served_count += 1
        position.last_served_at = now
        position.last_requisition_id = requisition.id
    session.flush()


def assignment_events(picks: Sequence[Pick], requisition: Requisition,
                      actor: User) -> list[dict[str, Any]]:
    """One ``rotation.assign`` audit event per turn used (``audit.record``'s keywords)."""
    if requisition.route not in TURN_USED_ON:
        return []
    lines = [li for li in requisition.lines if li.assignment == LineAssignment.rotation]
    return [{"action": "rotation.assign", "target_type": "requisition",
             "target_id": requisition.id, "actor": actor,
             "after": {"requisition_line_id": line.id, "agreement": pick.agreement.number,
                       "product_id": pick.product_id, "supplier_id": pick.offer.supplier_id,
                       "offer_id": pick.offer.id, "turn": pick.turn.seq,
                       "skipped": [s.as_dict() for s in pick.skipped]}}
            for pick, line in zip(picks, lines, strict=True)]
