"""Who may frame a widget, where its height messages may go, and whether a POST came from our own page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, request
from sqlalchemy import select

from ...catalog import Campaign
from ...models import Ally
from ...services.allies import AllyError, normalise_origin
from ..common import app_context, db_session
from .theme import THEME_KEYS, read_theme


@dataclass(frozen=True)
class Frame:
    """One widget request's context: the campaign, the ally (if any), and the parameters it carries along."""

    campaign: Campaign
    ally: Ally | None
    allowed: tuple[str, ...]  # origins that may frame it
    parent_origin: str  # where to post height messages; "" when the host page's origin is not allowed
    args: dict[str, str]  # the validated query parameters every widget link and form keeps

    @property
    def ally_slug(self) -> str:
        return self.ally.slug if self.ally else ""


def campaign_origins(campaign: Campaign) -> list[str]:
    """The campaign file's ``[embed] allowed_origins``, written the way browsers send them."""
    origins = getattr(getattr(campaign, "embed", None), "allowed_origins", ()) or ()
    return [_origin(origin) for origin in origins if _origin(origin)]


def load_frame(slug: str) -> Frame:
    """The widget's campaign and ally from the address; 404 for a draft, an unknown ally or one not allowed."""
    campaign = app_context().catalog.get(slug)
    if campaign is None or campaign.status == "draft":
        abort(404)
    ally_slug = request.args.get("ally", "")[:40]
    ally = None
    if ally_slug:
        ally = db_session().scalars(select(Ally).where(Ally.slug == ally_slug)).first()
        if ally is None or not ally.allows(campaign.slug):
            abort(404)
    elif not campaign.listed:
        abort(404)  # a private campaign is only ever embedded by an ally allowed it
    allowed = tuple(dict.fromkeys([*campaign_origins(campaign), *(ally.embed_origins if ally else [])]))
    parent = _origin(request.args.get("origin", ""))
    args = {"lang": request.args.get("lang", "") if request.args.get("lang") in ("en", "fr") else ""}
    args.update(ally=ally.slug if ally else "", origin=parent,
                source=_label(request.args.get("source", "")), **_theme_args())
    return Frame(campaign, ally, allowed, parent if parent in allowed else "", {k: v for k, v in args.items() if v})


def _origin(value: str) -> str:
    try:
        return normalise_origin(value) if value else ""
    except AllyError:
        return ""


def _label(value: str) -> str:
    """The ally's own label for the page the widget is on (kept with the action), in plain characters."""
    return "".join(ch for ch in value if ch.isalnum() or ch in "-_./:")[:60]


def _theme_args() -> dict[str, str]:
    theme = read_theme({key: request.args.get(key, "") for key in THEME_KEYS})
    return dict(theme)


def our_origins() -> set[str]:
    """Our own origin as configured and as this request reached us (they differ behind some proxies)."""
    base = urlsplit(app_context().settings.base_url)
    return {f"{base.scheme}://{base.netloc}".lower(), request.host_url.rstrip("/").lower()}


def same_origin_problem() -> str:
    """Why this POST is not from our own widget page ("" when it is).

    A genuine widget POST comes from our document inside the frame: Origin is ours and Sec-Fetch-Site is
    same-origin (old browsers send no Sec-Fetch-Site). A sandboxed frame without allow-same-origin sends
    ``Origin: null``: the ally's embed code is wrong, and the message says so.
    """
    origin = request.headers.get("Origin", "")
    site = request.headers.get("Sec-Fetch-Site")
    if origin == "null":
        return "sandboxed"
    if origin.lower() not in our_origins() or site not in (None, "same-origin"):
        return "cross_site"
    return ""
