"""The campaign page as nearly every visitor gets it (an empty form), rendered once and reused.

Rendering the page (base layout, form macros, Markdown body) took most of its time, yet only three things on
an empty form differ between two visitors of the same address: the CSRF token, the form's timing token
(services/abuse.py) and the progress count. The page is cut at those three values; each request fills in its
own (new tokens, the count as ``public_count`` gives it), so it gets exactly what a fresh render would give.

Everything else the page depends on is in the key: the campaign object (the catalog gives a new one when a
campaign changes), its phase, the language, the address with its query string (the EN/FR toggle keeps it),
the browser's language (the toggle reads it) and the app. A page with errors, a problem or any other status
is always rendered. A template that adds something varying per request must be added to ``_key``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, current_app, g, get_template_attribute, request
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from ...catalog import Campaign
from ..i18n import browser_language
from ..security import form_issued_token

MAX_PAGES = 256  # per app: a new query string is a new entry, so the cache is bounded, oldest out first
_ISSUED = 'name="form_issued" value="'


@dataclass(frozen=True)
class _Page:
    campaign: Campaign  # held so that its id() in the key cannot be reused by another object while cached
    parts: tuple[str, ...]  # the page cut at each slot: len(parts) == len(slots) + 1
    slots: tuple[str, ...]  # "csrf", "issued" or "progress": what goes after parts[i]
    # The progress block for the last count shown: the count changes far less often than the page is viewed
    # (public_count keeps it for seconds) and formatting it in the page's language is a fifth of a request.
    progress: dict[int | None, str] = field(default_factory=dict)


_pages: WeakKeyDictionary[Flask, OrderedDict[tuple[Any, ...], _Page]] = WeakKeyDictionary()


def _key(campaign: Campaign, phase: str) -> tuple[Any, ...]:
    return (id(campaign), phase, getattr(g, "lang", "en"), request.script_root, request.full_path,
            browser_language())


def progress_html(campaign: Campaign, count: int | None) -> str:
    """The progress block as campaign.html writes it."""
    if count is None:
        return ""
    progress = get_template_attribute("_macros/forms.html", "progress")
    return str(progress(count, campaign.goal, campaign.kind))


def campaign_page(campaign: Campaign, phase: str, count: int | None, render: Callable[[], str]) -> str:
    """The empty-form page: from the cache with this request's tokens and count, or ``render()`` once and cut."""
    pages = _pages.setdefault(current_app._get_current_object(), OrderedDict())  # type: ignore[attr-defined]
    key = _key(campaign, phase)
    page = pages.get(key)
    if page is not None and page.campaign is campaign:
        pages.move_to_end(key)
        progress = page.progress.get(count)
        if progress is None:
            progress = progress_html(campaign, count)
            page.progress.clear()
            page.progress[count] = progress
        values = {"csrf": str(escape(generate_csrf())), "issued": str(escape(form_issued_token())),
                  "progress": progress}
        out = [page.parts[0]]
        for slot, part in zip(page.slots, page.parts[1:], strict=True):
            out += (values[slot], part)
        return "".join(out)
    html = render()
    issued = _issued_value(html)
    cut = None if issued is None else _cut(html, {"csrf": str(escape(generate_csrf())), "issued": issued,
                                                  "progress": progress_html(campaign, count)})
    if cut is not None:
        pages[key] = _Page(campaign, *cut)
        while len(pages) > MAX_PAGES:
            pages.popitem(last=False)
    return html


def _issued_value(html: str) -> str | None:
    """The timing token in the page; "" when the page has none, ``None`` when it has one written another way."""
    start = html.find(_ISSUED)
    if start < 0:
        return None if "form_issued" in html else ""
    start += len(_ISSUED)
    return html[start:html.find('"', start)]


def _cut(html: str, values: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The page cut at each value, which must occur exactly once; ``None`` (never cached) when one does not.

    An empty value (no progress block on a private campaign) is no slot at all.
    """
    found = []
    for slot, value in values.items():
        if not value:
            continue
        at = html.find(value)
        if at < 0 or html.find(value, at + 1) >= 0:
            return None
        found.append((at, len(value), slot))
    found.sort()
    parts, slots, start = [], [], 0
    for at, length, slot in found:
        if at < start:
            return None  # overlapping values: cannot happen with the templates as they are; never guess
        parts.append(html[start:at])
        slots.append(slot)
        start = at + length
    parts.append(html[start:])
    return tuple(parts), tuple(slots)
