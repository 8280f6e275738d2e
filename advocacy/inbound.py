"""Inbound mail on disk, as the mail server leaves it: a maildir, an mbox file, or one saved message."""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterator
from pathlib import Path

Done = Callable[[], None]  # call once the message has been handled, to mark it read (maildir only)


class InboundError(ValueError):
    """The path is not a mailbox we can read."""


def kind_of(path: Path) -> str:
    """``maildir``, ``mbox`` or ``message``."""
    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            return "maildir"
        raise InboundError(f"{path} is a directory but not a maildir (no cur/, new/ and tmp/)")
    if not path.is_file():
        raise InboundError(f"{path} does not exist")
    with path.open("rb") as stream:
        return "mbox" if stream.read(5) == b"From " else "message"


def read_messages(path: Path, *, again: bool = False) -> Iterator[tuple[bytes, Done]]:
    """Each message's bytes with a callback that marks it read.

    In a maildir, messages already marked read (the ``S`` flag) are skipped unless ``again``, so a
    command run from cron reads only what is new; an mbox or a single file is read whole every time
    (handling a report twice changes nothing).
    """
    kind = kind_of(path)
    if kind == "message":
        yield path.read_bytes(), lambda: None
        return
    if kind == "mbox":
        box = mailbox.mbox(path, create=False)
        for key in box.keys():
            yield box.get_bytes(key), lambda: None
        return
    maildir = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(maildir.keys()):
        message = maildir.get_message(key)
        if "S" in message.get_flags() and not again:
            continue
        yield maildir.get_bytes(key), _marker(maildir, key, message)


def _marker(maildir: mailbox.Maildir, key: str, message: mailbox.MaildirMessage) -> Done:
    def mark() -> None:
        message.set_subdir("cur")
        message.add_flag("S")
        maildir[key] = message

    return mark
