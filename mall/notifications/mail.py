"""Notifications by e-mail: sent by the worker after the notification's transaction committed.

A notification made while SMTP is configured (``MALL_SMTP_URL``) is due at once
(``mail_due_at``). Each worker round claims a few due rows — ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL so workers do not queue behind each other, and one conditional UPDATE per row on
every database so two workers never both win one — by moving ``mail_due_at`` a lease ahead
and counting the attempt, and commits the claim before talking to SMTP. Then, per mail:

- sent: ``mailed_at`` set, ``mail_due_at`` cleared, committed at once, so a worker dying
  later never sends it again;
- SMTP failed: due again after a backoff that doubles per attempt (given up after
  ``MAX_ATTEMPTS`` or at once on a permanent 5xx refusal), the error kept in ``mail_error``;
- the worker died before either: the lease runs out and the mail comes due again.

The only window for a duplicate is a death between the server's "250 OK" and the commit
right after it; the Message-ID is the same on every attempt, so a receiver can tell.
Each mail is written in its recipient's language (``mail_language``) with their time zone,
as plain text and simple HTML, and logged on one line.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.config import Config
from mall.db import utcnow
from mall.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext
from mall.jobs.services import claim_rows
from mall.notifications.messages import render
from mall.notifications.models import Notification
from mall.timezones import user_zone

log = logging.getLogger("mall.mail")

# A claimed mail not finished within this long (its worker died) is claimed again.
LEASE = timedelta(minutes=5)
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 8
BATCH = 20
# Regions whose people read English by default; everyone else: the mall's default, Chinese.
ENGLISH_COUNTRIES = frozenset({"US", "GB"})


# --- Composing ------------------------------------------------------------------------------

def mail_language(user: User) -> str:
    """The recipient's language: their own choice if the model has one, else their
    organization's region's (English for US/GB regions), else Chinese."""
    chosen = getattr(user, "language", None)
    if chosen in LANGUAGES:
        return str(chosen)
    region = (user.organization.region or "") if user.organization is not None else ""
    return "en" if region.split("-")[0].upper() in ENGLISH_COUNTRIES else DEFAULT_LANGUAGE


def compose(notification: Notification, user: User, config: Config) -> EmailMessage:
    """The mail for one notification, in the recipient's language, plain text and HTML."""
    lang = mail_language(user)
    link = config.base_url + (notification.link or "/inbox")
    inbox = config.base_url + "/inbox"
    with force_locale(lang):
        message = render(notification.kind, notification.params or {}, user_zone(user))
        site = gettext("Government e-Mall")
        lines = {"open": gettext("Open: %(url)s", url=link),
                 "inbox": gettext("All your notifications: %(url)s", url=inbox),
                 "why": gettext("You receive this e-mail because your work in the Government "
                                "e-Mall needs to know of this. Please do not reply.")}
        html = current_app.jinja_env.get_template("notifications/mail.html").render(
            lang=lang, site=site, message=message, link=link, inbox=inbox)
    mail = EmailMessage(policy=SMTP_POLICY)
    subject = f"[{site}] {message}"
    set_subject(mail, subject if len(subject) <= 150 else subject[:149] + "…")
    mail["From"] = config.mail_from
    mail["To"] = formataddr((user.name, user.email))
    mail["Date"] = formatdate(usegmt=True)
    # The same on every attempt: a receiver can recognise the rare duplicate.
    domain = config.mail_from.rpartition("@")[2] or "mall.localhost"
    mail["Message-ID"] = f"<notification-{notification.id}@{domain}>"
    mail["X-Mall-Notification"] = str(notification.id)
    mail.set_content(f"{message}\n\n{lines['open']}\n{lines['inbox']}\n\n-- \n{lines['why']}\n")
    mail.add_alternative(html, subtype="html")
    # After the parts: making the message multipart moves Content-* headers into a part.
    mail["Content-Language"] = "zh-CN" if lang == "zh" else lang
    return mail


def set_subject(mail: EmailMessage, subject: str) -> None:
    """The Subject, encoded and folded here rather than by the email package, whose folder
    can turn the space before a fold into the folding white space between two encoded
    words, which readers drop ("#1 被" arrives as "#1被"). Here every character is inside
    an encoded word (or, when all ASCII, folded at spaces after the name, never before the
    first word); the folded lines are stored as they are."""
    charset = "us-ascii" if subject.isascii() else "utf-8"
    mail.set_raw("Subject", Header(subject, charset, header_name="Subject").encode(
        linesep="\r\n"))


# --- SMTP -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool = False
    starttls: bool = False
    username: str = ""
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://...``."""
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        return cls(host=parts.hostname or "127.0.0.1", port=parts.port or (465 if tls else 25),
                   tls=tls, starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
                   username=unquote(parts.username or ""), password=unquote(parts.password or ""))

    def connect(self, timeout: float = 15.0) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
            if self.starttls:
                smtp.starttls(context=context)
        if self.username:
            smtp.login(self.username, self.password)
        return smtp


def _permanent(exc: Exception) -> bool:
    """A 5xx answer about this mail: sending it again would be refused again."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPServerDisconnected)
    return False


def _quit(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# --- The worker's round ---------------------------------------------------------------------

@dataclass
class MailRound:
    sent: int = 0
    failed: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.sent or self.failed)


def claim(session: Session, now: datetime, lease: timedelta = LEASE,
          limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due mails (moving each a lease ahead, one attempt more); commits."""
    won = claim_rows(session, Notification, Notification.mail_due_at <= now,
                     [Notification.mail_due_at, Notification.id],
                     dict(mail_due_at=now + lease, mail_attempts=Notification.mail_attempts + 1),
                     limit=limit)
    session.commit()
    return [int(notification_id) for notification_id in won]


def send_due(session: Session, config: Config, now: datetime | None = None,
             lease: timedelta = LEASE, limit: int = BATCH) -> MailRound:
    """Claim due mails and send them over one SMTP connection; each outcome committed."""
    outcome = MailRound()
    if not config.smtp_url:
        return outcome
    now = now or utcnow()
    ids = claim(session, now, lease, limit)
    server = SmtpServer.from_url(config.smtp_url)
    smtp: smtplib.SMTP | None = None
    try:
        for notification_id in ids:
            notification = session.get(Notification, notification_id, populate_existing=True)
            if notification is None:  # its recipient was deleted meanwhile
                continue
            user = session.get(User, notification.recipient_id)
            if user is None or not user.active:
                _finish(session, notification, now, sent=False,
                        error="recipient is no longer active")
                log.info("mail: notification %s to user %s: not sent (recipient inactive)",
                         notification.id, notification.recipient_id)
                continue
            try:
                mail = compose(notification, user, config)
                smtp = smtp or server.connect()
                smtp.send_message(mail)
            except (smtplib.SMTPException, OSError) as exc:
                _quit(smtp)
                smtp = None
                outcome.failed += 1
                _failed(session, notification, now, exc)
                continue
            _finish(session, notification, now, sent=True)
            outcome.sent += 1
            log.info("mail: notification %s to user %s (%s, %s): sent, attempt %s",
                     notification.id, user.id, mail_language(user), notification.kind,
                     notification.mail_attempts)
    finally:
        _quit(smtp)
    return outcome


def _finish(session: Session, notification: Notification, now: datetime, sent: bool,
            error: str | None = None) -> None:
    notification.mailed_at = now if sent else None
    notification.mail_due_at = None
    notification.mail_error = error
    session.commit()


def _failed(session: Session, notification: Notification, now: datetime,
            exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    notification.mail_error = error
    if _permanent(exc) or notification.mail_attempts >= MAX_ATTEMPTS:
        notification.mail_due_at = None
        verdict = "given up"
    else:
        delay = min(RETRY_CAP, RETRY_BASE * 2 ** max(notification.mail_attempts - 1, 0))
        notification.mail_due_at = now + delay
        verdict = f"retry in {int(delay.total_seconds())}s"
    session.commit()
    log.warning("mail: notification %s to user %s: attempt %s failed (%s), %s",
                notification.id, notification.recipient_id, notification.mail_attempts,
                error, verdict)
