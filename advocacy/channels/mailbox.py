"""The development mailbox: each message becomes an ``.eml`` file that staff can read.

Files are named after the Message-ID, so sending the same delivery twice rewrites one file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from ..config import Settings
from ..domain.errors import ChannelError, UnsafeHeader
from ..domain.types import OutgoingMessage
from ..mail import build_email
from .base import register


def mailbox_filename(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".eml"


class MailboxChannel:
    name = "mailbox"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @contextmanager
    def batch(self) -> Iterator[MailboxChannel]:
        yield self

    def send(self, message: OutgoingMessage) -> None:
        try:
            raw = build_email(message)
        except UnsafeHeader as exc:
            raise ChannelError(str(exc), permanent=True) from exc
        target = self.directory / mailbox_filename(message.message_id)
        # A name of its own per write, so two workers writing the same message never share a partial file.
        partial = target.with_name(f"{target.stem}.{secrets.token_hex(4)}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(raw)
            os.replace(partial, target)  # atomic: a reader never sees half a message
        except OSError as exc:
            with contextlib.suppress(OSError):  # the same fault (no directory, say) may stop the clean-up
                partial.unlink(missing_ok=True)
            raise ChannelError(f"cannot write to the mailbox: {exc}", permanent=False) from exc


def read_mailbox(directory: Path) -> list[tuple[Path, EmailMessage]]:
    """Every message in the mailbox, oldest first."""
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.eml"), key=lambda p: (p.stat().st_mtime, p.name))
    parser = BytesParser(policy=policy.default)
    return [(path, parser.parsebytes(path.read_bytes())) for path in files]  # type: ignore[misc]


@register("mailbox")
def _make(settings: Settings) -> MailboxChannel:
    return MailboxChannel(settings.mailbox_path)
