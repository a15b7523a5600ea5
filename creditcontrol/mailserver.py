"""A local SMTP server that keeps every message it is sent, for a machine with no mail server of its own.

`make run` starts it when EMAIL_URL is unset (as it starts PostgreSQL and Redis), points the app at it
and sets LOCAL_MAILBOX_DIR, so the messages the product sends (invitations, statements) land in a Maildir
under var/mail and show on the tenant admin's "Sent mail" page (`creditcontrol.mailbox`). The tests
start the same server in-process, so mail goes through a real SMTP conversation there too.

    python -m creditcontrol.mailserver --port 8025 --maildir var/mail
"""

import argparse
import logging
import mailbox
import signal
import socket
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class MaildirHandler:
    """Stores each message as the server received it, with the envelope's recipients as a header.

    Addresses in `refuse` are answered as a real server answers an unknown mailbox (550), those in `defer`
    as a busy one (451): how the tests meet a bounce and a retry.
    """

    def __init__(self, maildir: Path, refuse=(), defer=()):
        maildir.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(maildir, create=True)
        self.lock = threading.Lock()
        self.refuse, self.defer = set(refuse), set(defer)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        if address in self.defer:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        envelope_to = ", ".join(envelope.rcpt_tos).encode()
        with self.lock:
            self.maildir.add(b"X-Envelope-To: " + envelope_to + b"\r\n" + envelope.original_content)
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class MailServer:
    """A running server (in a thread of this process): `with MailServer(maildir) as server: server.port`."""

    def __init__(self, maildir: Path, host: str = "127.0.0.1", port: int | None = None, refuse=(), defer=()):
        self.maildir = Path(maildir)
        self.host = host
        self.port = port or free_port(host)
        self.handler = MaildirHandler(self.maildir, refuse=refuse, defer=defer)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
        self.controller = Controller(self.handler, hostname=host, port=self.port)

    def start(self) -> "MailServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "MailServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def messages(self) -> list:
        """Every message received so far, oldest first (email.message.Message objects)."""
        return sorted(mailbox.Maildir(self.maildir, create=False), key=lambda message: message.get_date())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m creditcontrol.mailserver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    options = parser.parse_args()
    server = MailServer(options.maildir, options.host, options.port).start()
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
