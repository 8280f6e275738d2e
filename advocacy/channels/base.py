"""The channel interface and registry.

A channel opens a batch (one SMTP connection, say) and sends messages through it.
``send`` returns normally when the message was accepted and raises ``ChannelError``
otherwise, with ``permanent`` telling the worker whether a retry can help.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from ..config import Settings
from ..domain.types import OutgoingMessage


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...


class Channel(Protocol):
    name: str

    def batch(self) -> AbstractContextManager[Sender]:
        """A context in which several messages share one connection."""
        ...


ChannelFactory = Callable[[Settings], Channel]
CHANNELS: dict[str, ChannelFactory] = {}


def register(name: str) -> Callable[[ChannelFactory], ChannelFactory]:
    def decorate(factory: ChannelFactory) -> ChannelFactory:
        CHANNELS[name] = factory
        return factory

    return decorate


def build_channel(settings: Settings) -> Channel:
    from . import mailbox, smtp  # noqa: F401 - registers the built-in channels

    name = settings.channel_name
    if name not in CHANNELS:
        raise ValueError(f"ADVOCACY_CHANNEL names an unknown channel {name!r} (known: {', '.join(sorted(CHANNELS))})")
    return CHANNELS[name](settings)
