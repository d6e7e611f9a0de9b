"""Reading ahead: a feed's next batch is parsed on a thread while the database applies this one.

An import alternates between Python (parsing, shape checks) and waiting for PostgreSQL; on
a machine with two cores the two can overlap. ``read_ahead`` runs a generator on a thread
and hands its items over through a small bounded queue, in order. The thread never touches
the database or the session: only the generator's own work (reading the spooled file) runs
there. An exception in the generator is raised to the consumer at the same point in the
sequence; a consumer that stops early (an error, a worker stopping) stops the thread too.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.1


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(items: Iterator[T], depth: int = 1, name: str = "feed-read-ahead"
               ) -> Generator[T, None, None]:
    """``items``, produced on a thread up to ``depth`` ahead of the consumer."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Raised(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield cast(T, item)  # only the generator's own items reach here
    finally:
        stop.set()
        thread.join()
