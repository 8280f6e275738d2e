"""Emails to supporters, written as templates: ``templates/email/<name>/{subject,body}.txt``.

Rendered with a plain Jinja environment for text: the values are supporter data and our own
strings, never templates themselves, and the result is a text/plain email (nothing to escape).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


@lru_cache(maxsize=8)
def _environment(templates_dir: str, lang: str) -> Environment:
    # One environment per language: emails are rendered outside any web request (in the worker too),
    # so the gettext functions are bound here rather than taken from Flask-Babel's request locale.
    environment = Environment(loader=FileSystemLoader(templates_dir), undefined=StrictUndefined,
                              autoescape=False,  # noqa: S701 - a text/plain email: there is no HTML to escape  # nosec B701
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                              extensions=["jinja2.ext.i18n"])
    environment.install_gettext_translations(Translations.load(str(TRANSLATIONS_DIR), [lang]),  # type: ignore[attr-defined]
                                             newstyle=True)
    return environment


@lru_cache(maxsize=64)
def _template(templates_dir: str, lang: str, path: str) -> Template:
    # Compiled once per process: Jinja's own cache would stat the file on every email (a confirmation
    # is rendered for every signature). Edits to email templates take effect on restart, like the web
    # templates in production.
    return _environment(templates_dir, lang).get_template(path)


def render_email(templates_dir: Path, name: str, lang: str = "en", **context: Any) -> RenderedEmail:  # noqa: ANN401
    """Render ``email/<name>/subject.txt`` (one line) and ``body.txt`` in the supporter's language."""
    where = str(templates_dir)
    subject = " ".join(_template(where, lang, f"email/{name}/subject.txt").render(lang=lang, **context).split())
    body = _template(where, lang, f"email/{name}/body.txt").render(lang=lang, **context)
    return RenderedEmail(subject, body)
