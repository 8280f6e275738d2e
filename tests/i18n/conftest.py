"""Shared by the bilingual tests: campaign files with and without French, and page text without markup."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ..conftest import make_settings

CAMPAIGNS = Path(__file__).resolve().parents[2] / "campaigns"
ENGLISH_ONLY = """slug = "english-only"
kind = "petition"
status = "live"
goal = 12345

[text.en]
title = "Fund the libraries"
summary = "Ask the province to fund public libraries."
body = "Libraries matter."
thank_you = "Thanks for signing."
share_text = "I signed: fund the libraries."
consent = "Yes, email me about this campaign."
"""


@pytest.fixture
def settings(tmp_path: Path):
    """The shipped campaigns (all bilingual) plus one with no French at all."""
    directory = tmp_path / "campaigns"
    directory.mkdir()
    for path in CAMPAIGNS.glob("*.toml"):
        (directory / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (directory / "english-only.toml").write_text(ENGLISH_ONLY, encoding="utf-8")
    (tmp_path / "instance").mkdir()
    return make_settings(tmp_path, campaigns_dir=directory)


def visible_text(page: str) -> str:
    """What a person reads: no tags, scripts or attribute values; entities decoded; spaces collapsed (but not the
    no-break spaces inside French numbers)."""
    page = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def app_with(settings, slug: str, old: str, new: str):
    """A new app whose campaign ``slug`` has ``old`` replaced by ``new`` in its file."""
    from advocacy import create_app

    path = settings.campaigns_dir / f"{slug}.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return create_app(settings)
