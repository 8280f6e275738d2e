"""Letter templates: placeholders and simple conditions only, checked before Jinja ever compiles them.

A letter template may use ``{{ group.field }}`` placeholders (see ``PLACEHOLDERS``), a few text
filters and ``{% if %}``. Everything else (loops, calls, arithmetic, ``{% set %}``, other names) is
refused when the campaign is loaded, because the sandbox alone still lets a template print object
reprs (``{{ supporter.items }}``), loop for a long time, or build huge strings at compile time.
The allow-list runs on the parsed tree, before Jinja's optimiser can evaluate constant expressions.
Rendering still happens in Jinja's immutable sandbox with no globals, as a second wall.
Supporter-written text is never rendered as a template: it is inserted verbatim.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

DEFAULT_GREETING = "Dear {{ target.name }},"
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "target": ("name", "office", "district"),
    "supporter": ("first_name", "last_name", "name", "postal_code", "city"),
    "campaign": ("title",),
}
ALL_PLACEHOLDERS = tuple(f"{group}.{field}" for group, fields in PLACEHOLDERS.items() for field in fields)
# Case changes only: no filter that takes arguments, so output stays proportional to the input.
FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim"})
_ALLOWED_HELP = "use placeholders such as {{ target.name }}, the filters " + ", ".join(sorted(FILTERS)) + \
    " and {% if %} … {% else %} … {% endif %} only"
_NODE_NAMES = {
    nodes.For: "a {% for %} loop", nodes.Assign: "{% set %}", nodes.AssignBlock: "{% set %}",
    nodes.Macro: "{% macro %}", nodes.CallBlock: "{% call %}", nodes.Call: "a function or method call",
    nodes.Include: "{% include %}", nodes.Extends: "{% extends %}", nodes.Import: "{% import %}",
    nodes.FromImport: "{% from %}", nodes.Block: "{% block %}", nodes.With: "{% with %}",
    nodes.FilterBlock: "{% filter %}", nodes.Getitem: "indexing with [ ]", nodes.BinExpr: "arithmetic",
    nodes.UnaryExpr: "arithmetic", nodes.Concat: "the ~ operator", nodes.Test: "an 'is' test",
    nodes.List: "a list", nodes.Tuple: "a tuple", nodes.Dict: "a dictionary", nodes.Slice: "a slice",
}


class TemplateProblem(ValueError):
    """A letter template does not parse, names an unknown placeholder, or uses something not allowed."""


def _refuse(node: nodes.Node, what: str) -> TemplateProblem:
    return TemplateProblem(f"line {node.lineno}: {what} is not allowed in a letter: {_ALLOWED_HELP}")


def _unknown(name: str, node: nodes.Node) -> TemplateProblem:
    group, _, field = name.partition(".")
    if group in PLACEHOLDERS:  # compare the field alone, so "supporter.items" does not look like "supporter.city"
        choices = [f"{group}.{f}" for f in PLACEHOLDERS[group]]
        close = difflib.get_close_matches(field, PLACEHOLDERS[group], n=1)
        close = [f"{group}.{close[0]}"] if close else []
    else:
        choices = list(ALL_PLACEHOLDERS)
        close = difflib.get_close_matches(name, choices, n=1)
    if "_" in name[:1] or "._" in name:  # dunder probing gets no friendly suggestion
        close = []
    hint = f" (did you mean {{{{ {close[0]} }}}}?)" if close else f" (known: {', '.join(choices)})"
    return TemplateProblem(f"line {node.lineno}: unknown placeholder {name}{hint}")


def _placeholders(node: nodes.Node) -> Iterator[str]:
    """Yield every placeholder the tree uses; raise ``TemplateProblem`` on anything outside the allow-list."""
    if isinstance(node, nodes.Getattr):
        if not isinstance(node.node, nodes.Name):
            raise _refuse(node, f"reading .{node.attr} of an expression")
        name = f"{node.node.name}.{node.attr}"
        if name not in ALL_PLACEHOLDERS:
            raise _unknown(name, node)
        yield name
        return
    if isinstance(node, nodes.Name):
        if node.name in PLACEHOLDERS:
            fields = ", ".join(f"{node.name}.{f}" for f in PLACEHOLDERS[node.name])
            raise TemplateProblem(f"line {node.lineno}: name a field of {node.name}: {fields}")
        raise _unknown(node.name, node)
    if isinstance(node, nodes.Filter):
        if node.name not in FILTERS or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise _refuse(node, f"the filter {node.name!r}" if node.name not in FILTERS else "a filter argument")
    elif isinstance(node, nodes.Compare):
        if any(op.op not in {"eq", "ne"} for op in node.ops):
            raise _refuse(node, "comparisons other than == and !=")
    elif isinstance(node, nodes.Const):
        if not isinstance(node.value, str | bool | None):
            raise _refuse(node, f"the value {node.value!r}")
    elif not isinstance(node, nodes.Template | nodes.Output | nodes.TemplateData | nodes.If | nodes.CondExpr
                        | nodes.Not | nodes.And | nodes.Or | nodes.Operand):
        label = next((label for kind, label in _NODE_NAMES.items() if isinstance(node, kind)), None)
        raise _refuse(node, label or type(node).__name__)
    for child in node.iter_child_nodes():
        yield from _placeholders(child)


# No globals: range, lipsum, cycler, joiner, namespace and dict are not placeholders.
_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_ENV.globals.clear()


@lru_cache(maxsize=512)
def _checked(source: str) -> tuple[Template, frozenset[str]]:
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error on line {exc.lineno}: {exc.message}") from exc
    used = frozenset(_placeholders(tree))
    return _ENV.from_string(tree), used


def check_letter_template(source: str) -> frozenset[str]:
    """The placeholders ``source`` uses, like ``{"target.name"}``; ``TemplateProblem`` if it is not allowed."""
    return _checked(source)[1]


def render_letter_template(source: str, context: Mapping[str, Mapping[str, str]]) -> str:
    """Render a checked template; a placeholder missing from ``context`` renders as an empty string."""
    template, _used = _checked(source)
    values = {group: {field: str(context.get(group, {}).get(field, "")) for field in fields}
              for group, fields in PLACEHOLDERS.items()}
    try:
        return template.render(values)
    except (UndefinedError, SecurityError) as exc:  # unreachable after the check; kept as a second wall
        raise TemplateProblem(str(exc)) from exc
