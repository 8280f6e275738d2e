"""Errors named for the domain fact they report. Messages are written for supporters."""

from __future__ import annotations


class AdvocacyError(Exception):
    """Base class: the message is safe to show to the person who caused it."""


class InvalidPostalCode(AdvocacyError):
    """The text is not a Canadian postal code."""


class UnknownPostalArea(AdvocacyError):
    """The postal code is valid but no provider knows its districts."""


class CampaignClosed(AdvocacyError):
    """The campaign does not accept actions now."""


class NoTargets(AdvocacyError):
    """A letter would go to nobody."""


class InvalidTransition(AdvocacyError):
    """A delivery cannot move from its state to the asked one."""


class MessageTextDeleted(InvalidTransition):
    """A delivery cannot be sent again: the retention purge has replaced its text."""


class UnsafeHeader(AdvocacyError):
    """Text meant for an email header could add or change a header."""


class ChannelError(Exception):
    """A channel failed to send; ``permanent`` says whether a retry can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent
