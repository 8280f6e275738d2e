"""Emails to supporters, written as templates: ``templates/email/<name>/{subject,body}.txt``.

Rendered with a plain Jinja environment for text: the values are supporter data and our own
strings, never templates themselves, and the result is a text/plain email (nothing to escape).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


@lru_cache(maxsize=8)
def _environment(templates_dir: str) -> Environment:
    return Environment(loader=FileSystemLoader(templates_dir), undefined=StrictUndefined, autoescape=False,  # noqa: S701 - text/plain email
                       keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=64)
def _template(templates_dir: str, path: str) -> Template:
    # Compiled once per process: Jinja's own cache would stat the file on every email (a confirmation
    # is rendered for every signature). Edits to email templates take effect on restart, like the web
    # templates in production.
    return _environment(templates_dir).get_template(path)


def render_email(templates_dir: Path, name: str, **context: Any) -> RenderedEmail:  # noqa: ANN401
    """Render ``email/<name>/subject.txt`` (one line) and ``body.txt``."""
    where = str(templates_dir)
    subject = " ".join(_template(where, f"email/{name}/subject.txt").render(**context).split())
    body = _template(where, f"email/{name}/body.txt").render(**context)
    return RenderedEmail(subject, body)
