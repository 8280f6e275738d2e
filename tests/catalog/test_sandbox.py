"""Letter templates cannot reach Python objects or run away; supporters' words are never templates."""

from __future__ import annotations

import time

import pytest

from advocacy.catalog import CampaignFileError, load_campaign_text
from advocacy.catalog.templating import TemplateProblem, check_letter_template, render_letter_template
from advocacy.config import DEV_SECRET_KEY

from .conftest import campaign_toml

# Each of these is refused when the campaign is loaded: none ever reaches Jinja's compiler or renderer.
HOSTILE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ supporter.__class__ }}",
    "{{ supporter.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ config }}",
    "{{ config.SECRET_KEY }}",
    "{{ self }}",
    "{{ self._TemplateReference__context }}",
    "{{ request }}",
    "{{ lipsum }}",
    "{{ supporter.items }}",
    "{{ target.keys() }}",
    "{{ supporter['__class__'] }}",
    "{{ supporter.name.__class__ }}",
    "{{ supporter.name.format }}",
    "{{ supporter.name | attr('__class__') }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{% for a in supporter.name %}{% for b in supporter.name %}x{% endfor %}{% endfor %}",
    "{{ 'x' * 999999999999 }}",  # would be folded into a huge string at compile time if it ever got there
    "{{ 9 ** 9 ** 9 }}",
    "{% set x = supporter.name %}{{ x }}",
    "{% include 'base.html' %}",
    "{% extends 'base.html' %}",
    "{% macro m() %}{% endmacro %}",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_templates_are_refused_at_load_time_without_leaking(source):
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as refused:
        check_letter_template(source)
    with pytest.raises(TemplateProblem):
        render_letter_template(source, {"supporter": {"name": "Ann"}})
    message = str(refused.value)
    assert "object at 0x" not in message and "<class" not in message and DEV_SECRET_KEY not in message
    assert message.startswith("line 1: ")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("field", ["subject", "greeting", "body"])
def test_the_loader_names_the_field_holding_a_hostile_template(field):
    hostile = "{{ cycler.__init__.__globals__ }}"
    text = campaign_toml("x", kind="letter", letter=hostile if field == "body" else "Please act.")
    if field != "body":
        keep = 'subject = "A subject"\n' if field == "greeting" else ""
        text = text.replace('subject = "A subject"\n', f"{keep}{field} = '{hostile}'\n")
    with pytest.raises(CampaignFileError) as refused:
        load_campaign_text(text, "x.toml")
    assert refused.value.problems == [
        f"x.toml: letters.default.en.{field}: line 1: reading .__globals__ of an expression is not allowed in a "
        "letter: use placeholders such as {{ target.name }}, the filters capitalize, lower, title, trim, upper "
        "and {% if %} … {% else %} … {% endif %} only"]


def test_placeholders_filters_and_conditions_render():
    source = ("{{ supporter.first_name | upper }} in {% if supporter.city %}{{ supporter.city }}"
              "{% else %}Ontario{% endif %} to {{ target.name if target.office != 'MPP' else 'my MPP' }}")
    assert check_letter_template(source) == {"supporter.first_name", "supporter.city", "target.name",
                                             "target.office"}
    context = {"supporter": {"first_name": "Ann"}, "target": {"name": "Jo", "office": "MPP"}}
    assert render_letter_template(source, context) == "ANN in Ontario to my MPP"


def test_values_are_inserted_verbatim_never_rendered_again():
    context = {"supporter": {"name": "{{ 7*7 }} {% for x in y %}"}, "target": {"name": "{{ config }}"}}
    rendered = render_letter_template("From {{ supporter.name }} to {{ target.name }}", context)
    assert rendered == "From {{ 7*7 }} {% for x in y %} to {{ config }}"


def test_html_in_values_is_left_alone_because_letters_are_plain_text():
    assert render_letter_template("{{ supporter.name }}", {"supporter": {"name": "<b>Ann</b>"}}) == "<b>Ann</b>"
