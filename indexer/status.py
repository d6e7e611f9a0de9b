"""How far behind the index is: outbox backlog and change-to-searchable lag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.db import utcnow
from mall.outbox.models import OutboxEvent


@dataclass
class Status:
    backlog: int
    failing: int                       # pending events whose last attempt failed
    oldest_pending_age: float | None   # seconds
    recent: int                        # processed events the lag figures are computed over
    lag_p50: float | None
    lag_p95: float | None
    lag_max: float | None

    def lines(self) -> list[str]:
        def s(v: float | None) -> str:
            return "-" if v is None else f"{v:.3f}s"

        return [
            f"outbox backlog: {self.backlog} pending ({self.failing} with errors)",
            f"oldest pending: {s(self.oldest_pending_age)}",
            f"change-to-indexed lag over the last {self.recent} events: p50 {s(self.lag_p50)}, "
            f"p95 {s(self.lag_p95)}, max {s(self.lag_max)}",
        ]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the offset


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


def status(session: Session, recent: int = 200, now: datetime | None = None) -> Status:
    now = _aware(now or utcnow())
    pending = OutboxEvent.processed_at.is_(None)
    backlog = session.scalar(select(func.count()).select_from(OutboxEvent).where(pending)) or 0
    failing = session.scalar(select(func.count()).select_from(OutboxEvent)
                             .where(pending, OutboxEvent.last_error.is_not(None))) or 0
    oldest = session.scalar(select(func.min(OutboxEvent.created_at)).where(pending))
    rows = session.execute(
        select(OutboxEvent.created_at, OutboxEvent.processed_at)
        .where(OutboxEvent.processed_at.is_not(None))
        .order_by(OutboxEvent.processed_at.desc(), OutboxEvent.id.desc()).limit(recent)
    ).all()
    # The query keeps only processed events; the check tells the type checker so.
    lags = [max(0.0, (_aware(p) - _aware(c)).total_seconds()) for c, p in rows if p is not None]
    return Status(
        backlog=backlog,
        failing=failing,
        oldest_pending_age=(now - _aware(oldest)).total_seconds() if oldest else None,
        recent=len(lags),
        lag_p50=percentile(lags, 0.50),
        lag_p95=percentile(lags, 0.95),
        lag_max=max(lags) if lags else None,
    )
