"""Running writers at the same moment against the real database (PostgreSQL locks).

Each job gets its own thread, app context and session; a barrier releases them together so
they contend for the same rows. A thread that dies would otherwise pass unnoticed: every
exception is collected and fails the test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import Flask
from sqlalchemy.orm import Session

from mall.db import db

T = TypeVar("T")

BARRIER_SECONDS = 30
JOIN_SECONDS = 120


def run_together(app: Flask, jobs: Sequence[Callable[[Session], T]]) -> list[T]:
    """Run every job at once, each with its own session; their results, in job order.

    The barrier is passed before a job takes a connection, so more jobs than the pool holds
    (20) still all start: a job waiting with a connection would starve the others.
    """
    barrier = threading.Barrier(len(jobs))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[Session], T]) -> None:
        try:
            with app.app_context():
                try:
                    own = db.session()
                    barrier.wait(timeout=BARRIER_SECONDS)
                    results[index] = job(own)
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not errors, errors
    assert len(results) == len(jobs), "a job was still running when the wait ran out"
    return [results[i] for i in range(len(jobs))]
