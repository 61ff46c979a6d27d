"""Receive one email from a mail server without a provider: Postfix or Exim pipe the raw
message to this command (e.g. `parley: "|/srv/parley/.venv/bin/python manage.py inbound_email"`
in /etc/aliases). It takes the same path as a provider's webhook."""

from __future__ import annotations

import sys

from anymail.inbound import AnymailInboundMessage
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inbox.inbound_email import inbound_email_receive


class Command(BaseCommand):
    help = "Read one raw email (MIME) from standard input and hand it to the inbox."
    stealth_options = ("stdin",)  # a binary stream in place of standard input (tests)

    def handle(self, *args: object, **options: object) -> None:
        # One byte past the limit is enough to know it is too large; never read unbounded.
        source = options.get("stdin") or sys.stdin.buffer
        raw = source.read(settings.INBOUND_EMAIL_MAX_BYTES + 1)  # type: ignore[union-attr]
        if not raw.strip():
            raise CommandError("No message on standard input.")
        receipt = inbound_email_receive(message=AnymailInboundMessage.parse_raw_mime_bytes(raw), provider="pipe", size=len(raw))
        if receipt is None:
            # Exit status 67 (EX_NOUSER) makes the mail server bounce it: no such mailbox.
            self.stderr.write("No workspace has this address.")
            sys.exit(67)
        self.stdout.write(f"{receipt.status} {receipt.pk}")
