"""The feed's read-ahead thread: same items in the same order, errors where they happened."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from mall.catalog.feeds.readahead import read_ahead


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("test-read-ahead")}


def test_items_arrive_in_order_from_another_thread() -> None:
    seen_on: list[str] = []

    def items() -> Iterator[int]:
        for i in range(50):
            seen_on.append(threading.current_thread().name)
            yield i

    assert list(read_ahead(items(), name="test-read-ahead-order")) == list(range(50))
    assert set(seen_on) == {"test-read-ahead-order"}
    assert _threads() == set()


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is broken")

    got: list[int] = []
    with pytest.raises(ValueError, match="row 3 is broken"):
        for item in read_ahead(items(), name="test-read-ahead-error"):
            got.append(item)
    assert got == [1, 2]
    assert _threads() == set()


def test_a_consumer_that_stops_early_stops_the_thread() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(1_000_000):
            produced.append(i)
            yield i

    ahead = read_ahead(items(), depth=1, name="test-read-ahead-stop")
    assert next(ahead) == 0
    ahead.close()  # as when the worker stops mid-import
    assert _threads() == set()
    assert len(produced) <= 4  # one consumed, one queued, one waiting to be queued
