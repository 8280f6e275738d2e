"""Web security shared by every blueprint: safe return addresses and the default security headers.

``safe_next(url)`` is the one check for any address taken from a request (``next=``, ``return_to=``): it
keeps same-origin relative paths only, so a redirect can never leave the site.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

# Printable ASCII without space and backslash. Browsers drop tabs and newlines inside URLs ("/\t/evil" is
# "//evil") and read "\" as "/", so anything outside this set is refused rather than cleaned.
_PLAIN_PATH = re.compile(r"/[!-\[\]-~]*")


def safe_next(url: str | None, default: str = "/") -> str:
    """``url`` when it is a same-origin relative path (``/admin/people?page=2``), otherwise ``default``.

    Refused: absolute and scheme-relative addresses (``https://x``, ``//x``, ``https:x``), backslashes,
    whitespace and control characters anywhere, non-ASCII, and paths that decode to any of those
    (``/%2F%2Fevil``), so a later decoding step cannot turn a safe path into an off-site one; and dot
    segments (``/..//evil``).
    """
    if not isinstance(url, str) or not _PLAIN_PATH.fullmatch(url) or not _is_local(url):
        return default
    decoded = url
    for _ in range(3):  # a few rounds of percent-decoding cover double-encoded tricks
        decoded = unquote(decoded)
        if not _is_local(decoded) or any(_is_control(ch) for ch in decoded):
            return default
    return url


def _is_local(url: str) -> bool:
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return False
    parts = urlsplit(url)
    # Dot segments are never in our own addresses; "/..//evil" would resolve to "//evil".
    return not parts.scheme and not parts.netloc and not {".", ".."} & set(parts.path.split("/"))


def _is_control(ch: str) -> bool:
    """Control, format and line-separator characters: browsers drop or reinterpret them inside addresses."""
    return unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}
