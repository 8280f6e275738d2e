"""Allies and their API keys: create, issue, revoke, authenticate; and recording which ally brought an action."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Action, Ally, AllyAction, ApiKey

KEY_PREFIX = "adv_"
KEY_BYTES = 32  # 256 random bits; ASVS asks for at least 128
PREFIX_CHARS = 12  # "adv_" and 8 random characters: enough to tell keys apart in a list, useless to guess with
LAST_USED_RESOLUTION = timedelta(minutes=5)  # note use at most this often: one write per request would be waste
ALLY_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class AllyError(ValueError):
    """An ally or key command cannot be carried out; the message says why."""


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once; only its hash is stored
    prefix: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_ally(session: Session, slug: str, name: str, *, campaigns: Sequence[str] = (), opt_in_wording: str = "",
                now: datetime) -> Ally:
    """A new ally, allowed ``campaigns`` (every campaign when none are named)."""
    if not ALLY_SLUG.fullmatch(slug) or len(slug) > 40:
        raise AllyError(f"{slug!r} is not a usable slug: lower-case letters, digits and hyphens, at most 40")
    if not name.strip():
        raise AllyError("give the ally's name with --name")
    if session.scalar(select(Ally.id).where(Ally.slug == slug)) is not None:
        raise AllyError(f"an ally named {slug!r} already exists")
    ally = Ally(slug=slug, name=name.strip(), all_campaigns=not campaigns, campaigns=sorted(set(campaigns)),
                opt_in_wording=opt_in_wording.strip(), created_at=now)
    session.add(ally)
    session.flush()
    return ally


def issue_key(session: Session, ally_slug: str, *, now: datetime) -> IssuedKey:
    ally = session.scalars(select(Ally).where(Ally.slug == ally_slug)).first()
    if ally is None:
        raise AllyError(f"no ally named {ally_slug!r}")
    for _attempt in range(5):  # a prefix collision is a one-in-billions event; try again rather than fail
        key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
        prefix = key[:PREFIX_CHARS]
        if session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            session.add(ApiKey(ally_id=ally.id, key_hash=hash_key(key), prefix=prefix, created_at=now))
            session.flush()
            return IssuedKey(key, prefix)
    raise AllyError("could not make a key with a new prefix; try again")  # pragma: no cover


def revoke_key(session: Session, prefix: str, *, now: datetime) -> ApiKey:
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None:
        raise AllyError(f"no key starts with {prefix!r}")
    if key.revoked_at is None:
        key.revoked_at = now
    return key


def list_allies(session: Session) -> list[tuple[Ally, list[ApiKey]]]:
    allies = session.scalars(select(Ally).order_by(Ally.slug)).all()
    keys = session.scalars(select(ApiKey).order_by(ApiKey.created_at)).all()
    return [(ally, [k for k in keys if k.ally_id == ally.id]) for ally in allies]


@dataclass(frozen=True)
class Caller:
    """Who an API request comes from: a live key and its ally, read once per request."""

    ally_id: int
    ally_slug: str
    ally_name: str
    campaigns: frozenset[str] | None  # None: every campaign
    opt_in_wording: str
    key_id: int
    prefix: str
    last_used_at: datetime | None

    def allows(self, campaign_slug: str) -> bool:
        return self.campaigns is None or campaign_slug in self.campaigns


def authenticate(session: Session, key: str) -> Caller | None:
    """The live key matching ``key``, or ``None`` (unknown or revoked: the caller cannot tell which)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    row = session.execute(select(ApiKey, Ally).join(Ally, Ally.id == ApiKey.ally_id)
                          .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))).first()
    if row is None:
        return None
    api_key, ally = row
    # The lookup was by hash; compare again in constant time so a bug there cannot become a timing oracle.
    if not hmac.compare_digest(api_key.key_hash, hash_key(key)):
        return None  # pragma: no cover
    return Caller(ally.id, ally.slug, ally.name, None if ally.all_campaigns else frozenset(ally.campaigns),
                  ally.opt_in_wording, api_key.id, api_key.prefix, api_key.last_used_at)


def use_is_stale(caller: Caller, *, now: datetime) -> bool:
    """Whether the key's last use is older than LAST_USED_RESOLUTION (or was never noted)."""
    return caller.last_used_at is None or now - caller.last_used_at >= LAST_USED_RESOLUTION


def note_use(session: Session, caller: Caller, *, now: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == caller.key_id).values(last_used_at=now))


def attribute(session: Session, action_id: int, caller: Caller, *, source: str, tags: Sequence[str],
              opt_in: bool, now: datetime) -> None:
    """Record that the ally brought this action, and the ally's wording when the supporter agreed to it."""
    session.add(AllyAction(action_id=action_id, ally_id=caller.ally_id, key_prefix=caller.prefix, source=source,
                           tags=list(tags), opt_in=opt_in, opt_in_wording=caller.opt_in_wording if opt_in else "",
                           created_at=now))
    session.flush()


def ally_source(caller: Caller) -> str:
    """What ``actions.source`` says for an action an ally brought, so counts by source include allies."""
    return f"ally:{caller.ally_slug}"


def signature_id(session: Session, campaign_slug: str, email_key: str) -> int | None:
    return session.scalar(select(Action.id).where(Action.campaign_slug == campaign_slug,
                                                  Action.kind == "signature", Action.email_key == email_key))
