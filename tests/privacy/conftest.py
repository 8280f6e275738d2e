"""The privacy tests run with the organisation's mailing address set, as production requires."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocacy.config import Settings

from ..conftest import make_settings

ORG_ADDRESS = "100 Union Street, Suite 5, Toronto ON  M5V 1A1"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "instance").mkdir()
    return make_settings(tmp_path, org_address=ORG_ADDRESS)
