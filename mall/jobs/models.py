"""Jobs (queued work, claimed with SKIP LOCKED) and periodic tasks (one row per schedule)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mall.db import Base, sql_values, utcnow


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"


class Job(Base):
    """One piece of queued work. A running job holds a lease (``locked_until``) that its
    worker renews; a job whose lease ran out (its worker died) is claimed again and resumes
    from what it committed."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(JobStatus)})", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        # The claim query: runnable jobs in order.
        Index("ix_jobs_runnable", "status", "run_after", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued)
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PeriodicTask(Base):
    """When a scheduled task is next due; claimed by moving ``next_run_at`` forward atomically,
    so with several workers each run happens once."""

    __tablename__ = "periodic_tasks"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_outcome: Mapped[str | None] = mapped_column(Text)
