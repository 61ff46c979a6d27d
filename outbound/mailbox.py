"""The demo's mail backend: every email is kept as an .eml file instead of being sent, filed
under the workspace it was sent for (the X-Parley-Workspace header outbound/sending.py adds,
the workspace's public app id), so an admin can read what went out without a mail server.
Mail without that header (sign-in links, inbox reply emails) goes under `_other`.

    EMAIL_BACKEND=outbound.mailbox.EmailBackend   EMAIL_FILE_PATH=var/mailbox   (config/settings/local.py)

Production uses SMTP or an anymail provider; docker-compose's Mailpit catches SMTP locally."""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from outbound.sending import WORKSPACE_HEADER

_APP_ID = re.compile(r"^[A-Za-z0-9]{4,16}$")
_NAME = re.compile(r"^\d{19}-[0-9a-f]{8}\.eml$")
OTHER = "_other"


def root() -> Path:
    return Path(settings.EMAIL_FILE_PATH or Path(settings.VAR_DIR) / "mailbox")


def _folder(app_id: str) -> Path:
    return root() / (app_id.lower() if _APP_ID.match(app_id or "") else OTHER)


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        count = 0
        for email in email_messages:
            message = email.message()
            folder = _folder(str(message.get(WORKSPACE_HEADER) or ""))
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns():019d}-{secrets.token_hex(4)}.eml"
            partial = folder / f".{name}.tmp"
            partial.write_bytes(message.as_bytes(linesep="\r\n"))
            os.replace(partial, folder / name)  # a reader never sees half a message
            count += 1
        return count


@dataclass(frozen=True)
class Kept:
    name: str
    subject: str
    to: str
    sender: str
    date: str
    text: str = ""


def _read(path: Path, *, body: bool) -> Kept:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    text = ""
    if body:
        part = message.get_body(("plain", "html"))
        text = part.get_content() if part is not None else ""
    return Kept(name=path.name, subject=str(message.get("Subject", "")), to=str(message.get("To", "")),
                sender=str(message.get("From", "")), date=str(message.get("Date", "")), text=text)


def mailbox_list(*, app_id: str, limit: int = 100) -> list[Kept]:
    """The newest emails kept for one workspace (by its app id; never another's folder)."""
    folder = _folder(app_id)
    if folder.name == OTHER or not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if _NAME.match(p.name)), reverse=True)[:limit]
    return [_read(folder / name, body=False) for name in names]


def mailbox_get(*, app_id: str, name: str) -> Kept | None:
    folder = _folder(app_id)
    if folder.name == OTHER or not _NAME.match(name) or not (folder / name).is_file():
        return None
    return _read(folder / name, body=True)
