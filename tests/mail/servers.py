"""Real mail servers for the tests and the benchmark: a private Dovecot (IMAP) in a temporary
folder on a free port, and aiosmtpd (SMTP) in-process. Nothing system-wide is started."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from email import message_from_bytes, policy

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_USER, IMAP_PASSWORD = "crm@example.org", "secret"

CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    def __init__(self, folder: str, port: int):
        self.folder, self.port = folder, port

    @property
    def url(self) -> str:
        return f"imap://{IMAP_USER.replace('@', '%40')}:{IMAP_PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(IMAP_USER, IMAP_PASSWORD)
        return client

    def append(self, messages, folder="INBOX") -> None:
        client = self.client()
        try:
            for data in messages:
                client.append(folder, None, None, data)
        finally:
            client.logout()

    def message_ids(self, folder: str) -> list[str]:
        client = self.client()
        try:
            status, _ = client.select(f'"{folder}"')
            if status != "OK":
                return []
            _, data = client.search(None, "ALL")
            ids = []
            for num in (data[0] or b"").split():
                _, fetched = client.fetch(num, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                header = message_from_bytes(fetched[0][1], policy=policy.default)
                ids.append(str(header["Message-ID"]).strip())
            return ids
        finally:
            client.logout()


@contextmanager
def dovecot():
    if not os.path.exists(DOVECOT):
        raise RuntimeError("Dovecot is not installed: run `make dovecot` (apt-get install dovecot-imapd).")
    folder = tempfile.mkdtemp(prefix="crm-dovecot-")
    port = free_port()
    uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    for sub in ("run", "state", "mail"):
        os.makedirs(os.path.join(folder, sub))
    with open(os.path.join(folder, "users"), "w") as handle:
        handle.write(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    with open(os.path.join(folder, "dovecot.conf"), "w") as handle:
        handle.write(CONF.format(d=folder, uid=uid, gid=gid, port=port))
    os.chmod(folder, 0o755)
    shutil.chown(os.path.join(folder, "mail"), "dovecot", "dovecot")
    subprocess.run(
        [DOVECOT, "-c", os.path.join(folder, "dovecot.conf")],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    server = Dovecot(folder, port)
    deadline = time.monotonic() + 10
    while True:
        try:
            server.client().logout()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield server
    finally:
        pid_file = os.path.join(folder, "run", "master.pid")
        try:
            with open(pid_file) as handle:
                pid = int(handle.read().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not os.path.exists(pid_file):
                    break
                time.sleep(0.05)
        except (OSError, ValueError):
            pass
        shutil.rmtree(folder, ignore_errors=True)


class Inbox:
    """What the aiosmtpd server received: envelopes, parsed back as messages."""

    def __init__(self):
        self.envelopes = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


@contextmanager
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
