"""Waiting letters follow the seat: after the directory changes, they go to whoever holds it now.

A letter is written to "my MPP" (or to "the Minister of Energy"), not to a person: when a sync or a load
changes who holds the seat or office, or their address, letters that have not left yet (queued, retrying,
held, and digests not yet sent) are re-addressed to the new holder. The greeting follows too: the old
holder's name in the subject and text becomes the new one's. When nobody holds the seat any more, they
are held ("seat vacant") and staff are told; the next change that fills the seat sends them on.

Only rows with a ``district_key`` follow (offices named in a campaign file never change with the
directory), and a key the directory does not know at all is left alone: that is a gap in the data,
not a vacancy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.states import DeliveryState
from ..domain.types import Representative
from ..models import Action, Delivery
from ..models import District as DistrictRow
from ..providers.directory import roster
from .deliveries import note, transition
from .moderation import release_reason

S = DeliveryState
D = Delivery
VACANT = "seat vacant"
FOLLOWING_KINDS = ("letter", "digest")
WAITING_STATES = (S.QUEUED.value, S.RETRY.value, S.HELD.value)


@dataclass(frozen=True)
class SeatChange:
    """What happened to the waiting mail of one seat addressed to one former holder."""

    district_key: str
    district: str
    old: str  # "Name <address>"
    new: str  # "" when the seat is vacant
    deliveries: int
    why: str = ""  # why they are held: "the seat is vacant", or its member has no address we can write to


@dataclass
class ReaddressReport:
    readdressed: list[SeatChange] = field(default_factory=list)
    held: list[SeatChange] = field(default_factory=list)
    released: list[SeatChange] = field(default_factory=list)  # held for a vacancy, and the seat is filled

    def lines(self) -> list[str]:
        """What staff read after a sync or a load."""
        found = [f"re-addressed {c.deliveries} waiting {_letters(c.deliveries)} for {c.district} "
                 f"({c.district_key}): {c.old} -> {c.new}" for c in self.readdressed]
        found += [f"held {c.deliveries} {_letters(c.deliveries)} for {c.district} ({c.district_key}): {c.why} "
                  f"(was {c.old}); see `advocacy deliveries list --status held`" for c in self.held]
        found += [f"released {c.deliveries} {_letters(c.deliveries)} held for {c.district} ({c.district_key}): "
                  f"the seat is filled by {c.new}" for c in self.released]
        return found


def _letters(count: int) -> str:
    return "letter" if count == 1 else "letters"


def _who(name: str, address: str) -> str:
    return f"{name} <{address}>"


def follow_directory(session: Session, *, now: datetime, keys: Collection[str] | None = None) -> ReaddressReport:
    """Re-address or hold every waiting delivery whose seat (``keys``, default all) changed hands."""
    query = select(D).where(D.kind.in_(FOLLOWING_KINDS), D.status.in_(WAITING_STATES), D.district_key != "")
    if keys is not None:
        query = query.where(D.district_key.in_(sorted(keys)))
    waiting: dict[tuple[str, str, str], list[Delivery]] = defaultdict(list)
    for delivery in session.scalars(query.order_by(D.id)):
        waiting[(delivery.district_key, delivery.recipient_email.lower(), delivery.recipient_name)].append(delivery)
    report = ReaddressReport()
    if not waiting:
        return report
    wanted = {key for key, _, _ in waiting}
    holders = roster(session, wanted)
    known = set(session.scalars(select(DistrictRow.key).where(DistrictRow.key.in_(sorted(wanted)))))
    for (key, address, name), deliveries in waiting.items():
        if key not in known:
            continue
        people = [p for p in holders.get(key, []) if p.email]
        holder = next((p for p in people if p.email.lower() == address), people[0] if people else None)
        first = deliveries[0]
        seat, was = first.recipient_district or first.recipient_office or key, _who(name, first.recipient_email)
        if holder is None:
            members = holders.get(key, [])
            why = f"{members[0].name} has no email address" if members else "the seat is vacant"
            held = [d for d in deliveries if _hold(session, d, why, now=now)]
            if held:
                report.held.append(SeatChange(key, seat, was, "", len(held), why))
            continue
        now_held_by = _who(holder.name, holder.email)
        if holder.email.lower() != address or holder.name != name:
            for delivery in deliveries:
                _readdress(session, delivery, holder, now=now)
            report.readdressed.append(SeatChange(key, seat, was, now_held_by, len(deliveries)))
        vacancy = [d for d in deliveries if d.status == S.HELD.value and d.hold_reason == VACANT]
        released = [d for d in vacancy if _release(session, d, holder, now=now)]
        if released:
            report.released.append(SeatChange(key, seat, was, now_held_by, len(released)))
    session.flush()
    return report


def _readdress(session: Session, delivery: Delivery, holder: Representative, *, now: datetime) -> None:
    old = _who(delivery.recipient_name, delivery.recipient_email)
    if delivery.recipient_name and holder.name != delivery.recipient_name:
        # The greeting (and any other mention) named the former holder: the new one reads their own name.
        delivery.subject = delivery.subject.replace(delivery.recipient_name, holder.name)
        delivery.body = delivery.body.replace(delivery.recipient_name, holder.name)
    delivery.recipient_name, delivery.recipient_email = holder.name, holder.email
    delivery.recipient_office, delivery.office_key = holder.office, holder.email.strip().lower()
    delivery.source, delivery.recipient_source_url = holder.source, holder.source_url
    delivery.recipient_fetched_at = holder.fetched_at
    note(session, delivery, f"re-addressed: {old} -> {_who(holder.name, holder.email)} (the directory changed)",
         now=now)


def _hold(session: Session, delivery: Delivery, why: str, *, now: datetime) -> bool:
    """Hold a delivery while nobody can be written to for its seat; False if it already was."""
    if delivery.status == S.HELD.value:
        if delivery.hold_reason == VACANT:
            return False
        # Held for another reason (the supporter has not confirmed yet): the vacancy must outlast it, or the
        # confirmation would release the letter to the former holder. _release restores the wait.
        delivery.hold_reason = VACANT
        note(session, delivery, f"{VACANT}: {why} ({delivery.district_key})", now=now)
        return True
    transition(session, delivery, S.HELD, reason=f"{VACANT}: {why} ({delivery.district_key})", now=now)
    delivery.hold_reason = VACANT
    return True


def _release(session: Session, delivery: Delivery, holder: Representative, *, now: datetime) -> bool:
    """The seat is filled again: send on (True), unless the supporter still has to confirm (False)."""
    action = session.get(Action, delivery.action_id) if delivery.action_id else None
    still = release_reason(action)  # the supporter has not confirmed, or staff are reviewing it
    if still:
        delivery.hold_reason = still
        note(session, delivery, f"the seat is filled ({holder.name}); still {still}", now=now)
        return False
    transition(session, delivery, S.QUEUED, reason=f"the seat is filled: {_who(holder.name, holder.email)}",
               now=now)
    delivery.hold_reason, delivery.next_attempt_at = "", now
    return True
