"""The French catalogue is complete: every message in the code and templates is in it, translated, not fuzzy,
with the same placeholders (or fewer, where French leaves out an English-only detail)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FRENCH = ROOT / "advocacy" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def read(path: Path):
    with path.open("rb") as stream:
        return read_po(stream, locale="fr")


def test_every_french_message_is_translated_and_none_is_fuzzy():
    catalog = read(FRENCH)
    untranslated, fuzzy, placeholders = [], [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or len(strings) != catalog.num_plurals if isinstance(message.id, tuple) else not strings[0]:
            untranslated.append(ids[0])
        if message.fuzzy:
            fuzzy.append(ids[0])
        allowed = set(PLACEHOLDER.findall(ids[-1]))
        if any(not set(PLACEHOLDER.findall(s)) <= allowed for s in strings):
            placeholders.append(ids[0])
    assert len(catalog) > 600
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert not placeholders, placeholders
    assert catalog.plural_forms == "nplurals=2; plural=(n > 1);"


def test_the_catalogue_holds_every_message_in_the_code(tmp_path):
    """What `make translations` would extract now is all in the French catalogue (nobody forgot to update it)."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "--ignore-dirs=.* __pycache__", "-o", str(pot), "."],
                   cwd=ROOT, check=True)
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read(pot) if m.id}
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in read(FRENCH) if m.id}
    assert not sorted(extracted - translated)
