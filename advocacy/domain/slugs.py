"""Slugs: the ASCII, hyphenated form of a name used in district keys."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """``Spadina—Fort York`` -> ``spadina-fort-york``."""
    # Dashes of every kind separate words (riding names use em dashes): keep them apart before dropping accents.
    spaced = "".join(" " if unicodedata.category(ch) == "Pd" else ch for ch in text)
    plain = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
