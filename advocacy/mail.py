"""Build outgoing email safely.

Header values that come from supporters (names, subjects) are checked before they reach
the email package, and the serialized message is parsed again to prove that the header
set is exactly the one we meant to write and that each address header carries exactly
the address we meant. This guards against header injection through raw CR/LF, RFC 2047
encoded-words that decode to CR/LF, and Unicode line separators, including the known
flaws of unpatched CPython 3.11 (CVE-2024-6923, CVE-2026-1299). Attachments get the same
treatment: their names are checked like headers, and each part must read back with the name,
type and bytes we wrote, and no header beyond the MIME ones.
"""

from __future__ import annotations

import re
import unicodedata
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate

from .domain.errors import UnsafeHeader
from .domain.types import Attachment, OutgoingMessage

_ENCODED_WORD = re.compile(r"=\?[^?]*\?[bBqQ]\?", re.ASCII)
# Characters that end a line somewhere: CR, LF, VT, FF, FS/GS/RS, NEL, LS, PS.
_LINE_BREAKS = set("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Control, format, line/paragraph separators, and lone surrogates (which cannot even be encoded).
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
# RFC 5322 field names: printable ASCII except the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+", re.ASCII)
_ADDRESS_HEADERS = ("From", "To", "Reply-To")
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*", re.ASCII)


def unsafe_reason(value: str) -> str | None:
    """Why ``value`` cannot go into a header, or ``None`` when it is safe."""
    if any(ch in _LINE_BREAKS for ch in value):
        return "contains a line break"
    if _ENCODED_WORD.search(value):
        return "contains an encoded-word (=?charset?q?...?=)"
    for ch in value:
        if unicodedata.category(ch) in _UNSAFE_CATEGORIES and ch != "\t":
            return f"contains the control or format character U+{ord(ch):04X}"
    return None


def clean_header_text(value: str, what: str) -> str:
    """Return ``value`` if it is safe for a header, else raise ``UnsafeHeader`` naming ``what``."""
    reason = unsafe_reason(value)
    if reason:
        raise UnsafeHeader(f"{what} {reason}")
    return value


def _address(name: str, address: str, what: str) -> Address:
    clean_header_text(name, f"{what} name")
    clean_header_text(address, f"{what} address")
    try:
        username, domain = address.rsplit("@", 1)
        return Address(display_name=name, username=username, domain=domain)
    except (ValueError, IndexError) as exc:
        raise UnsafeHeader(f"{what} address is not an email address") from exc


def build_email(message: OutgoingMessage) -> bytes:
    """Serialize ``message`` as RFC 5322 bytes, or raise ``UnsafeHeader``.

    The result is pure ASCII unless an address is internationalised: such a message is written
    with UTF-8 headers (RFC 6532) and needs a server that offers SMTPUTF8, because an
    encoded-word inside an address is not valid and would not reach the mailbox.
    """
    headers: dict[str, str | Address] = {
        "From": _address(message.from_name, message.from_address, "sender"),
        "To": _address(message.to_name, message.to_address, "recipient"),
        "Subject": clean_header_text(message.subject, "subject"),
        "Message-ID": clean_header_text(message.message_id, "message id"),
        "Date": formatdate(usegmt=True),
    }
    if message.reply_to_address:
        headers["Reply-To"] = _address(message.reply_to_name, message.reply_to_address, "reply-to")
    for name, value in message.extra_headers:
        if not _FIELD_NAME.fullmatch(name) or name.lower() in {key.lower() for key in headers}:
            raise UnsafeHeader(f"{name!r} cannot be added as a header")
        headers[name] = clean_header_text(value, name)
    addresses = {name: value for name, value in headers.items() if isinstance(value, Address)}
    international = not all(a.addr_spec.isascii() for a in addresses.values())
    style = policy.SMTPUTF8 if international else policy.SMTP
    if message.extra_headers:
        # A long word (a List-Unsubscribe URL) is otherwise folded into encoded-words, which mail providers
        # do not read as a URL: allow lines up to RFC 5322's hard limit instead.
        style = style.clone(max_line_length=998)
    email = EmailMessage(policy=style)
    try:
        for name, value in headers.items():
            email[name] = value
        email.set_content(message.body, charset="utf-8", cte="quoted-printable")
        for attachment in message.attachments:
            maintype, subtype = _check_attachment(attachment)
            email.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
        raw = email.as_bytes()
    except (MessageError, ValueError) as exc:
        # Patched interpreters refuse to write an unsafe header themselves; report it the same way.
        raise UnsafeHeader(f"the message cannot be written safely: {exc}") from exc
    parsed = _check_roundtrip(raw, set(headers), addresses, multipart=bool(message.attachments))
    _check_parts(parsed, message.attachments)
    return raw


def _check_attachment(attachment: Attachment) -> tuple[str, str]:
    """The MIME type of ``attachment`` split in two, or ``UnsafeHeader`` if its type or name cannot be written."""
    if not _CONTENT_TYPE.fullmatch(attachment.content_type):
        raise UnsafeHeader(f"{attachment.content_type!r} is not a MIME type we write")
    name = clean_header_text(attachment.filename, "attachment name")
    # A bare file name: no folder for a mail client to honour, nothing it could show as a path.
    if not name.strip() or len(name) > 200 or any(ch in name for ch in '/\\"'):
        raise UnsafeHeader(f"{name!r} cannot be an attachment name")
    maintype, subtype = attachment.content_type.split("/")
    return maintype, subtype


_CONTENT_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}
# A multipart message carries its transfer encodings in its parts, not at the top.
_MULTIPART_HEADERS = {"content-type", "mime-version"}
_PART_HEADERS = _CONTENT_HEADERS | {"content-disposition"}


def _check_roundtrip(raw: bytes, expected: set[str], addresses: dict[str, Address], *,
                     multipart: bool = False) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    names = [key.lower() for key in parsed]
    wanted = {key.lower() for key in expected} | (_MULTIPART_HEADERS if multipart else _CONTENT_HEADERS)
    if sorted(set(names)) != sorted(wanted) or len(names) != len(set(names)):
        raise UnsafeHeader("the message would carry headers we did not write")
    for name, address in addresses.items():
        try:
            found = [_unescape(a.addr_spec) for a in parsed[name].addresses]
        except (AttributeError, IndexError, ValueError, MessageError) as exc:
            raise UnsafeHeader(f"the {name} header could not be read back") from exc
        if found != [address.addr_spec]:
            raise UnsafeHeader(f"the {name} header would not carry exactly the address we wrote")
    return parsed  # type: ignore[return-value]


def _check_parts(parsed: EmailMessage, attachments: tuple[Attachment, ...]) -> None:
    """The body and each attachment read back as exactly the parts we wrote, in order."""
    if not attachments:
        return
    if parsed.get_content_type() != "multipart/mixed":
        raise UnsafeHeader("the message with attachments did not read back as multipart/mixed")
    parts = list(parsed.iter_parts())
    if len(parts) != 1 + len(attachments) or parts[0].get_content_type() != "text/plain" \
            or parts[0].is_attachment():
        raise UnsafeHeader("the message would carry parts we did not write")
    if any(part.is_multipart() or {key.lower() for key in part} - _PART_HEADERS for part in parts):
        raise UnsafeHeader("a part of the message would carry headers we did not write")
    for part, attachment in zip(parts[1:], attachments, strict=True):
        if (part.get_filename(), part.get_content_type(), part.get_payload(decode=True)) != \
                (attachment.filename, attachment.content_type, attachment.data):
            raise UnsafeHeader(f"the attachment {attachment.filename!r} would not read back as written")


def _unescape(text: str) -> str:
    # The parser keeps raw UTF-8 header bytes as surrogate escapes; turn them back into text.
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
