"""verify / repair, status and expiry, as functions and through the ``mall-indexer`` CLI."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from opensearchpy import helpers
from sqlalchemy import select

from indexer.cli import cli
from indexer.expiry import expire
from indexer.status import percentile, status
from indexer.sync import drain
from indexer.verify import repair, verify
from mall.audit.models import AuditEvent
from mall.catalog.models import Offer
from mall.outbox.models import OutboxEvent
from mall.outbox.services import enqueue
from mall.search.documents import build_document
from tests.factories.catalog import make_offer
from tests.indexer.conftest import search_ids

TODAY = date.today()


def _synced_offers(session, opensearch, alias, n=4):  # type: ignore[no-untyped-def]
    offers = [make_offer(session, price=f"{200 + i}.00") for i in range(n)]
    enqueue(session, "offer", [o.id for o in offers], "created")
    session.commit()
    drain(opensearch, session, alias, TODAY)
    return offers


@pytest.mark.smoke
def test_verify_reports_missing_extra_and_stale_and_repair_fixes_them(
        db_session, opensearch, alias):
    a, b, c, d = _synced_offers(db_session, opensearch, alias)
    opensearch.delete(index=alias, id=str(a.id))                       # missing
    d.status = "suspended"                                             # extra (no event)
    c.price, c.stock = Decimal("1.00"), 0                              # stale (no event)
    db_session.commit()

    drift = verify(opensearch, db_session, alias, TODAY)

    assert drift.missing == [a.id] and drift.extra == [d.id]
    assert drift.stale == {c.id: {"price": (Decimal("1.00"), Decimal("202.00")),
                                  "stock": (0, 10), "in_stock": (False, True)}}
    assert not drift.clean and drift.checked == 3
    assert b.id not in drift.stale

    assert repair(opensearch, db_session, alias, drift, TODAY) == 3
    assert verify(opensearch, db_session, alias, TODAY).clean
    assert set(search_ids(opensearch, alias)) == {a.id, b.id, c.id}


@pytest.mark.smoke
def test_status_reports_backlog_oldest_pending_and_lag(db_session, opensearch, alias):
    _synced_offers(db_session, opensearch, alias, n=3)
    late = make_offer(db_session)
    enqueue(db_session, "offer", [late.id], "created")
    db_session.commit()
    pending = db_session.scalar(select(OutboxEvent).where(OutboxEvent.processed_at.is_(None)))

    report = status(db_session, now=pending.created_at + timedelta(seconds=90))

    assert (report.backlog, report.failing, report.recent) == (1, 0, 3)
    assert report.oldest_pending_age == pytest.approx(90, abs=1)
    assert 0 <= report.lag_p50 <= report.lag_p95 <= report.lag_max
    assert "1 pending" in report.lines()[0]


@pytest.mark.smoke
def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95)) == (50.0, 95.0)
    assert percentile([], 0.5) is None


@pytest.mark.smoke
def test_expiry_expires_past_offers_with_outbox_and_audit_rows_then_sync_drops_them(
        db_session, opensearch, alias):
    fresh, old = _synced_offers(db_session, opensearch, alias, n=2)
    old.valid_until = TODAY - timedelta(days=1)
    db_session.commit()
    version = old.version

    assert expire(db_session, TODAY) == 1
    assert expire(db_session, TODAY) == 0  # idempotent

    db_session.expire_all()
    assert db_session.get(Offer, old.id).status == "expired"
    assert db_session.get(Offer, old.id).version == version + 1
    assert db_session.get(Offer, fresh.id).status == "active"
    assert db_session.scalar(select(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
                             ).entity_id == old.id
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "offer.expire",
                                                       AuditEvent.target_id == str(old.id)))
    assert audit is not None
    drain(opensearch, db_session, alias, TODAY)
    assert set(search_ids(opensearch, alias)) == {fresh.id}


@pytest.fixture
def cli_env(app, committed_db, alias):  # type: ignore[no-untyped-def]
    config = app.config["MALL"]
    return {"MALL_DATABASE_URL": config.database_url, "MALL_SEARCH_ALIAS": alias,
            "MALL_OPENSEARCH_URL": config.opensearch_url, "MALL_SECRET_KEY": "test"}


@pytest.mark.postgres_only
def test_cli_verify_exits_1_on_drift_and_0_after_repair(session, opensearch, alias, cli_env):
    offers = [make_offer(session) for _ in range(3)]
    session.commit()
    runner = CliRunner()

    drifted = runner.invoke(cli, ["verify"], env=cli_env)
    assert drifted.exit_code == 1, drifted.output
    assert "3 missing" in drifted.output

    repaired = runner.invoke(cli, ["verify", "--repair"], env=cli_env)
    assert repaired.exit_code == 0, repaired.output
    assert "repaired 3 offers" in repaired.output
    assert runner.invoke(cli, ["verify"], env=cli_env).exit_code == 0
    assert set(search_ids(opensearch, alias)) == {o.id for o in offers}


@pytest.mark.postgres_only
def test_cli_rebuild_sync_expire_and_status(session, opensearch, alias, cli_env):
    offers = [make_offer(session) for _ in range(3)]
    session.commit()
    runner = CliRunner()

    built = runner.invoke(cli, ["rebuild"], env=cli_env)
    assert built.exit_code == 0, built.output
    assert "with 3 documents" in built.output
    assert "3/3 documents" in built.stderr  # plain progress lines when not on a terminal

    offers[0].valid_until = TODAY - timedelta(days=1)
    offers[1].price, offers[1].version = Decimal("7.00"), offers[1].version + 1
    enqueue(session, "offer", [offers[1].id], "price")
    session.commit()
    assert "expired 1 offers" in runner.invoke(cli, ["expire"], env=cli_env).output
    synced = runner.invoke(cli, ["sync"], env=cli_env)
    assert synced.exit_code == 0, synced.output
    assert "synced 2 events: 1 indexed, 1 deleted" in synced.output
    docs = search_ids(opensearch, alias)
    assert set(docs) == {offers[1].id, offers[2].id} and docs[offers[1].id]["price"] == 7.0

    shown = runner.invoke(cli, ["status"], env=cli_env)
    assert shown.exit_code == 0 and "outbox backlog: 0 pending" in shown.output
    assert runner.invoke(cli, ["verify"], env=cli_env).exit_code == 0


@pytest.mark.postgres_only
def test_cli_sync_gives_up_after_max_failures_and_loses_nothing(session, opensearch, alias,
                                                                 cli_env):
    from tests.indexer.tcp_proxy import TcpProxy

    proxy = TcpProxy("127.0.0.1", int(opensearch.transport.hosts[0]["port"]))
    proxy.close()
    offer = make_offer(session)
    enqueue(session, "offer", [offer.id], "created")
    session.commit()
    result = CliRunner().invoke(cli, ["sync", "--max-failures", "1"],
                                env={**cli_env, "MALL_OPENSEARCH_URL": proxy.url})
    assert result.exit_code == 1 and "sync gave up" in result.output
    session.expire_all()
    assert session.scalar(select(OutboxEvent)).processed_at is None
    # A verify against the real node shows the drift the outage left behind.
    helpers.bulk(opensearch, [])  # (no-op: nothing was written behind our back)
    assert verify(opensearch, session, alias, TODAY).missing == [offer.id]
    assert build_document(offer)["offer_id"] == offer.id
