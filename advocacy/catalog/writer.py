"""Campaigns back to TOML: the text the admin editor stores and exports, which the loader reads unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import tomli_w

from .schema import Campaign


def campaign_document(campaign: Campaign) -> dict[str, Any]:
    """The fields the campaign's author gave (defaults left out), as a TOML file would hold them."""
    return campaign.model_dump(mode="python", exclude_unset=True)


def dump_toml(document: Mapping[str, Any]) -> str:
    """A TOML document; text with line breaks is written as a multi-line string, as a person would."""
    return tomli_w.dumps(document, multiline_strings=True)


def export_campaign(campaign: Campaign, *, comment: str = "") -> str:
    """A campaign file for ``campaigns/<slug>.toml``, with the campaign's current status written in it."""
    document = campaign_document(campaign)
    document = {"slug": campaign.slug, "kind": campaign.kind, "status": campaign.status,
                **{key: value for key, value in document.items() if key not in {"slug", "kind", "status"}}}
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    return head + dump_toml(document)


def export_file(campaign: Campaign, today: date) -> str:
    """What the editor's download and ``advocacy campaigns export`` give: the file, saying where it goes."""
    return export_campaign(campaign, comment=f"campaigns/{campaign.slug}.toml, exported on {today.isoformat()}")
