"""SMTP delivery with one connection reused across a batch.

4xx replies, refused connections, timeouts and dropped connections are temporary;
5xx replies to a message are permanent. Each message is sent to one recipient, so a
refused recipient always surfaces as an exception rather than a partial success.

Failing to reach or log in to the relay says nothing about the message, so it is always
temporary; and once it has failed, the rest of the batch fails at once instead of
connecting again for every message (a relay that is down is not hammered).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qs, unquote, urlsplit

from ..config import Settings
from ..domain.errors import ChannelError, UnsafeHeader
from ..domain.types import OutgoingMessage
from ..mail import build_email
from .base import register

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str
    password: str
    tls: bool  # implicit TLS (smtps://)
    starttls: bool

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """``smtp://user:pass@host:587?starttls=1`` or ``smtps://host:465``."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("ADVOCACY_SMTP_URL must look like smtp://user:pass@host:587?starttls=1")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname, port=parts.port or (465 if tls else 25),
            username=unquote(parts.username or ""), password=unquote(parts.password or ""),
            tls=tls, starttls=query.get("starttls", ["0"])[0] in {"1", "true", "yes"},
        )


def _reply(exc: BaseException) -> tuple[int | None, str]:
    """The SMTP reply code and text behind ``exc``, if the server answered at all."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # One recipient per message, so there is exactly one reply.
        code, text = next(iter(exc.recipients.values()), (None, b""))
    else:
        code, text = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", b"")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return (code if isinstance(code, int) else None), " ".join(str(text or exc).split())[:300]


def _classify(exc: BaseException) -> ChannelError:
    code, text = _reply(exc)
    if code is not None:
        # A full mailbox (552, 5.2.2) at an office's known address is a passing condition: retry within the budget.
        mailbox_full = code == 552 or text.startswith("5.2.2")
        return ChannelError(f"SMTP {code}: {text}", permanent=500 <= code < 600 and not mailbox_full)
    # The server cannot take this message at all (an internationalised address without SMTPUTF8).
    permanent = isinstance(exc, smtplib.SMTPNotSupportedError)
    return ChannelError(f"{type(exc).__name__}: {text}", permanent=permanent)


class SmtpChannel:
    name = "smtp"

    def __init__(self, target: SmtpTarget, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.target = target
        self.timeout = timeout

    @contextmanager
    def batch(self) -> Iterator[_SmtpBatch]:
        batch = _SmtpBatch(self)
        try:
            yield batch
        finally:
            batch.close()

    @cached_property
    def _tls_context(self) -> ssl.SSLContext:
        # Built once per channel: loading the system's certificates costs ~20 ms, every connection.
        return ssl.create_default_context()

    def connect(self) -> smtplib.SMTP:
        t = self.target
        context = self._tls_context if (t.tls or t.starttls) else None
        if t.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
        try:
            # Greet here, so a refused EHLO counts as "cannot reach the server", never as a refusal of a letter.
            client.ehlo_or_helo_if_needed()
            if t.starttls:
                client.starttls(context=context)
            if t.username:
                client.login(t.username, t.password)
        except BaseException:
            client.close()  # do not leak the socket when STARTTLS or the login fails
            raise
        return client


class _SmtpBatch:
    def __init__(self, channel: SmtpChannel) -> None:
        self.channel = channel
        self.client: smtplib.SMTP | None = None
        self.unreachable = ""  # why the server could not be reached, once it could not

    def send(self, message: OutgoingMessage) -> None:
        try:
            raw = build_email(message)
        except UnsafeHeader as exc:
            raise ChannelError(str(exc), permanent=True) from exc
        envelope_from = message.return_path or message.from_address
        # Internationalised addresses need SMTPUTF8; build_email writes bytes beyond ASCII only for them.
        utf8 = not (raw.isascii() and envelope_from.isascii() and message.to_address.isascii())
        client = self._client()
        try:
            client.sendmail(envelope_from, [message.to_address], raw, mail_options=["SMTPUTF8"] if utf8 else [])
        except (smtplib.SMTPException, OSError) as exc:
            code, _text = _reply(exc)
            if code is None or code == 421:
                self.close()  # no reply, or "closing": reconnect on the next message rather than reuse the session
            else:
                self._reset()  # a refusal of this message (450, 550...): the session serves the next one
            raise _classify(exc) from exc
        except BaseException:
            self.close()  # the session is in an unknown state
            raise

    def _client(self) -> smtplib.SMTP:
        if self.unreachable:
            raise ChannelError(self.unreachable, permanent=False)
        if self.client is None:
            t = self.channel.target
            try:
                self.client = self.channel.connect()
            except (smtplib.SMTPException, OSError) as exc:
                _code, text = _reply(exc)
                self.unreachable = f"cannot use the SMTP server {t.host}:{t.port}: {type(exc).__name__}: {text}"
                raise ChannelError(self.unreachable, permanent=False) from exc
        return self.client

    def _reset(self) -> None:
        try:
            if self.client is not None:
                self.client.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


@register("smtp")
def _make(settings: Settings) -> SmtpChannel:
    return SmtpChannel(SmtpTarget.parse(settings.smtp_url))
