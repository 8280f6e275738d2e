"""Letter templates: rendered in Jinja's immutable sandbox so an author can never reach Python objects.

Only plain dictionaries of strings are passed in (``target``, ``supporter``, ``campaign``).
Supporter-written text is never rendered as a template: it is inserted verbatim.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

DEFAULT_GREETING = "Dear {{ target.name }},"
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "target": ("name", "office", "district"),
    "supporter": ("first_name", "last_name", "name", "postal_code", "city"),
    "campaign": ("title",),
}


class TemplateProblem(ValueError):
    """A letter template does not compile or names an unknown placeholder."""


class _Placeholders(dict):  # type: ignore[type-arg]
    """A dict that knows its own name, so an unknown key can be reported as ``target.nmae``."""

    def __init__(self, name: str, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.placeholder_name = name


class _Undefined(StrictUndefined):
    @property
    def _undefined_message(self) -> str:
        owner = self._undefined_obj
        name = str(self._undefined_name)
        if isinstance(owner, _Placeholders):
            full = f"{owner.placeholder_name}.{name}"
            choices = [f"{owner.placeholder_name}.{key}" for key in owner]
        else:
            full, choices = name, list(PLACEHOLDERS)
        close = difflib.get_close_matches(full, choices, n=1)
        hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(choices)})"
        return f"unknown placeholder {full}{hint}"


_ENV = ImmutableSandboxedEnvironment(undefined=_Undefined, autoescape=False, keep_trailing_newline=False)
_SAMPLE = {
    group: {field: f"<{group}.{field}>" for field in fields} for group, fields in PLACEHOLDERS.items()
}


@lru_cache(maxsize=512)
def _compile(source: str):  # noqa: ANN202 - jinja2.Template
    return _ENV.from_string(source)


def render_letter_template(source: str, context: Mapping[str, Mapping[str, str]]) -> str:
    """Render ``source`` with only the known placeholder groups; unknown names raise ``TemplateProblem``."""
    values = {group: _Placeholders(group, context.get(group, {})) for group in PLACEHOLDERS}
    try:
        return _compile(source).render(values)
    except (UndefinedError, SecurityError) as exc:
        raise TemplateProblem(str(exc)) from exc
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error on line {exc.lineno}: {exc.message}") from exc


def check_letter_template(source: str) -> None:
    """Raise ``TemplateProblem`` unless the template compiles and uses only known placeholders."""
    try:
        _compile(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error on line {exc.lineno}: {exc.message}") from exc
    render_letter_template(source, _SAMPLE)
