"""Helpers of the notifications e2e tests: reading the local SMTP server's mail directory,
calling the service's RPCs, importing learners by CSV."""
import csv
import email
import email.policy
import io
import re
from dataclasses import dataclass
from pathlib import Path

from nameko.standalone.rpc import ClusterRpcProxy

API = "/api/v1"
IMPORT_COLUMNS = ["username", "full_name", "email", "phone", "unit_code", "category", "job_title"]


@dataclass
class Mail:
    path: Path
    to: str
    kind: str
    subject: str
    text: str
    html: str
    message_id: str


def read_mail(path):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return Mail(path, email.utils.parseaddr(str(message["To"]))[1].lower(), str(message["X-Mooc-Mail-Kind"]),
                str(message["Subject"]), text, html, str(message["Message-ID"]))


class Mailbox:
    """What the platform's SMTP server received (one .eml per message, received.log per delivery)."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self._read = {}  # path -> (mtime, Mail): thousands of mails are parsed once each

    def _mail(self, path):
        mtime = path.stat().st_mtime_ns
        cached = self._read.get(path)
        if not cached or cached[0] != mtime:
            cached = self._read[path] = (mtime, read_mail(path))
        return cached[1]

    def mails(self, kind=None, to=None):
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            mail = self._mail(path)
            if (kind is None or mail.kind == kind) and (to is None or mail.to in to):
                found.append(mail)
        return found

    def deliveries(self, kind=None):
        """(timestamp, message id) of every delivery, duplicates included."""
        log = self.directory / "received.log"
        if not log.exists():
            return []
        rows = [line.split(" ") for line in log.read_text().splitlines() if line]
        return [(r[0], r[1]) for r in rows if kind is None or r[2] == kind]


def rpc(platform, service, method, *args):
    with ClusterRpcProxy({"AMQP_URI": platform.env["AMQP_URI"]}, timeout=60) as cluster:
        return getattr(getattr(cluster, service), method)(*args)


def csv_upload(client, tenant_id, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    writer.writerows(rows)
    return client.request("POST", f"{API}/tenants/{tenant_id}/imports", data=out.getvalue().encode("utf-8"),
                          headers={"Content-Type": "text/csv"}, expect=(202,))


def link_in(text, path):
    match = re.search(rf"https?://\S+{re.escape(path)}\S*", text)
    assert match, f"no {path} link in the mail"
    return match.group(0)
