"""The center's report tables: each is the numbers behind one chart, and its CSV.

A report is a ``Table``: columns, rows (the numbers shown under the chart and in the CSV)
and how to chart them (labels and series picked from the rows). Spend counts orders that
were not cancelled or rejected, in the year, per currency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.audit.models import AuditEvent
from mall.catalog.models import Offer, Product
from mall.catalog.visibility import visible_clause
from mall.i18n import lazy_gettext as _l
from mall.orders.models import (
    Competition,
    CompetitionStatus,
    OrderStatus,
    PurchaseOrder,
    Quote,
    Requisition,
)
from mall.orders.services import reports

LIVE = (OrderStatus.cancelled, OrderStatus.rejected)
SPREAD_TOP = 20
CHANGES_DAYS = 30


@dataclass
class Table:
    name: str
    title: Any  # a lazy gettext string
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    chart: str = "bar"  # bar, line or hbar
    label_column: int = 0
    series_columns: list[int] = field(default_factory=list)
    note: Any = None

    def series(self) -> tuple[list[str], dict[str, list[Any]]]:
        mixed = self.columns[1:2] == ["currency"] and len({r[1] for r in self.rows}) > 1
        labels = [f"{r[self.label_column]} {r[1]}" if mixed else str(r[self.label_column])
                  for r in self.rows]
        return labels, {self.columns[i]: [r[i] for r in self.rows] for i in self.series_columns}


def _year(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def _orders(year: int) -> Any:
    start, end = _year(year)
    return (PurchaseOrder.created_at >= start, PurchaseOrder.created_at < end,
            PurchaseOrder.status.not_in(LIVE))


def spend_by_month(session: Session, year: int) -> Table:
    month = func.extract("month", PurchaseOrder.created_at)
    sme = func.sum(PurchaseOrder.total).filter(Organization.size != "large")
    rows = session.execute(
        select(month, PurchaseOrder.currency, func.sum(PurchaseOrder.total), sme,
               func.count())
        .join(Organization, Organization.id == PurchaseOrder.supplier_id)
        .where(*_orders(year)).group_by(month, PurchaseOrder.currency)
        .order_by(month, PurchaseOrder.currency)).all()
    return Table("spend-by-month", _l("Spend by month"),
                 ["month", "currency", "spend", "sme_spend", "orders"],
                 [[f"{year}-{int(m):02d}", cur, total, sme_total or Decimal("0"), n]
                  for m, cur, total, sme_total, n in rows],
                 chart="line", series_columns=[2, 3])


def _spend(session: Session, year: int, group_by: str, name: str, title: Any) -> Table:
    report = reports.spend(session, group_by, date(year, 1, 1), date(year, 12, 31))
    rows = [[item["label"], item["spend"]["currency"], Decimal(item["spend"]["amount"]),
             Decimal(item["sme_spend"]["amount"]), item["sme_share"], item["order_lines"]]
            for item in report["items"]]
    return Table(name, title, ["group", "currency", "spend", "sme_spend", "sme_share",
                               "order_lines"], rows, chart="hbar", series_columns=[2])


def spend_by_category(session: Session, year: int) -> Table:
    return _spend(session, year, "category", "spend-by-category", _l("Spend by category"))


def spend_by_supplier_size(session: Session, year: int) -> Table:
    return _spend(session, year, "supplier_size", "spend-by-supplier-size",
                  _l("Spend by supplier size"))


def spend_by_purchaser(session: Session, year: int) -> Table:
    rows = session.execute(
        select(Organization.name, PurchaseOrder.currency, func.sum(PurchaseOrder.total),
               func.count())
        .join(Organization, Organization.id == PurchaseOrder.purchaser_organization_id)
        .where(*_orders(year)).group_by(Organization.id, Organization.name,
                                        PurchaseOrder.currency)
        .order_by(func.sum(PurchaseOrder.total).desc()).limit(50)).all()
    return Table("spend-by-purchaser", _l("Spend by purchaser"),
                 ["purchaser", "currency", "spend", "orders"],
                 [list(r) for r in rows], chart="hbar", series_columns=[2])


def sme_share(session: Session, year: int, jurisdiction: str) -> Table:
    report = reports.sme_reservation(session, year, jurisdiction)
    rows = [[i["purchaser"]["name"], i["total"]["currency"], Decimal(i["total"]["amount"]),
             Decimal(i["reserved"]["amount"]), Decimal(i["share"]),
             Decimal(i["sme_share"]), Decimal(i["target"]["share"]),
             "yes" if i["target"]["applies"] else "no",
             "yes" if i["target"]["met"] else "no"] for i in report["items"]]
    return Table("sme-share", _l("SME share against the target"),
                 ["purchaser", "currency", "total", "reserved", "reserved_share", "sme_share",
                  "target_share", "target_applies", "target_met"], rows,
                 series_columns=[4, 5, 6])


def competition_savings(session: Session, year: int) -> Table:
    """Per month: what the requisitions asked at catalog prices, against what was awarded."""
    start, end = _year(year)
    month = func.extract("month", Competition.awarded_at)
    rows = session.execute(
        select(month, Competition.currency, func.count(), func.sum(Requisition.total),
               func.sum(Quote.total))
        .join(Requisition, Requisition.id == Competition.requisition_id)
        .join(Quote, Quote.id == Competition.awarded_quote_id)
        .where(Competition.status == CompetitionStatus.awarded,
               Competition.awarded_at >= start, Competition.awarded_at < end)
        .group_by(month, Competition.currency).order_by(month)).all()
    out = []
    for m, cur, n, asked, awarded in rows:
        saved = asked - awarded
        out.append([f"{year}-{int(m):02d}", cur, n, asked, awarded, saved,
                    f"{saved / asked:.4f}" if asked else "0.0000"])
    return Table("competition-savings", _l("Savings of second-stage competitions"),
                 ["month", "currency", "competitions", "catalog_total", "awarded_total",
                  "saved", "saved_share"], out, series_columns=[5],
                 note=_l("Joint purchases are in the next table."))


def joint_savings(session: Session, year: int) -> Table:
    """Per month of closing: awarded joint purchases, their volume and the participants'
    savings against the lowest listed price at close (the joint report's figures)."""
    from mall.joint.services.reports import joint_purchases

    months: dict[tuple[str, str], list[Any]] = {}
    for item in joint_purchases(session, year)["items"]:
        if item["status"] != "awarded" or not item["closed_at"]:
            continue
        value, saved = item["value"], item["savings"]
        key = (item["closed_at"][:7], value["currency"])
        row = months.setdefault(key, [key[0], key[1], 0, 0, Decimal("0"), Decimal("0")])
        row[2] += 1
        row[3] += item["participants"]
        row[4] += Decimal(value["amount"])
        row[5] += Decimal(saved["amount"])
    out = [[*row, f"{row[5] / (row[4] + row[5]):.4f}" if row[4] + row[5] else "0.0000"]
           for _key, row in sorted(months.items())]
    return Table("joint-savings", _l("Savings of joint purchases"),
                 ["month", "currency", "joint_purchases", "participations", "awarded_total",
                  "saved", "saved_share"], out, series_columns=[5],
                 note=_l("Saved against the lowest listed price at close; the share is of "
                         "what the listed prices would have cost."))


def price_spread(session: Session, year: int) -> Table:
    """Products sold by several suppliers, widest relative spread first (live offers)."""
    low, high = func.min(Offer.price), func.max(Offer.price)
    rows = session.execute(
        select(Product.brand, Product.model, Offer.currency, func.count(), low,
               func.percentile_cont(0.5).within_group(Offer.price), high)
        .join(Product, Product.id == Offer.product_id)
        .where(visible_clause(date.today()))
        .group_by(Product.id, Product.brand, Product.model, Offer.currency)
        .having(func.count() > 1)
        .order_by(((high - low) / low).desc(), Product.id).limit(SPREAD_TOP)).all()
    return Table("price-spread", _l("Price spread per product across suppliers"),
                 ["product", "currency", "offers", "min", "median", "max", "spread"],
                 [[f"{b} {m}", cur, n, lo, Decimal(str(med)).quantize(Decimal("0.01")), hi,
                   f"{(hi - lo) / lo:.4f}"] for b, m, cur, n, lo, med, hi in rows],
                 chart="hbar", series_columns=[3, 4, 5])


def offers_changed(session: Session, year: int) -> Table:
    """Distinct offers changed per day over the last 30 days (from the audit trail)."""
    since = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) \
        - timedelta(days=CHANGES_DAYS - 1)
    day = func.date(AuditEvent.occurred_at)
    counted = dict.fromkeys(((since + timedelta(days=i)).date().isoformat()
                             for i in range(CHANGES_DAYS)), 0)
    for d, n in session.execute(
            select(day, func.count(func.distinct(AuditEvent.target_id)))
            .where(AuditEvent.target_type == "offer", AuditEvent.occurred_at >= since)
            .group_by(day)):
        counted[str(d)] = n
    return Table("offers-changed", _l("Offers changed per day (last 30 days)"),
                 ["day", "offers_changed"], [[d, n] for d, n in sorted(counted.items())],
                 chart="line", series_columns=[1])


REPORTS: dict[str, Callable[..., Table]] = {
    "spend-by-month": spend_by_month, "spend-by-category": spend_by_category,
    "spend-by-purchaser": spend_by_purchaser,
    "spend-by-supplier-size": spend_by_supplier_size, "sme-share": sme_share,
    "competition-savings": competition_savings, "joint-savings": joint_savings,
    "price-spread": price_spread,
    "offers-changed": offers_changed,
}


def build(session: Session, name: str, year: int, jurisdiction: str) -> Table:
    builder = REPORTS[name]
    if builder is sme_share:
        return builder(session, year, jurisdiction)
    return builder(session, year)
