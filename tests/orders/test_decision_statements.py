"""How many SQL statements one compliance decision issues (``bench/compliance_bench.py``
reports the same figure): a bound, so that a change adding round trips fails here.

A direct purchase on PostgreSQL: the purchaser's default delivery address (one read), the
offers with their awards, lots and item ceilings (one read), the (purchaser, category)
lock, the cumulative query, the requisition, its decision and its lines, the offers' row
locks, the stock update, the outbox, the orders and their lines, the audit chain's lock and
head, and the audit events (one executemany) = 15; then the notifications listener reads
the users of each order's supplier (one read per order: the order itself is the one the
requisition holds, never read back). SQLite takes no advisory locks (2 fewer).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.orders.models import ComplianceDecision, RequisitionLine
from tests.orders.conftest import World

# 15 as bench/compliance_bench.py counts them without the listener; +1 per order for it
POSTGRES_BOUND = 16
PER_EXTRA_ORDER = 1  # the listener: the order's supplier's users
ADVISORY_LOCKS = 2  # the (purchaser, category) pair and the audit chain


def bound(session: Session) -> int:
    postgres = session.get_bind().dialect.name == "postgresql"
    return POSTGRES_BOUND if postgres else POSTGRES_BOUND - ADVISORY_LOCKS


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind().engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split("(")[0].strip())

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_direct_decision_stays_within_its_statement_bound(world: World) -> None:
    world.session.flush()
    with counted(world.session) as seen:
        requisition = world.requisition((world.offers[0], 10))
    assert requisition.route == "direct"
    assert len(seen) <= bound(world.session), "\n".join(seen)


def test_more_lines_in_one_category_cost_no_more_statements(world: World) -> None:
    """Per-line reads (award, lot, item ceiling) are batched into the one offer read, the
    orders (one per supplier) and all audit events are written one statement per table."""
    world.session.flush()
    with counted(world.session) as seen:
        requisition = world.requisition(*((offer, 10) for offer in world.offers))
    assert requisition.route == "direct" and len(requisition.orders) == len(world.offers)
    extra = PER_EXTRA_ORDER * (len(world.offers) - 1)
    assert len(seen) <= bound(world.session) + extra, "\n".join(seen)
    # Nothing was lost by writing less often: every line, the decision, every event.
    session = world.session
    assert session.scalar(select(func.count()).select_from(RequisitionLine).where(
        RequisitionLine.requisition_id == requisition.id)) == len(world.offers)
    assert session.scalar(select(func.count()).select_from(ComplianceDecision).where(
        ComplianceDecision.requisition_id == requisition.id)) == 1
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-(len(world.offers) + 1):] == \
        ["order.place"] * len(world.offers) + ["requisition.create"]
