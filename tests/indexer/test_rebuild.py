"""Zero-downtime rebuild: alias swap, failure cleanup, concurrent search and changes."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from opensearchpy import OpenSearch
from sqlalchemy import event, text

from indexer.locks import REBUILD, RebuildInProgress
from indexer.offers import stream_visible_offers
from indexer.rebuild import rebuild
from indexer.sync import drain
from indexer.verify import verify
from mall.outbox.services import enqueue
from tests.factories.catalog import make_agreement, make_offer
from tests.indexer.conftest import search_ids

TODAY = date.today()


def _targets(client: OpenSearch, alias: str) -> list[str]:
    return sorted(client.indices.get_alias(name=alias))


def _indices(client: OpenSearch, alias: str) -> list[str]:
    return sorted(client.indices.get(index=f"{alias}-*"))


@pytest.mark.smoke
def test_rebuild_loads_visible_offers_swaps_the_alias_and_drops_the_old_index(
        db_session, opensearch, alias):
    shown = [make_offer(db_session) for _ in range(5)]
    make_offer(db_session, status="draft")
    db_session.commit()
    before = _targets(opensearch, alias)
    calls: list[tuple[int, int]] = []

    result = rebuild(opensearch, db_session, alias, TODAY, progress=lambda d, t: calls.append(
        (d, t)), chunk_size=2)

    assert result.documents == 5 and result.previous == before
    assert _targets(opensearch, alias) == [result.index] == _indices(opensearch, alias)
    assert set(search_ids(opensearch, alias)) == {o.id for o in shown}
    assert calls == [(2, 5), (4, 5), (5, 5)]
    settings = opensearch.indices.get_settings(index=result.index)[result.index]["settings"]
    assert settings["index"]["refresh_interval"] == "1s"  # restored after the load


@pytest.mark.smoke
@pytest.mark.parametrize("failure", ["keyboard_interrupt", "generator_error"])
def test_an_interrupted_rebuild_deletes_its_index_and_leaves_the_old_one_serving(
        db_session, opensearch, alias, failure):
    offers = [make_offer(db_session) for _ in range(6)]
    db_session.commit()
    rebuild(opensearch, db_session, alias, TODAY)
    serving = _targets(opensearch, alias)

    def progress(done: int, total: int) -> None:
        if failure == "keyboard_interrupt" and done >= 2:
            raise KeyboardInterrupt

    def broken_stream():  # a database stream that dies half-way
        for n, offer in enumerate(stream_visible_offers(db_session, TODAY)):
            if failure == "generator_error" and n == 3:
                raise RuntimeError("connection lost mid-stream")
            yield offer

    expected = KeyboardInterrupt if failure == "keyboard_interrupt" else RuntimeError
    with pytest.raises(expected):
        rebuild(opensearch, db_session, alias, TODAY, progress=progress, chunk_size=2,
                offers=broken_stream())

    assert _targets(opensearch, alias) == serving == _indices(opensearch, alias)
    assert set(search_ids(opensearch, alias)) == {o.id for o in offers}


@pytest.mark.postgres_only
def test_offers_are_streamed_through_a_server_side_cursor(session):
    make_offer(session)
    session.commit()
    cursors: list[str] = []
    engine = session.get_bind()

    def spy(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM offers" in statement:
            cursors.append(type(cursor).__name__)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        assert len(list(stream_visible_offers(session, TODAY))) == 1
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert cursors[0] == "ServerCursor"


@pytest.mark.postgres_only
def test_searches_during_a_rebuild_never_fail_or_come_back_empty(session, opensearch, alias):
    agreement = make_agreement(session)
    offers = [make_offer(session, agreement=agreement) for _ in range(120)]
    session.commit()
    rebuild(opensearch, session, alias, TODAY)
    results: list[int] = []
    errors: list[BaseException] = []
    searched = threading.Event()
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                hits = opensearch.search(index=alias, body={"query": {"match_all": {}},
                                                            "size": 0})
                results.append(hits["hits"]["total"]["value"])
            except BaseException as exc:  # any failure is the finding
                errors.append(exc)
            searched.set()

    def progress(done: int, total: int) -> None:
        # Interleave for sure: at least one search completes between two bulk chunks.
        searched.clear()
        searched.wait(10)

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        result = rebuild(opensearch, session, alias, TODAY, progress=progress, chunk_size=10)
        for _ in range(3):  # and right after the swap and the old index's deletion
            searched.clear()
            searched.wait(10)
    finally:
        stop.set()
        thread.join(10)

    assert result.documents == 120
    assert errors == []
    assert len(results) >= 13
    assert min(results) == len(offers)


@pytest.mark.postgres_only
def test_changes_committed_during_a_rebuild_are_in_the_new_index(
        session, new_session, opensearch, alias):
    agreement = make_agreement(session)
    offers = [make_offer(session, agreement=agreement, price="500.00") for _ in range(30)]
    enqueue(session, "offer", [o.id for o in offers], "created")
    session.commit()
    drain(opensearch, session, alias, TODAY)
    first, middle, last = offers[0], offers[15], offers[-1]
    writer = new_session()
    changed = threading.Event()

    def change_mid_rebuild(done: int, total: int) -> None:
        if changed.is_set():
            return
        changed.set()
        for offer, price in ((first, "111.00"), (middle, "222.00")):
            row = writer.get(type(offer), offer.id)
            row.price, row.version = Decimal(price), row.version + 1
            enqueue(writer, "offer", [row.id], "price")
        row = writer.get(type(last), last.id)
        row.status, row.version = "suspended", row.version + 1
        enqueue(writer, "offer", [row.id], "suspended")
        writer.commit()
        # A concurrent sync applies two of them to the *old* index before the swap...
        other = new_session()
        assert drain(opensearch, other, alias, TODAY, limit=2).events == 3
        # ...and one more change stays pending in the outbox until after the rebuild.
        row = writer.get(type(offer), first.id)
        row.stock, row.version = 77, row.version + 1
        enqueue(writer, "offer", [row.id], "stock")
        writer.commit()

    result = rebuild(opensearch, session, alias, TODAY, progress=change_mid_rebuild,
                     chunk_size=5)

    assert result.replayed >= 3  # the three changed offers, re-applied after the swap

    assert changed.is_set()
    docs = search_ids(opensearch, alias)
    assert docs[first.id]["price"] == 111.0 and docs[first.id]["stock"] == 77
    assert docs[middle.id]["price"] == 222.0
    assert last.id not in docs
    drift = verify(opensearch, session, alias, TODAY)
    assert drift.clean, drift.lines()


@pytest.mark.postgres_only
def test_only_one_rebuild_runs_at_a_time(session, new_session, opensearch, alias):
    make_offer(session)
    session.commit()
    other = new_session()
    other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": REBUILD})
    try:
        serving = _targets(opensearch, alias)
        with pytest.raises(RebuildInProgress):
            rebuild(opensearch, session, alias, TODAY)
        assert _targets(opensearch, alias) == serving == _indices(opensearch, alias)
    finally:
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REBUILD})
        other.commit()
    assert rebuild(opensearch, session, alias, TODAY).documents == 1


@pytest.mark.smoke
def test_progress_is_a_bar_on_a_terminal_and_log_lines_otherwise():
    import io

    from indexer.cli import progress_printer

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, log = Terminal(), io.StringIO()
    bar, lines = progress_printer(tty), progress_printer(log, every=0)
    for done in (500, 1000):
        bar(done, 1000)
        lines(done, 1000)

    assert tty.getvalue().startswith("\r[###############...............] 500/1000 documents, ")
    assert "docs/s, ETA " in tty.getvalue() and tty.getvalue().endswith("\n")
    assert "\r" not in log.getvalue()
    assert [line.split(",")[0] for line in log.getvalue().splitlines()] == [
        "rebuild: 500/1000 documents", "rebuild: 1000/1000 documents"]


def test_rebuild_with_several_bulk_requests_in_flight_loads_everything_in_order_of_progress(
        db_session, opensearch, alias, monkeypatch):
    import indexer.rebuild as rebuild_module

    shown = [make_offer(db_session) for _ in range(9)]
    db_session.commit()
    sending, most = 0, 0
    lock = threading.Lock()
    real_send = rebuild_module._send

    def counting_send(client, chunk):  # the real bulk request, counted while it runs
        nonlocal sending, most
        with lock:
            sending += 1
            most = max(most, sending)
        try:
            return real_send(client, chunk)
        finally:
            with lock:
                sending -= 1

    monkeypatch.setattr(rebuild_module, "_send", counting_send)
    calls: list[tuple[int, int]] = []
    result = rebuild(opensearch, db_session, alias, TODAY, chunk_size=2, in_flight=3,
                     progress=lambda d, t: calls.append((d, t)))

    assert result.documents == 9
    assert set(search_ids(opensearch, alias)) == {o.id for o in shown}
    assert 1 <= most <= 3  # never more requests at once than asked for
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and calls[-1] == (9, 9)


def test_in_flight_defaults_to_the_nodes_write_pool_and_the_setting_wins(opensearch):
    from indexer.rebuild import bulk_in_flight

    pools = opensearch.nodes.info(metric="thread_pool")["nodes"].values()
    write = min(int(n["thread_pool"]["write"].get("size") or n["thread_pool"]["write"]["max"])
                for n in pools)
    assert bulk_in_flight(opensearch) == max(2, write)
    assert bulk_in_flight(opensearch, configured=5) == 5


def test_a_rebuild_keeps_the_live_index_layout_unless_told(db_session, opensearch, alias):
    make_offer(db_session)
    db_session.commit()

    def shards(index: str) -> int:
        settings = opensearch.indices.get_settings(index=index)[index]["settings"]["index"]
        return int(settings["number_of_shards"])

    first = rebuild(opensearch, db_session, alias, TODAY, shards=2)
    assert shards(first.index) == 2
    second = rebuild(opensearch, db_session, alias, TODAY)  # the live index's layout
    assert shards(second.index) == 2 and second.documents == 1
    third = rebuild(opensearch, db_session, alias, TODAY, shards=1)
    assert shards(third.index) == 1


def test_a_client_of_several_nodes_goes_on_to_the_next_when_one_is_unreachable(opensearch):
    import socket

    from opensearchpy.exceptions import ConnectionError as SearchConnectionError

    from mall.config import Config
    from mall.search.client import make_client

    with socket.socket() as probe:  # a loopback port nobody listens on: a node that is down
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    live = Config.from_env().opensearch_url
    client = make_client(f"{dead}, {live}", timeout=5)
    assert len(client.transport.hosts) == 2
    for _ in range(4):  # whichever node the pool picks first, every request is answered
        assert client.cluster.health()["status"] in ("green", "yellow")
    with pytest.raises(SearchConnectionError):  # one node only: no one to go on to
        make_client(dead, timeout=5).cluster.health()
