"""Return addresses taken from requests never lead off the site."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from advocacy.web.security import safe_next

SITE = "https://campaigns.test/admin/login"

OFF_SITE = [
    "//evil.test",
    "///evil.test",
    "////evil.test",
    "/\\evil.test",
    "\\/evil.test",
    "\\\\evil.test",
    "\\/\\/evil.test",
    "/\\/evil.test",
    "https://evil.test",
    "http://evil.test/admin",
    "https:evil.test",
    "https:/evil.test",
    "HTTPS://EVIL.TEST",
    "ftp://evil.test",
    "%2F%2Fevil.test",
    "/%2F%2Fevil.test",
    "/%2f%2fevil.test",
    "/%252F%252Fevil.test",
    "/%5Cevil.test",
    "/%5C%5Cevil.test",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/\t/evil.test",
    "/\n/evil.test",
    "/\r\n/evil.test",
    "\t//evil.test",
    " //evil.test",
    "/%09/evil.test",
    "/%0d%0aLocation:%20https://evil.test",
    "https://campaigns.test@evil.test",
    "//campaigns.test@evil.test",
    "/@evil.test",  # harmless as a path, but kept to prove it stays on site
    "//evil%E3%80%82test",
    "//evil\u3002test",
    "/\u2028/evil.test",
    "/\u202e/evil.test",
    "/../\\evil.test",
    "/..//evil.test",
    "evil.test",
    "",
    "  ",
    None,
]


@pytest.mark.parametrize("payload", OFF_SITE)
def test_payloads_never_leave_the_site(payload: str | None) -> None:
    chosen = safe_next(payload, default="/admin/")
    resolved = urlsplit(urljoin(SITE, chosen.replace("\\", "/")))
    assert resolved.scheme == "https" and resolved.netloc == "campaigns.test"
    assert not chosen.startswith("//") and "\\" not in chosen


def test_enough_payloads() -> None:
    assert len(OFF_SITE) >= 30


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/people?page=2&q=smith", "/campaigns/fund-schools#sign",
                                  "/admin/limits?name=sign%20ip", "/@evil.test"])
def test_local_paths_are_kept(path: str) -> None:
    assert safe_next(path, default="/nowhere") == path


def test_refused_addresses_fall_back_to_the_default() -> None:
    assert safe_next("//evil.test") == "/"
    assert safe_next("//evil.test", default="/admin/") == "/admin/"
