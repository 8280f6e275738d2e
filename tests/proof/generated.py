"""What every generated-input test shares: the hostile strings, the text strategies, the example budget and the check.

EXAMPLES is the whole suite's budget: one entry per test, at least 10,000 inputs in all, balanced so that
``pytest tests/proof`` stays under about three minutes on two CPUs. Each test is derandomised, so CI sends the same
inputs every time. ``counted`` wraps a test body so that the run reports how many inputs really went through
(tests/proof/conftest.py prints the total).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .xss_vectors import XSS_VECTORS

HOSTILE = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "{% raw %}",
    "=?utf-8?q?=0D=0ABcc:_x@evil.test?=", "a\r\nBcc: x@evil.test", "\u2028\u2029", "\u202e\u200b\ufeff", "\x00",
    "' OR 1=1 --", "Robert'); DROP TABLE actions;--", "=HYPERLINK(\"http://evil.test\")", "@SUM(1)", "+1", "-1",
    "../../etc/passwd", "%00", "%0d%0a", "A" * 5000, "é" * 300, "😀" * 100, "\ud7ff", "M5V 3L9", "K1P5J2", "p7b 1a1",
    "maya@example.com", "MAYA+x@Example.COM", "a@b", "@", "", " ", "\t", "0", "-0", "99999999999999999999", "1e309",
    "NaN", "null", "true", "[]", "{}", "2026-02-30", "2026-11-24", "9999-12-31", "//evil.test", "https://evil.test/",
    "\\\\evil.test", "\"\"\"", "'''", "[[targets]]", *XSS_VECTORS[:8],
]
EXAMPLES = {
    # tests/proof/test_generated_inputs.py: the public forms, links and the API
    "petition": 900, "letter": 900, "links": 500, "lookup": 500, "api_signature": 700, "api_letter": 700,
    "page_params": 500,
    # tests/proof/test_generated_admin_inputs.py: signing in and the staff pages
    "login": 300, "login_code": 200, "setup": 250, "account": 150, "staff": 400, "editor": 500, "editor_toml": 300,
    "editor_status": 150, "review": 300, "review_edit": 300, "hold": 150, "people": 300, "limits": 250,
    "allies": 300, "exports": 400, "audit": 200,
    # tests/proof/test_generated_widget_inputs.py: the widget, the bounce webhook and the language
    "widget_get": 500, "widget_post": 600, "bounces_json": 300, "bounces_raw": 300, "languages": 300,
}
assert sum(EXAMPLES.values()) >= 10_000

text = st.one_of(st.text(max_size=120), st.sampled_from(HOSTILE),
                 st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000))
maybe = st.one_of(st.none(), text)  # a field left out of the request altogether

_counts: dict[str, int] = {}


def mostly(usual: st.SearchStrategy[Any], rarely: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` about four times in five, else ``rarely``: most inputs then get past the check ``rarely`` fails
    (an unknown address, a foreign origin) to the code behind it."""
    return st.integers(0, 4).flatmap(lambda n: rarely if n == 0 else usual)


def generated(name: str) -> settings:
    return settings(max_examples=EXAMPLES[name], deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


def counted(test: Callable[..., None]) -> Callable[..., None]:
    """Count each input the test is given (the decorator goes under ``@given``)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        _counts[test.__name__] = _counts.get(test.__name__, 0) + 1
        test(*args, **kwargs)

    return run


def inputs_run() -> dict[str, int]:
    return dict(_counts)


def form(**fields: str | None) -> dict[str, str]:
    """The fields that were drawn (``None`` = left out of the request)."""
    return {name: value for name, value in fields.items() if value is not None}


def no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
