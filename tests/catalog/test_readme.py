"""campaigns/README.md documents every field, and its complete example is a valid campaign."""

from __future__ import annotations

import re

from advocacy.catalog import load_campaign_text
from advocacy.catalog.loader import _KNOWN_FIELDS
from advocacy.catalog.templating import ALL_PLACEHOLDERS, DEFAULT_GREETING
from advocacy.config import PROJECT_ROOT

README = (PROJECT_ROOT / "campaigns" / "README.md").read_text(encoding="utf-8")


def test_every_schema_field_and_placeholder_is_documented():
    # A field is documented when it appears in code: `goal`, a table name like `[text.en]`, or an example.
    code = " ".join(re.findall(r"`([^`\n]+)`", README) + re.findall(r"```toml\n(.*?)```", README, re.S))
    undocumented = [name for name in _KNOWN_FIELDS if not re.search(rf"(?<![\w-]){name}(?![\w-])", code)]
    assert undocumented == []
    assert [p for p in ALL_PLACEHOLDERS if f"`{{{{ {p} }}}}`" not in README] == []
    assert f"`{DEFAULT_GREETING}`" in README


def test_the_complete_example_is_a_valid_campaign():
    example = README.split("## A complete example", 1)[1]
    source = re.search(r"```toml\n(.*?)```", example, re.S).group(1)
    campaign = load_campaign_text(source, "fix-the-roof.toml", slug="fix-the-roof")
    assert (campaign.kind, [t.letter for t in campaign.targets]) == ("letter", ["minister", "mpp"])
