"""Outbox sync against the real node: ordering, acknowledgement, staleness, concurrency."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from indexer.locks import ENTITY_NS
from indexer.offers import load_offers
from indexer.rebuild import rebuild
from indexer.sync import actions_for, apply_actions, drain, sync_batch
from indexer.verify import verify
from mall.catalog.models import Offer
from mall.outbox.models import OutboxEvent
from mall.outbox.services import enqueue
from tests.factories.accounts import make_org
from tests.factories.catalog import make_agreement, make_offer
from tests.indexer.conftest import search_ids

TODAY = date.today()


def _change(session: Session, offer: Offer, **fields: object) -> None:
    for key, value in fields.items():
        setattr(offer, key, value)
    offer.version += 1
    enqueue(session, "offer", [offer.id], "test-change")


def _events(session: Session) -> list[OutboxEvent]:
    session.expire_all()
    return list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


@pytest.mark.smoke
def test_sync_indexes_visible_and_deletes_hidden_offers_then_marks_done(
        db_session, opensearch, alias):
    shown = make_offer(db_session, price="4999.00")
    hidden = make_offer(db_session)
    enqueue(db_session, "offer", [shown.id, hidden.id], "created")
    db_session.commit()
    assert drain(opensearch, db_session, alias, TODAY).events == 2
    assert set(search_ids(opensearch, alias)) == {shown.id, hidden.id}

    _change(db_session, hidden, status="suspended")
    _change(db_session, shown, price=Decimal("4500.00"))
    db_session.commit()
    result = drain(opensearch, db_session, alias, TODAY)

    assert (result.events, result.indexed, result.deleted) == (2, 1, 1)
    docs = search_ids(opensearch, alias)
    assert set(docs) == {shown.id}
    assert docs[shown.id]["price"] == 4500.0
    assert all(e.processed_at is not None and e.attempts == 1 for e in _events(db_session))


@pytest.mark.smoke
def test_an_older_event_cannot_overwrite_a_newer_price(db_session, opensearch, alias):
    offer = make_offer(db_session, price="100.00")
    db_session.commit()
    # A slow writer read the row at version N (price 100) ...
    stale = actions_for(load_offers(db_session, [offer.id]), [offer.id], alias, TODAY)
    stale_version = offer.version
    # ... meanwhile the price dropped (version N+1) and that was synced.
    _change(db_session, offer, price=Decimal("90.00"))
    db_session.commit()
    drain(opensearch, db_session, alias, TODAY)
    assert search_ids(opensearch, alias)[offer.id]["version"] == stale_version + 1

    # The slow writer's version-N document arrives last: refused as superseded.
    result = apply_actions(opensearch, stale, refresh=True)

    assert (result.stale, result.indexed) == (1, 0)
    doc = search_ids(opensearch, alias)[offer.id]
    assert (doc["price"], doc["version"]) == (90.0, stale_version + 1)


@pytest.mark.smoke
def test_an_older_delete_cannot_remove_a_newer_document(db_session, opensearch, alias):
    offer = make_offer(db_session)
    db_session.commit()
    offer.status = "suspended"  # version N, not visible: a delete
    stale_delete = actions_for({offer.id: offer}, [offer.id], alias, TODAY)
    assert stale_delete[0]["_op_type"] == "delete"
    offer.status = "active"
    _change(db_session, offer, price=Decimal("80.00"))  # version N+1, visible
    db_session.commit()
    drain(opensearch, db_session, alias, TODAY)

    result = apply_actions(opensearch, stale_delete, refresh=True)

    assert result.stale == 1
    assert search_ids(opensearch, alias)[offer.id]["price"] == 80.0


def test_events_for_a_supplier_reindex_all_its_offers(db_session, opensearch, alias):
    supplier = make_org(db_session, kind="supplier")
    agreement = make_agreement(db_session, suppliers=[supplier])
    offers = [make_offer(db_session, agreement=agreement, supplier=supplier) for _ in range(3)]
    enqueue(db_session, "offer", [o.id for o in offers], "created")
    db_session.commit()
    drain(opensearch, db_session, alias, TODAY)
    supplier.status = "suspended"
    enqueue(db_session, "supplier", [supplier.id], "suspended")
    db_session.commit()

    result = drain(opensearch, db_session, alias, TODAY)

    assert (result.events, result.deleted) == (1, 3)
    assert search_ids(opensearch, alias) == {}


def test_suspending_an_agreement_is_one_event_that_removes_all_its_offers(
        db_session, opensearch, alias):
    from mall.catalog.services.agreements import set_agreement_status

    supplier = make_org(db_session, kind="supplier")
    agreement = make_agreement(db_session, suppliers=[supplier])
    offers = [make_offer(db_session, agreement=agreement, supplier=supplier) for _ in range(4)]
    enqueue(db_session, "offer", [o.id for o in offers], "created")
    db_session.commit()
    drain(opensearch, db_session, alias, TODAY)
    assert set(search_ids(opensearch, alias)) == {o.id for o in offers}

    set_agreement_status(db_session, None, agreement, "suspended", "audit")  # type: ignore[arg-type]
    db_session.commit()
    result = drain(opensearch, db_session, alias, TODAY)

    assert (result.events, result.deleted) == (1, 4)
    assert search_ids(opensearch, alias) == {}


@pytest.mark.postgres_only
def test_rows_stay_locked_until_marked_done_and_a_second_sync_skips_them(
        session, new_session, opensearch, alias):
    offers = [make_offer(session) for _ in range(4)]
    enqueue(session, "offer", [o.id for o in offers], "created")
    session.commit()
    holder = new_session()
    held = list(holder.scalars(select(OutboxEvent).order_by(OutboxEvent.id).limit(2)
                               .with_for_update()))
    other = new_session()

    result = sync_batch(opensearch, other, alias, TODAY)

    assert result.events == 2
    holder.rollback()
    events = _events(session)
    assert [e.processed_at is None for e in events] == [True, True, False, False]
    assert {e.id for e in events if e.processed_at is None} == {e.id for e in held}
    assert drain(opensearch, other, alias, TODAY).events == 2


@pytest.mark.postgres_only
def test_an_offer_being_written_elsewhere_is_deferred_not_skipped(
        session, new_session, opensearch, alias):
    busy, free = make_offer(session), make_offer(session)
    enqueue(session, "offer", [busy.id, free.id], "created")
    session.commit()
    writer = new_session()
    writer.execute(text("SELECT pg_advisory_xact_lock(:ns, :id)"), {"ns": ENTITY_NS,
                                                                     "id": busy.id})
    result = drain(opensearch, new_session(), alias, TODAY)
    assert (result.events, result.deferred) == (1, 1)
    assert set(search_ids(opensearch, alias)) == {free.id}

    writer.rollback()
    assert drain(opensearch, new_session(), alias, TODAY).events == 1
    assert set(search_ids(opensearch, alias)) == {busy.id, free.id}


@pytest.mark.postgres_only
def test_two_concurrent_syncs_lose_and_duplicate_nothing(
        session, new_session, opensearch, alias):
    offers = [make_offer(session, price=f"{100 + i}.00") for i in range(60)]
    enqueue(session, "offer", [o.id for o in offers], "created")
    session.commit()
    # Several changes per offer, interleaved, so both syncs meet the same offers.
    for round_ in range(3):
        for offer in offers:
            _change(session, offer, price=offer.price + 1, stock=round_)
        session.commit()
    total_events = len(_events(session))
    start = threading.Barrier(2)
    results, errors = [], []

    def worker() -> None:
        s = new_session()
        try:
            start.wait()
            results.append(drain(opensearch, s, alias, TODAY, limit=7))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # Events deferred because the other sync held the offer are picked up by a last pass.
    leftover = drain(opensearch, new_session(), alias, TODAY)

    assert errors == []
    assert sum(r.events for r in results) + leftover.events == total_events
    events = _events(session)
    assert all(e.processed_at is not None for e in events)
    assert [e.attempts for e in events] == [1] * total_events  # nobody did an event twice
    drift = verify(opensearch, session, alias, TODAY)
    assert drift.clean, drift.lines()
    docs = search_ids(opensearch, alias)
    assert {d["price"] for d in docs.values()} == {float(o.price) for o in offers}


@pytest.mark.postgres_only
def test_sync_through_a_dead_network_retries_and_ends_clean(session, opensearch, alias):
    from indexer.sync import Backoff, run
    from mall.search.client import make_client
    from tests.indexer.tcp_proxy import TcpProxy

    proxy = TcpProxy("127.0.0.1", int(opensearch.transport.hosts[0]["port"]))
    client = make_client(proxy.url, timeout=5)
    try:
        offers = [make_offer(session) for _ in range(5)]
        enqueue(session, "offer", [o.id for o in offers], "created")
        session.commit()
        assert drain(client, session, alias, TODAY).events == 5
        for offer in offers:
            _change(session, offer, price=Decimal("1.50"))
        _change(session, offers[0], status="suspended")
        session.commit()
        proxy.close()  # the node is unreachable from the sync's point of view

        retries: list[float] = []

        def on_retry(failures: int, delay: float, exc: BaseException) -> None:
            retries.append(delay)
            if failures == 3:
                proxy.open()  # the node is back

        result = run(client, session, alias, lambda: TODAY,
                     backoff=Backoff(initial=0.01, cap=0.02), on_retry=on_retry,
                     sleep=lambda s: None)

        assert retries == [0.01, 0.02, 0.02]  # exponential, capped
        assert result.events == 6
        events = _events(session)
        assert all(e.processed_at is not None for e in events)
        changed = [e for e in events if e.reason == "test-change"]
        assert all(e.attempts == 4 and e.last_error is None for e in changed)
        drift = verify(opensearch, session, alias, TODAY)
        assert drift.clean, drift.lines()
        assert offers[0].id not in search_ids(opensearch, alias)
    finally:
        proxy.close()


@pytest.mark.postgres_only
def test_a_failed_batch_stays_pending_with_its_error(session, opensearch, alias):
    from mall.search.client import make_client
    from tests.indexer.tcp_proxy import TcpProxy

    proxy = TcpProxy("127.0.0.1", int(opensearch.transport.hosts[0]["port"]))
    proxy.close()
    offer = make_offer(session, valid_until=TODAY + timedelta(days=5))
    enqueue(session, "offer", [offer.id], "created")
    session.commit()
    with pytest.raises(Exception, match="onnection"):
        sync_batch(make_client(proxy.url, timeout=2), session, alias, TODAY)
    (event,) = _events(session)
    assert event.processed_at is None
    assert event.attempts == 1
    assert "onnection" in event.last_error


@pytest.mark.smoke
def test_sync_to_a_missing_alias_fails_without_creating_an_index(db_session, opensearch):
    from indexer.sync import IndexingError

    offer = make_offer(db_session)
    enqueue(db_session, "offer", [offer.id], "created")
    db_session.commit()
    missing = "mall-idx-test-no-such-alias"

    with pytest.raises(IndexingError, match="index_not_found"):
        sync_batch(opensearch, db_session, missing, TODAY)

    assert not opensearch.indices.exists(index=missing)
    (event,) = _events(db_session)
    assert (event.processed_at, event.attempts) == (None, 1)


def test_a_document_opensearch_rejects_stays_pending_without_blocking_the_rest(
        db_session, opensearch):
    import uuid

    # An index whose mapping disagrees with the documents: "sku" must be a number.
    alias = f"mall-idx-test-{uuid.uuid4().hex[:8]}"
    opensearch.indices.create(index=f"{alias}-odd", body={
        "mappings": {"dynamic": False, "properties": {"sku": {"type": "long"}}}})
    opensearch.indices.put_alias(index=f"{alias}-odd", name=alias)
    try:
        good = make_offer(db_session, sku="123456")
        bad = make_offer(db_session, sku="SKU-NOT-A-NUMBER")
        enqueue(db_session, "offer", [bad.id, good.id], "created")
        db_session.commit()

        result = sync_batch(opensearch, db_session, alias, TODAY)

        assert (result.events, result.indexed, result.rejected) == (1, 1, 1)
        assert set(search_ids(opensearch, alias)) == {good.id}
        by_offer = {e.entity_id: e for e in _events(db_session)}
        assert by_offer[good.id].processed_at is not None
        assert by_offer[bad.id].processed_at is None
        assert by_offer[bad.id].attempts == 1
        assert "mapper_parsing_exception" in by_offer[bad.id].last_error
    finally:
        opensearch.indices.delete(index=f"{alias}-odd", ignore_unavailable=True)


def test_sync_watch_runs_expiry_on_schedule_and_drops_expired_offers(
        db_session, opensearch, alias):
    from indexer.expiry import expire
    from indexer.sync import run

    keep, old = make_offer(db_session), make_offer(db_session)
    enqueue(db_session, "offer", [keep.id, old.id], "created")
    db_session.commit()
    drain(opensearch, db_session, alias, TODAY)
    old.valid_until = TODAY - timedelta(days=1)  # no event: only the expiry job notices
    db_session.commit()
    rounds: list[float] = []

    run(opensearch, db_session, alias, lambda: TODAY, watch=True, interval=0.5,
        periodic=[(300.0, lambda: expire(db_session, TODAY))],
        sleep=rounds.append, should_stop=lambda: len(rounds) >= 2)

    assert rounds == [0.5, 0.5]
    assert set(search_ids(opensearch, alias)) == {keep.id}
    assert db_session.get(Offer, old.id).status == "expired"


def test_rebuild_and_sync_both_index_the_pinyin_so_bijiben_finds_the_offer(
        db_session, opensearch, alias):
    first = make_offer(db_session, brand="联想", title="联想 E14 笔记本电脑")
    db_session.commit()
    rebuild(opensearch, db_session, alias, TODAY)
    later = make_offer(db_session, brand="得力", model="7656", title="得力 A5 笔记本 80页")
    enqueue(db_session, "offer", [later.id], "created")
    db_session.commit()
    drain(opensearch, db_session, alias, TODAY)

    docs = search_ids(opensearch, alias)
    assert docs[first.id]["pinyin"]["joined"] == ["lianxiang", "bijibendiannao"]
    assert docs[later.id]["pinyin"]["brand"] == "de li"
    found = search_ids(opensearch, alias, match_phrase={"pinyin.title": "bi ji ben"})
    assert set(found) == {first.id, later.id}
