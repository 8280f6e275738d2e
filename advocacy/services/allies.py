"""Allies and their API keys: create, issue, revoke, authenticate; and recording which ally brought an action."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Action, Ally, AllyAction, ApiKey
from .consent import record_opt_in
from .webhooks import queue_action_webhooks

KEY_PREFIX = "adv_"
KEY_BYTES = 32  # 256 random bits; ASVS asks for at least 128
PREFIX_CHARS = 12  # "adv_" and 8 random characters: enough to tell keys apart in a list, useless to guess with
LAST_USED_RESOLUTION = timedelta(minutes=5)  # note use at most this often: one write per request would be waste
ALLY_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# An origin as browsers send it: scheme, host and an optional port; nothing else (no path, no wildcard).
ORIGIN = re.compile(r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                    r"(?::[0-9]{1,5})?$")
MAX_ORIGINS = 20
WEBHOOK_SECRET_BYTES = 32


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


def find_ally(session: Session, slug: str) -> Ally:
    ally = session.scalars(select(Ally).where(Ally.slug == slug)).first()
    if ally is None:
        raise AllyError(f"no ally named {slug!r}")
    return ally


def normalise_origin(value: str) -> str:
    """``https://Ally.example.org/`` -> ``https://ally.example.org``; AllyError for anything but an origin."""
    text = value.strip().lower().rstrip("/")
    if not ORIGIN.fullmatch(text):
        raise AllyError(f"{value.strip()!r} is not a site origin like https://ally.example.org "
                        f"(http or https, the host, an optional port; no path or wildcard)")
    parts = urlsplit(text)
    default_port = {"http": 80, "https": 443}[parts.scheme]
    if parts.port == default_port:  # browsers leave the default port out of Origin and frame-ancestors match
        text = f"{parts.scheme}://{parts.hostname}"
    return text


def set_embed_origins(session: Session, slug: str, origins: Iterable[str]) -> Ally:
    """Replace the sites that may frame the widget for ally ``slug``."""
    ally = find_ally(session, slug)
    cleaned = sorted({normalise_origin(o) for o in origins if o.strip()})
    if len(cleaned) > MAX_ORIGINS:
        raise AllyError(f"at most {MAX_ORIGINS} sites per ally")
    ally.embed_origins = cleaned
    session.flush()
    return ally


def set_webhook(session: Session, slug: str, url: str, *, check_url: Callable[[str], None]) -> str:
    """Set (or, with ``url`` empty, remove) ally ``slug``'s webhook; returns a new signing secret, or "".

    ``check_url`` raises ``ValueError`` for an address we must not post to (see channels/webhook.py).
    """
    ally = find_ally(session, slug)
    url = url.strip()
    if not url:
        ally.webhook_url, ally.webhook_secret = "", ""
        session.flush()
        return ""
    try:
        check_url(url)
    except ValueError as exc:
        raise AllyError(str(exc)) from exc
    ally.webhook_url, ally.webhook_secret = url, "whsec_" + secrets.token_urlsafe(WEBHOOK_SECRET_BYTES)
    session.flush()
    return ally.webhook_secret


def issue_key(session: Session, ally_slug: str, *, now: datetime) -> IssuedKey:
    ally = find_ally(session, ally_slug)
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
              opt_in: bool, now: datetime, lang: str = "en") -> None:
    """Record that the ally brought this action, and the ally's wording when the supporter agreed to it."""
    record_attribution(session, action_id, caller.ally_id, key_prefix=caller.prefix, source=source, tags=tags,
                       opt_in=opt_in, wording=caller.opt_in_wording, now=now, lang=lang)


def record_attribution(session: Session, action_id: int, ally_id: int, *, key_prefix: str, source: str,
                       tags: Sequence[str], opt_in: bool, wording: str, now: datetime, lang: str = "en",
                       ip_hash: str | None = None) -> None:
    """The AllyAction row for an action brought by an API key (its prefix) or the widget (prefix ""), and the
    ally's webhook for it when the action already counts (a pending one is queued when it is confirmed).

    An opt-in to the ally also goes in the consent ledger, with the ally's wording, in ``lang``."""
    session.add(AllyAction(action_id=action_id, ally_id=ally_id, key_prefix=key_prefix, source=source,
                           tags=list(tags), opt_in=opt_in, opt_in_wording=wording if opt_in else "", created_at=now))
    session.flush()
    if opt_in and wording:
        key, slug = session.execute(select(Action.email_key, Action.campaign_slug).where(Action.id == action_id)).one()
        record_opt_in(session, email_key=key, wording=wording, lang=lang, method="api" if key_prefix else "widget",
                      now=now, campaign_slug=slug, action_id=action_id, ally_id=ally_id, source=source,
                      ip_hash=ip_hash)
    queue_action_webhooks(session, [action_id], now=now)


ALLY_SOURCE_PREFIX = "ally:"


def source_of_ally(slug: str) -> str:
    """What ``actions.source`` says for an action an ally brought (API or widget), so counts by source include it."""
    return f"{ALLY_SOURCE_PREFIX}{slug}"


def ally_source(caller: Caller) -> str:
    return source_of_ally(caller.ally_slug)


def signature_id(session: Session, campaign_slug: str, email_key: str) -> int | None:
    return session.scalar(select(Action.id).where(Action.campaign_slug == campaign_slug,
                                                  Action.kind == "signature", Action.email_key == email_key))
