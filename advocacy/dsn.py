"""Read delivery-status notifications (RFC 3464) with the standard library's email package.

A report says, per recipient, what happened (``Action: failed`` / ``delayed`` / ``delivered``) with
an enhanced status code (RFC 3463: ``5.1.1`` permanent, ``4.4.1`` temporary). Which of our
deliveries it is about comes from the VERP token in the address the report was sent to, or failing
that from the envelope id or the Message-ID of the returned message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses

from .domain.verp import token_of

# Where mail servers write the address a message was delivered to (the envelope recipient).
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient's line in a report."""

    action: str  # failed | delayed | delivered | relayed | expanded (lower case)
    status: str  # "5.1.1", or "" when the report gave none we could read
    recipient: str = ""
    diagnostic: str = ""

    @property
    def permanent(self) -> bool:
        """The message will never arrive: the only case that marks a delivery bounced."""
        return self.action == "failed" and self.status.startswith("5.")

    @property
    def delayed(self) -> bool:
        return self.action == "delayed" or (self.action != "failed" and self.status.startswith("4."))

    def describe(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic) if part)[:400]


@dataclass(frozen=True)
class BounceReport:
    """What one inbound message says, and how to find the delivery it is about."""

    tokens: tuple[str, ...] = ()
    envelope_id: str = ""
    message_ids: tuple[str, ...] = ()
    recipients: tuple[RecipientStatus, ...] = ()
    report_id: str = ""  # the report's own Message-ID: a repeat of the same report changes nothing

    @property
    def is_report(self) -> bool:
        return bool(self.recipients)

    @property
    def outcome(self) -> RecipientStatus | None:
        """The line that decides: a permanent failure first, then a delay (one recipient per message)."""
        return next((r for r in self.recipients if r.permanent), None) or \
            next((r for r in self.recipients if r.delayed), None)


def parse_report(raw: bytes, bounce_address: str) -> BounceReport:
    """Read ``raw`` (one message); a message that is not a delivery-status report has no recipients."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    tokens = _tokens(message, bounce_address)
    status_part = _first(message, ("message/delivery-status",))
    recipients: tuple[RecipientStatus, ...] = ()
    envelope_id = ""
    if status_part is not None:
        blocks = [block for block in status_part.get_payload() if isinstance(block, Message)]
        if blocks:
            envelope_id = _clean(blocks[0].get("Original-Envelope-Id", ""))
            recipients = tuple(_recipient(block) for block in blocks[1:]
                               if block.get("Action") or block.get("Status"))
    returned = _returned_headers(message)
    message_ids = tuple(_clean(value) for value in (returned.get_all("Message-ID") or []) if value) \
        if returned is not None else ()
    return BounceReport(tokens, envelope_id, message_ids, recipients, _clean(message.get("Message-ID", "")))


def _tokens(message: EmailMessage, bounce_address: str) -> tuple[str, ...]:
    found: list[str] = []
    for name in ENVELOPE_HEADERS:
        for _display, address in getaddresses([str(value) for value in message.get_all(name) or []]):
            token = token_of(address, bounce_address)
            if token and token not in found:
                found.append(token)
    return tuple(found)


def _first(message: EmailMessage, types: tuple[str, ...]) -> Message | None:
    return next((part for part in message.walk() if part.get_content_type() in types), None)


def _recipient(block: Message) -> RecipientStatus:
    status = _STATUS.search(str(block.get("Status", "")))
    recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
    return RecipientStatus(
        action=str(block.get("Action", "")).strip().lower(),
        status=".".join(status.groups()) if status else "",
        recipient=recipient.partition(";")[2].strip() or recipient.strip(),
        diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).partition(";")[2].split()),
    )


def _returned_headers(message: EmailMessage) -> Message | None:
    """The headers of the message that could not be delivered, when the report carries them."""
    part = _first(message, ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"))
    if part is None:
        return None
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        return payload[0] if isinstance(payload, list) and payload else None
    text = part.get_payload(decode=True) or b""
    return HeaderParser(policy=policy.default).parsestr(text.decode("utf-8", "replace"))


def _clean(value: object) -> str:
    return " ".join(str(value).split())[:300]
