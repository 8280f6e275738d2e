"""Translatable messages for code that runs without Flask: domain rules, services and validation.

``_l("...")`` marks a message for `make translations` and returns it untranslated for now; it is translated when
it becomes text (``str()``, a template), into the language the web layer made current with ``use_translations``
(Flask-Babel's, from the page address), and stays English where nothing did (the CLI, the worker).
"""

from __future__ import annotations

from collections.abc import Callable
from gettext import NullTranslations

from babel.support import LazyProxy

_translations: Callable[[], NullTranslations] = NullTranslations
_locale: Callable[[], object] = "en".__str__


def use_translations(translations: Callable[[], NullTranslations], locale: Callable[[], object]) -> None:
    """Where messages find the translations and locale of the moment (set once by the web app)."""
    global _translations, _locale
    _translations, _locale = translations, locale


# How each of our languages groups digits, as CLDR has it (tests/i18n/test_counts.py checks these against Babel's
# data). Babel's number formatting would load about 4 MiB of locale data into every web process for this one
# character per language.
GROUP_SEPARATORS = {"en": ",", "fr": "\u202f"}  # French: a narrow no-break space


def format_count(number: int) -> str:
    """A count as the current language writes it: 12,345 in English, 12 345 in French."""
    language = str(_locale() or "en").split("_")[0]
    return f"{number:,}".replace(",", GROUP_SEPARATORS.get(language, ","))


def _translate(message: str, params: dict[str, object]) -> str:
    text = _translations().gettext(message)
    return text % params if params else text


def _l(message: str, **params: object) -> LazyProxy:
    """``message`` (with ``%(name)s`` placeholders filled from ``params``), translated when it is shown."""
    return LazyProxy(_translate, message, params, enable_cache=False)
