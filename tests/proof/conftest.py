"""Generated-input tests send thousands of requests a minute: rate limits off, so every input reaches validation."""

from __future__ import annotations

import pytest

from ..conftest import make_settings


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "instance").mkdir()
    return make_settings(tmp_path, rate_limits=False, api_rate_limits=False)
