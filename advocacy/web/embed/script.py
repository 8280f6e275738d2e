"""The widget's script at an address that names its content, so allies can pin it with Subresource Integrity.

``/embed.js`` changes whenever we deploy a new version of the script, so a browser checking an ``integrity`` hash
would refuse it after our next deploy. ``/embed.<first 12 hex digits of its SHA-256>.js`` never changes: it is
served only while that is the script's content, and cached for a year. The hashes are taken once per process from
the file's bytes, and the pinned address serves those very bytes, so what it sends always matches its name.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

FILENAME = "embed.js"
DIGEST_LENGTH = 12  # hex digits of the SHA-256 in the address: enough to tell our own versions apart


@dataclass(frozen=True)
class PinnedScript:
    """The script's bytes and the names derived from them."""

    body: bytes
    digest: str  # the address's part: the first DIGEST_LENGTH hex digits of the SHA-256
    etag: str  # the whole SHA-256
    integrity: str  # the value of the <script integrity> attribute

    @property
    def path(self) -> str:
        """The pinned address, below our base URL (the route is ``views.pinned_script``)."""
        return f"/embed.{self.digest}.js"


@lru_cache(maxsize=4)
def _read(path: Path) -> PinnedScript:
    body = path.read_bytes()
    sha256 = hashlib.sha256(body).hexdigest()
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")
    return PinnedScript(body=body, digest=sha256[:DIGEST_LENGTH], etag=sha256, integrity=integrity)


def current_script() -> PinnedScript:
    """This process's widget script (read from the app's static folder the first time it is asked for)."""
    return _read(Path(current_app.static_folder or "") / FILENAME)
