"""Small named rules. Each takes plain facts and returns results with inputs and outcome.

Rules never touch the database: the engine's caller gathers the facts (under the lock that
makes the cumulative total trustworthy), so every rule can be tested as a pure function and
every decision can be stored with exactly what it was based on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from mall.accounts.models import OrganizationStatus
from mall.catalog.models import AgreementStatus, OfferStatus
from mall.money import line_total
from mall.orders.compliance.outcomes import COUNTED, PASS, Outcome, Route
from mall.orders.compliance.profiles import COMPETITION, MICRO, Profile


def fmt(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


@dataclass(frozen=True)
class RuleResult:
    rule: str
    outcome: Outcome
    message_zh: str
    message_en: str
    inputs: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "outcome": self.outcome, "message_zh": self.message_zh,
                "message_en": self.message_en, "inputs": self.inputs}


@dataclass(frozen=True)
class LineFacts:
    """What eligibility needs to know about one requested line, read from the catalog."""

    offer_id: int
    sku: str
    category_id: int
    quantity: int
    unit_price: Decimal
    currency: str
    offer_status: str
    offer_valid_until: date
    supplier_status: str
    supplier_awarded: bool
    agreement_number: str
    agreement_status: str
    agreement_starts_on: date
    agreement_ends_on: date
    ceiling: Decimal | None
    regions: tuple[str, ...]
    stock: int
    # False for a competition line the winner quoted without an offer of its own: no offer,
    # region or stock to check, only the supplier, the agreement and the ceiling.
    listed: bool = True

    @property
    def line_total(self) -> Decimal:
        return line_total(self.unit_price, self.quantity)


@dataclass(frozen=True)
class EarlierRequisition:
    id: int
    amount: Decimal
    created_at: str


@dataclass(frozen=True)
class CategorySpend:
    category_id: int
    category_code: str
    own_total: Decimal
    earlier: tuple[EarlierRequisition, ...]

    @property
    def cumulative(self) -> Decimal:
        return self.own_total + sum((e.amount for e in self.earlier), Decimal("0"))


@dataclass(frozen=True)
class Facts:
    profile: Profile
    on: date
    currency: str
    purchaser_region: str
    own_total: Decimal
    lines: tuple[LineFacts, ...]
    categories: tuple[CategorySpend, ...]
    one_approver_above: Decimal | None = None
    collective_above: Decimal | None = None
    collective_approvers: int | None = None


def region_covers(regions: tuple[str, ...], purchaser_region: str) -> bool:
    country = purchaser_region.split("-")[0]
    return "*" in regions or purchaser_region in regions or country in regions


def currency_rule(facts: Facts) -> list[RuleResult]:
    """Thresholds are in the profile's currency; other currencies cannot be compared."""
    others = sorted({line.currency for line in facts.lines} - {facts.profile.currency})
    inputs = {"profile_currency": facts.profile.currency, "line_currencies": others}
    if others:
        return [RuleResult(
            "currency", Route.blocked,
            f"本辖区规则以 {facts.profile.currency} 计价，不能评估以 {', '.join(others)} "
            "计价的商品。",
            f"This jurisdiction's thresholds are in {facts.profile.currency}; items priced in "
            f"{', '.join(others)} cannot be evaluated.", inputs)]
    return [RuleResult("currency", PASS, f"币种为 {facts.profile.currency}。",
                       f"Currency is {facts.profile.currency}.", inputs)]


def eligibility_rule(facts: Facts) -> list[RuleResult]:
    """Agreement, supplier and offer active and in date, price ≤ ceiling, region, stock."""
    results: list[RuleResult] = []
    for line in facts.lines:
        problems: list[tuple[str, str, str]] = []
        if line.agreement_status != AgreementStatus.active:
            problems.append(("agreement_inactive", f"框架协议 {line.agreement_number} 未生效",
                             f"agreement {line.agreement_number} is not active"))
        if not line.agreement_starts_on <= facts.on <= line.agreement_ends_on:
            problems.append(("agreement_out_of_date",
                             f"框架协议 {line.agreement_number} 不在有效期内",
                             f"agreement {line.agreement_number} is not in date"))
        if line.supplier_status != OrganizationStatus.active or not line.supplier_awarded:
            problems.append(("supplier_inactive", "供应商未处于有效入围状态",
                             "the supplier is not an active awarded supplier"))
        if line.listed and (line.offer_status != OfferStatus.active
                            or line.offer_valid_until < facts.on):
            problems.append(("offer_inactive", "商品未上架或已过有效期",
                             "the offer is not active or has expired"))
        if line.ceiling is not None and line.unit_price > line.ceiling:
            problems.append(("price_above_ceiling",
                             f"单价 {fmt(line.unit_price, line.currency)} 超过最高限价 "
                             f"{fmt(line.ceiling, line.currency)}",
                             f"unit price {fmt(line.unit_price, line.currency)} is above the "
                             f"ceiling {fmt(line.ceiling, line.currency)}"))
        if line.listed and not region_covers(line.regions, facts.purchaser_region):
            problems.append(("region_not_served", f"不向 {facts.purchaser_region} 供货",
                             f"not delivered to {facts.purchaser_region}"))
        if line.listed and line.stock < line.quantity:
            problems.append(("insufficient_stock",
                             f"库存 {line.stock} 少于需求数量 {line.quantity}",
                             f"stock {line.stock} is less than the quantity {line.quantity}"))
        inputs = {
            "offer_id": line.offer_id, "sku": line.sku, "quantity": line.quantity,
            "unit_price": str(line.unit_price), "ceiling": None if line.ceiling is None
            else str(line.ceiling), "stock": line.stock, "regions": list(line.regions),
            "purchaser_region": facts.purchaser_region, "offer_status": line.offer_status,
            "supplier_status": line.supplier_status, "agreement_status": line.agreement_status,
            "listed": line.listed, "problems": [code for code, _, _ in problems],
        }
        if problems:
            results.append(RuleResult(
                "eligibility", Route.blocked,
                f"商品 {line.sku} 不可购买：" + "；".join(p[1] for p in problems) + "。",
                f"Offer {line.sku} cannot be bought: " + "; ".join(p[2] for p in problems)
                + ".", inputs))
        else:
            results.append(RuleResult(
                "eligibility", PASS, f"商品 {line.sku} 符合购买条件。",
                f"Offer {line.sku} is eligible.", inputs))
    return results


def splitting_rule(facts: Facts) -> list[RuleResult]:
    """Cumulative spend per category in the window; names every earlier requisition counted."""
    zh_window, en_window = facts.profile.window_label()
    results = []
    cur = facts.currency
    for spend in facts.categories:
        inputs = {
            "category_id": spend.category_id, "category": spend.category_code,
            "own_total": str(spend.own_total), "cumulative_total": str(spend.cumulative),
            "window": facts.profile.window, "counted": [
                {"requisition_id": e.id, "amount": str(e.amount), "created_at": e.created_at}
                for e in spend.earlier],
        }
        if spend.earlier:
            ids = ", ".join(f"#{e.id}" for e in spend.earlier)
            results.append(RuleResult(
                "splitting", COUNTED,
                f"类目 {spend.category_code} 在{zh_window}内已有采购申请 {ids} 计入累计金额；"
                f"连同本次合计 {fmt(spend.cumulative, cur)}。",
                f"Category {spend.category_code}: earlier requisitions {ids} in "
                f"{en_window} are counted; with this one the cumulative total is "
                f"{fmt(spend.cumulative, cur)}.", inputs))
        else:
            results.append(RuleResult(
                "splitting", PASS,
                f"类目 {spend.category_code} 在{zh_window}内没有其他计入的采购申请。",
                f"Category {spend.category_code}: no other requisitions in {en_window}.",
                inputs))
    return results


def tier_rule(facts: Facts) -> list[RuleResult]:
    """Route by the larger of the own total and the cumulative total, per category."""
    micro = facts.profile.threshold(MICRO, facts.on)
    ceiling = facts.profile.threshold(COMPETITION, facts.on)
    results = []
    for spend in facts.categories:
        basis = max(spend.own_total, spend.cumulative)
        inputs = {
            "category": spend.category_code, "basis": str(basis),
            "own_total": str(spend.own_total), "cumulative_total": str(spend.cumulative),
            "direct_max": str(micro.amount), "direct_max_from": micro.effective_from.isoformat(),
            "competition_max": str(ceiling.amount),
            "competition_max_from": ceiling.effective_from.isoformat(),
            "currency": micro.currency, "on": facts.on.isoformat(),
        }
        b, m, c = fmt(basis, micro.currency), fmt(micro.amount, micro.currency), \
            fmt(ceiling.amount, ceiling.currency)
        if basis <= micro.amount:
            results.append(RuleResult(
                "tier", Route.direct, f"类目 {spend.category_code} 金额 {b} 不超过直购限额 {m}，"
                "可直接采购。",
                f"Category {spend.category_code}: {b} is within the direct-purchase limit {m}.",
                inputs))
        elif basis <= ceiling.amount:
            results.append(RuleResult(
                "tier", Route.competition,
                f"类目 {spend.category_code} 金额 {b} 超过直购限额 {m}，须在入围供应商中二次竞价。",
                f"Category {spend.category_code}: {b} is above the direct-purchase limit {m}; "
                "a second-stage competition among the agreement's suppliers is required.",
                inputs))
        else:
            results.append(RuleResult(
                "tier", Route.blocked,
                f"类目 {spend.category_code} 金额 {b} 超过 {c}，不能在电子卖场采购，"
                "须采用正式采购程序。",
                f"Category {spend.category_code}: {b} is above {c}; it cannot be bought in "
                "the e-mall, a formal procurement procedure is needed.", inputs))
    return results


def approval_limits_rule(facts: Facts) -> RuleResult:
    """Above X one approver; above Y a collective decision of N distinct approvers."""
    cur = facts.currency
    inputs = {
        "own_total": str(facts.own_total),
        "one_approver_above": None if facts.one_approver_above is None
        else str(facts.one_approver_above),
        "collective_above": None if facts.collective_above is None
        else str(facts.collective_above),
        "collective_approvers": facts.collective_approvers,
    }
    total = fmt(facts.own_total, cur)
    if facts.collective_above is not None and facts.own_total > facts.collective_above:
        n = max(2, facts.collective_approvers or 2)
        inputs["required_approvals"] = n
        limit = fmt(facts.collective_above, cur)
        return RuleResult(
            "approval_limits", Route.approval,
            f"金额 {total} 超过集体决策限额 {limit}，须由 {n} 名不同审批人批准。",
            f"{total} is above the collective-decision limit {limit}; {n} distinct approvers "
            "must approve.", inputs)
    if facts.one_approver_above is not None and facts.own_total > facts.one_approver_above:
        inputs["required_approvals"] = 1
        limit = fmt(facts.one_approver_above, cur)
        return RuleResult(
            "approval_limits", Route.approval,
            f"金额 {total} 超过审批限额 {limit}，须由一名审批人批准。",
            f"{total} is above the approval limit {limit}; one approver must approve.", inputs)
    inputs["required_approvals"] = 0
    return RuleResult("approval_limits", PASS, f"金额 {total} 无需审批。",
                      f"{total} needs no approval.", inputs)


def competitors_rule(profile: Profile, supplier_ids: list[int]) -> RuleResult:
    """A competition needs enough eligible suppliers; otherwise it goes to approval."""
    n, minimum = len(supplier_ids), profile.min_competitors
    inputs = {"eligible_suppliers": supplier_ids, "minimum": minimum}
    if n < minimum:
        return RuleResult(
            "competition_suppliers", Route.approval,
            f"仅有 {n} 家符合条件的入围供应商（少于 {minimum} 家），无法竞价，转审批人审批。",
            f"Only {n} eligible awarded suppliers (fewer than {minimum}); no competition is "
            "possible, so the requisition goes to an approver.", inputs)
    return RuleResult(
        "competition_suppliers", Route.competition, f"邀请 {n} 家符合条件的入围供应商参加竞价。",
        f"{n} eligible awarded suppliers are invited to quote.", inputs)


def sme_reservation_rule(profile: Profile, suppliers: list[tuple[int, str | None]]) -> RuleResult:
    """预留份额: a reserved purchase invites only SMEs (size not large) when there are enough.

    With fewer than the profile's minimum the profile's fallback applies: an open
    competition among every eligible supplier, or an approver's decision. ``inputs.invited``
    says whom the competition invites.
    """
    smes = sorted(sid for sid, size in suppliers if size != "large")
    everyone = sorted(sid for sid, _ in suppliers)
    n, minimum = len(smes), profile.min_competitors
    fallback = profile.sme_reservation.fallback
    inputs: dict[str, Any] = {"sme_suppliers": smes, "eligible_suppliers": everyone,
                              "minimum": minimum, "fallback": fallback}
    if n >= minimum:
        inputs["invited"] = smes
        return RuleResult(
            "sme_reservation", Route.competition,
            f"本次采购预留给中小企业：仅邀请 {n} 家符合条件的中小企业参加竞价。",
            f"Reserved for SMEs: only the {n} eligible SME suppliers are invited.", inputs)
    if fallback == "approval":
        inputs["invited"] = []
        return RuleResult(
            "sme_reservation", Route.approval,
            f"预留给中小企业的采购仅有 {n} 家符合条件的中小企业（少于 {minimum} 家），"
            "无法竞价，转审批人审批。",
            f"Only {n} eligible SME suppliers (fewer than {minimum}) for a purchase reserved "
            "for SMEs; no competition is possible, so the requisition goes to an approver.",
            inputs)
    inputs["invited"] = everyone
    return RuleResult(
        "sme_reservation", Route.competition,
        f"预留给中小企业的采购仅有 {n} 家符合条件的中小企业（少于 {minimum} 家），"
        "改为邀请全部入围供应商公开竞价。",
        f"Only {n} eligible SME suppliers (fewer than {minimum}) for a purchase reserved for "
        "SMEs; every eligible awarded supplier is invited instead.", inputs)
