"""A real local SMTP server for dev and tests (aiosmtpd): every message it accepts is written
to a Maildir, so tests (and developers) read what the app sent.

    python devservices/smtp_server.py --host 127.0.0.1 --port 8025 --maildir var/mail

Each message lands in ``<maildir>/new/`` as one file (written to ``tmp/`` then renamed, so a
reader never sees half a message), with one ``Delivered-To:`` header per envelope recipient
and ``X-Envelope-From:``. Nothing is relayed anywhere. SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import mailbox
import signal
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger("smtp_server")


class MaildirHandler:
    def __init__(self, maildir: Path) -> None:
        # Maildir(create=True) makes the subfolders only when the folder itself is new.
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(maildir, create=False)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        message = message_from_bytes(content, policy=default_policy)
        for recipient in envelope.rcpt_tos:
            message["Delivered-To"] = recipient
        message["X-Envelope-From"] = envelope.mail_from or ""
        key = self.maildir.add(message)
        log.info("received %s from %s to %s (%s bytes)", key, envelope.mail_from,
                 ", ".join(envelope.rcpt_tos), len(content))
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, maildir: Path) -> None:
    handler = MaildirHandler(maildir)
    loop = asyncio.get_running_loop()
    # SMTPUTF8 on, so names and addresses in any script are accepted as they are.
    server = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="mall-dev-smtp"), host, port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("listening on %s:%s, writing to %s", host, port, maildir)
    async with server:
        await stop.wait()
    log.info("stopped")


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, default=Path("var/mail"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(serve(args.host, args.port, args.maildir.resolve()))


if __name__ == "__main__":
    main()
