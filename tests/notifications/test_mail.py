"""Notifications by e-mail through the real local SMTP server (``make services``): sent by the
worker after the request committed, in the recipient's language, once, and retried when SMTP
fails or a worker dies mid-way."""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import default as default_policy
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mall.config import Config
from mall.db import utcnow
from mall.jobs.worker import Worker
from mall.notifications import mail
from mall.notifications.mail import set_subject
from mall.notifications.models import Notification
from tests.factories.accounts import approval_limits
from tests.orders.conftest import World
from tests.support import closed_port

Inbox = Callable[[], list[EmailMessage]]


@pytest.fixture
def received(smtp_maildir: Path) -> Inbox:
    """What the SMTP server received since the test began (other runs' mail left out)."""
    box = mailbox.Maildir(smtp_maildir, create=False)
    before = set(box.keys())

    def new() -> list[EmailMessage]:
        box = mailbox.Maildir(smtp_maildir, create=False)
        found = []
        for key in sorted(set(box.keys()) - before):
            with box.get_file(key) as raw:
                found.append(_parse(raw.read()))
        return found

    return new


def _parse(raw: bytes) -> EmailMessage:
    from email import message_from_bytes

    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _subject(message: EmailMessage) -> str:
    """The subject as read (a long one is folded in transit, around its encoded words)."""
    return " ".join(str(message["Subject"]).split())


def _mine(messages: list[EmailMessage], ids: set[int]) -> list[EmailMessage]:
    return [m for m in messages if int(m["X-Mall-Notification"] or 0) in ids]


def _rejected(client: FlaskClient, world: World) -> Notification:
    """An approver rejects a pending requisition over HTTP: the requester is notified."""
    approval_limits(world.purchaser, "5000", "8000", 2)
    rid = world.requisition((world.offers[0], 6000)).id
    world.session.execute(Notification.__table__.delete())
    response = client.post(f"/api/v1/requisitions/{rid}/reject", json={"reason": "预算不足"},
                           headers=world.headers(world.approvers[1]))
    assert response.status_code == 200
    [notification] = world.session.scalars(select(Notification))
    assert notification.recipient_id == world.buyer.id
    return notification


def test_the_worker_mails_a_notification_after_the_request_in_chinese(
        client: FlaskClient, world: World, received: Inbox, app: Flask) -> None:
    notification = _rejected(client, world)
    # The request committed; nothing was sent inside it.
    assert notification.mail_due_at is not None and notification.mailed_at is None
    assert _mine(received(), {notification.id}) == []

    assert Worker(app, drain=False, periodic=False).round()
    [message] = _mine(received(), {notification.id})
    assert message["Delivered-To"] == world.buyer.email
    assert world.buyer.email in message["To"]
    rid = notification.params["requisition_id"]
    assert _subject(message) == (f"[政府采购电子卖场] 采购申请 #{rid} 被 "
                                 f"{world.approvers[1].name} 驳回：预算不足")
    assert message["Content-Language"] == "zh-CN"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"{app.config['MALL'].base_url}/requisitions/{rid}"
    assert "预算不足" in text and f"查看：{link}" in text
    assert f'href="{link}"' in html and '<html lang="zh-CN">' in html
    world.session.refresh(notification)
    assert notification.mailed_at is not None and notification.mail_due_at is None
    assert notification.mail_attempts == 1

    # Later rounds send nothing more.
    Worker(app, drain=False, periodic=False).round()
    assert len(_mine(received(), {notification.id})) == 1


def test_a_recipient_in_an_english_region_gets_english(
        client: FlaskClient, world: World, received: Inbox, app: Flask) -> None:
    world.purchaser.region = "US-VA"
    notification = _rejected(client, world)
    assert mail.send_due(world.session, app.config["MALL"]).sent == 1
    [message] = _mine(received(), {notification.id})
    rid = notification.params["requisition_id"]
    assert _subject(message) == (f"[Government e-Mall] Requisition #{rid} was rejected by "
                                  f"{world.approvers[1].name}: 预算不足")
    assert message["Content-Language"] == "en"
    assert "Open: http" in message.get_body(("plain",)).get_content()


def test_failing_smtp_leaves_the_mail_due_and_it_is_sent_once_later(
        client: FlaskClient, world: World, received: Inbox, app: Flask) -> None:
    config: Config = app.config["MALL"]
    notification = _rejected(client, world)
    down = config.replace(smtp_url=f"smtp://127.0.0.1:{closed_port()}")
    now = utcnow()
    outcome = mail.send_due(world.session, down, now=now)
    assert (outcome.sent, outcome.failed) == (0, 1)
    world.session.refresh(notification)
    assert notification.mailed_at is None and notification.mail_attempts == 1
    assert notification.mail_error and "Connection" in notification.mail_error
    assert notification.mail_due_at is not None and notification.mail_due_at > now
    # Not due again before its backoff, even with SMTP back.
    assert mail.send_due(world.session, config, now=now + timedelta(seconds=1)).busy is False
    assert _mine(received(), {notification.id}) == []
    # A second failure waits twice as long.
    later = now + mail.RETRY_BASE
    mail.send_due(world.session, down, now=later)
    world.session.refresh(notification)
    assert notification.mail_attempts == 2
    assert notification.mail_due_at == later + 2 * mail.RETRY_BASE
    # SMTP is back: sent once, then never again.
    assert mail.send_due(world.session, config, now=later + timedelta(hours=1)).sent == 1
    assert mail.send_due(world.session, config, now=later + timedelta(days=1)).busy is False
    assert len(_mine(received(), {notification.id})) == 1
    world.session.refresh(notification)
    assert notification.mail_attempts == 3 and notification.mail_error is None


def test_a_worker_dying_after_its_claim_loses_nothing_and_sends_nothing_twice(
        client: FlaskClient, world: World, received: Inbox, app: Flask) -> None:
    config: Config = app.config["MALL"]
    notification = _rejected(client, world)
    now = utcnow()
    # A worker claims the mail (committed) and dies before sending it.
    assert mail.claim(world.session, now) == [notification.id]
    # Meanwhile another worker finds nothing to do: the claim holds until its lease runs out.
    assert mail.claim(world.session, now + timedelta(seconds=1)) == []
    assert mail.send_due(world.session, config, now=now + timedelta(seconds=1)).busy is False
    assert _mine(received(), {notification.id}) == []
    # After the lease, the next worker sends it, once.
    after = now + mail.LEASE + timedelta(seconds=1)
    assert mail.send_due(world.session, config, now=after).sent == 1
    assert mail.send_due(world.session, config, now=after + mail.LEASE * 2).busy is False
    assert len(_mine(received(), {notification.id})) == 1


def test_without_smtp_notifications_are_made_but_not_mailed(
        client: FlaskClient, world: World, app: Flask) -> None:
    config: Config = app.config["MALL"]
    app.config["MALL"] = config.replace(smtp_url="")
    try:
        notification = _rejected(client, world)
    finally:
        app.config["MALL"] = config
    assert notification.mail_due_at is None and notification.mailed_at is None
    assert mail.claim(world.session, utcnow() + timedelta(days=1)) == []


@pytest.mark.parametrize("subject", [
    # the email package alone lost the space after "#1" in this one
    "[政府采购电子卖场] 采购申请 #1 被 Test User 4 驳回：预算不足",
    "[政府采购电子卖场] 采购申请 #21 被 王小明 驳回：" + "预算不足" * 12,
    "[Government e-Mall] Requisition #1 was rejected by Test User 4: over budget",
    "[Government e-Mall] " + "Requisition #1 was rejected by Test User 4: over budget. " * 3,
])
def test_subjects_arrive_exactly_as_written(subject: str) -> None:
    mail = EmailMessage(policy=SMTP_POLICY)
    set_subject(mail, subject)
    mail.set_content("body")
    wire = mail.as_bytes()
    assert all(len(line) <= 78 for line in wire.split(b"\r\n"))
    assert message_from_bytes(wire, policy=default_policy)["Subject"] == subject
