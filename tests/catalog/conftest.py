"""Synthetic campaign files and apps built over a temporary campaigns directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from advocacy import create_app
from advocacy.config import Settings

TEXT = """
[text.en]
title = "{title}"
summary = "A synthetic campaign for tests."
body = '''
{body}
'''
thank_you = "Thanks."
share_text = "Share this."
consent = "Email me."
"""
LETTER = """
[[targets]]
type = "representative"
level = "provincial"

[letters.default.en]
subject = "A subject"
body = '''
{letter}
'''
"""


def campaign_toml(slug: str, *, kind: str = "petition", head: str = 'status = "live"',
                  body: str = "Why this matters.", letter: str = "Please act.") -> str:
    """A valid campaign file; ``head`` holds extra top-level keys, ``letter`` the letter body of a letter campaign."""
    text = f'slug = "{slug}"\nkind = "{kind}"\ngoal = 100\n{head}\n'
    text += TEXT.format(title=f"Title of {slug}", body=body)
    if kind == "letter":
        text += LETTER.format(letter=letter)
    return text


def write_campaigns(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def campaign_app(tmp_path: Path, settings: Settings, db) -> Iterator[Callable[[dict[str, str]], Flask]]:
    """Build an app over a fresh campaigns directory holding ``files`` (name → TOML text)."""
    apps: list[Flask] = []

    def build(files: dict[str, str]) -> Flask:
        directory = write_campaigns(tmp_path / f"campaigns-{len(apps)}", files)
        app = create_app(settings.with_(campaigns_dir=directory))
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["advocacy"].db.dispose()
