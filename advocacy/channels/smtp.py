"""SMTP delivery with one connection reused across a batch.

4xx replies, refused connections, timeouts and dropped connections are temporary;
5xx replies are permanent. Each message is sent to one recipient, so a refused
recipient always surfaces as an exception rather than a partial success.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


def _classify(exc: BaseException) -> ChannelError:
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        code = codes[0] if codes else None
    if isinstance(code, int) and 500 <= code < 600:
        return ChannelError(f"SMTP {code}: {_reply_text(exc)}", permanent=True)
    if isinstance(code, int):
        return ChannelError(f"SMTP {code}: {_reply_text(exc)}", permanent=False)
    return ChannelError(f"{type(exc).__name__}: {exc}", permanent=False)


def _reply_text(exc: BaseException) -> str:
    error = getattr(exc, "smtp_error", b"")
    if isinstance(error, bytes):
        error = error.decode("utf-8", "replace")
    return str(error or exc)[:300]


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

    def connect(self) -> smtplib.SMTP:
        t = self.target
        context = ssl.create_default_context()
        if t.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(t.host, t.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
        if t.starttls:
            client.starttls(context=context)
        if t.username:
            client.login(t.username, t.password)
        return client


class _SmtpBatch:
    def __init__(self, channel: SmtpChannel) -> None:
        self.channel = channel
        self.client: smtplib.SMTP | None = None

    def send(self, message: OutgoingMessage) -> None:
        try:
            raw = build_email(message)
        except UnsafeHeader as exc:
            raise ChannelError(str(exc), permanent=True) from exc
        envelope_from = message.return_path or message.from_address
        try:
            if self.client is None:
                self.client = self.channel.connect()
            self.client.sendmail(envelope_from, [message.to_address], raw)
        except (smtplib.SMTPException, OSError) as exc:
            error = _classify(exc)
            if not error.permanent or isinstance(exc, smtplib.SMTPServerDisconnected):
                self.close()  # reconnect on the next message rather than reuse a broken session
            else:
                self._reset()
            raise error from exc

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
