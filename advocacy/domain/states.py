"""The delivery state machine: one table of allowed transitions, enforced in one place."""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidTransition


class DeliveryState(StrEnum):
    HELD = "held"          # waiting: for the supporter to confirm, a vacant seat to be filled, or staff review
    QUEUED = "queued"      # due at next_attempt_at
    SENDING = "sending"    # claimed by a worker until claimed_until
    RETRY = "retry"        # a temporary failure; due again at next_attempt_at
    SENT = "sent"          # the server accepted it (SMTP 250)
    FAILED = "failed"      # permanent failure or attempts exhausted (the dead letters)
    CANCELLED = "cancelled"
    BATCHED = "batched"    # a letter carried inside a digest delivery (digest_id); follows the digest's outcome
    BOUNCED = "bounced"    # accepted, then a delivery-status notification said it never arrived


S = DeliveryState
ALLOWED: dict[DeliveryState, frozenset[DeliveryState]] = {
    S.HELD: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.SENDING, S.CANCELLED, S.HELD, S.BATCHED}),
    # SENDING->SENDING: the lease ran out and another worker reclaimed it.
    # SENDING->QUEUED/RETRY without an attempt: a stopping worker gives back what it did not send.
    # SENDING->CANCELLED: the worker holding it finds its text removed (the supporter was erased meanwhile).
    S.SENDING: frozenset({S.SENT, S.RETRY, S.FAILED, S.SENDING, S.QUEUED, S.CANCELLED}),
    S.RETRY: frozenset({S.SENDING, S.CANCELLED, S.HELD}),
    # Staff retry or cancel a dead letter. FAILED/BOUNCED->BATCHED: staff queue a dead or bounced digest
    # again, and the letters it carries go back inside it (they follow the digest, see deliveries.transition).
    S.FAILED: frozenset({S.QUEUED, S.CANCELLED, S.BATCHED}),
    S.BATCHED: frozenset({S.SENT, S.FAILED, S.QUEUED, S.CANCELLED, S.BOUNCED}),
    S.SENT: frozenset({S.BOUNCED}),
    S.BOUNCED: frozenset({S.QUEUED, S.BATCHED}),  # staff send it again once the office's address is fixed
    S.CANCELLED: frozenset(),
}
DUE_STATES = (S.QUEUED, S.RETRY)


def check_transition(current: str, new: str) -> DeliveryState:
    """Return ``new`` as a state if the move is allowed, else raise ``InvalidTransition``."""
    try:
        old, target = DeliveryState(current), DeliveryState(new)
    except ValueError as exc:
        raise InvalidTransition(f"unknown delivery state: {exc}") from exc
    if target not in ALLOWED[old]:
        raise InvalidTransition(f"a delivery cannot go from {old} to {target}")
    return target
