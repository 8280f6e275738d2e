"""Generated-input tests send thousands of requests a minute: rate limits off, so every input reaches validation.

The widget may be posted as soon as it has loaded, the bounce webhook is switched on, and staff accounts hash
passwords with light Argon2 settings (the admin tests' fixtures, used here too).
"""

from __future__ import annotations

import pytest

from ..admin.conftest import light_password_hashing, staff_client  # noqa: F401 - fixtures
from ..conftest import make_settings
from .generated import inputs_run

BOUNCE_SECRET = "proof-bounce-secret-0123456789abcdef"  # noqa: S105 - a test setting


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "instance").mkdir()
    return make_settings(tmp_path, rate_limits=False, api_rate_limits=False, embed_min_fill_seconds=0.0,
                         bounce_webhook_secret=BOUNCE_SECRET)


def pytest_terminal_summary(terminalreporter) -> None:
    counts = inputs_run()
    if counts:
        terminalreporter.write_line(f"generated inputs: {sum(counts.values())} through {len(counts)} tests")
