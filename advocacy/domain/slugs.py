"""Slugs: the ASCII, hyphenated form of a name used in district keys."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """``Spadina—Fort York`` -> ``spadina-fort-york``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
