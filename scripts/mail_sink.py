#!/usr/bin/env python3
"""The local SMTP server of `make run` and the tests (aiosmtpd), on loopback: every mail it
accepts is written to ``--dir`` so that a person can read it (``var/mail/`` for `make run`).

    python scripts/mail_sink.py --port 8025 --dir var/mail

One file per message, named by its date and a hash of its Message-ID (``.eml``: open it with
any mail reader, or read it as text); a message delivered again with the same Message-ID (the
mailer resends after a crash) replaces its file, like a mailbox that folds duplicates, and
``received.log`` keeps one line per delivery so duplicates stay visible.

Addresses at the reserved domain ``bounce.test`` are refused with a 550, the way a real
server refuses an unknown mailbox: the tests and the demo use them to show a bounce.
"""
import argparse
import asyncio
import datetime as dt
import email
import email.policy
import hashlib
import os
import signal
from pathlib import Path

from aiosmtpd.controller import Controller

MAX_MESSAGE_BYTES = 10 * 1024 * 1024


BOUNCE_DOMAIN = "@bounce.test"


class MailDirHandler:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        # Message-ID hash -> file name, so that a repeated delivery finds its file without
        # listing a directory of 40,000 mails each time.
        self.files = {p.stem.rsplit("-", 1)[-1]: p.name for p in self.directory.glob("*.eml")}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith(BOUNCE_DOMAIN):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message_id = str(message.get("Message-ID") or "").strip() or os.urandom(8).hex()
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:20]
        stamp = dt.datetime.now(dt.timezone.utc)
        target = self.directory / self.files.setdefault(digest, f"{stamp:%Y%m%dT%H%M%S}-{digest}.eml")
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(envelope.content)
        os.replace(tmp, target)  # a reader never sees half a mail
        with open(self.directory / "received.log", "a", encoding="utf-8") as log:
            log.write(f"{stamp.isoformat()} {message_id} {message.get('X-Mooc-Mail-Kind', '-')} {target.name}\n")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default="var/mail")
    args = parser.parse_args()
    controller = Controller(MailDirHandler(args.dir), hostname=args.host, port=args.port,
                            data_size_limit=MAX_MESSAGE_BYTES)
    controller.start()
    print(f"SMTP server on {args.host}:{args.port}, mail written to {args.dir}", flush=True)
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    loop.run_until_complete(stop)
    controller.stop()


if __name__ == "__main__":
    main()
