"""Every XSS vector typed into the public letter form, shown back on the preview and error pages: none runs."""

from __future__ import annotations

import pytest

from ..conftest import make_settings
from ..proof.xss_vectors import XSS_VECTORS
from .test_forms_in_browser import fill_details

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "instance").mkdir()
    return make_settings(tmp_path, rate_limits=False)  # 36 vectors, several posts each, from one address


def test_no_vector_runs_on_the_preview_or_error_pages(page, live_server):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for vector in XSS_VECTORS:
        page.goto(f"{live_server}/campaigns/stop-offshoring")
        fill_details(page, vector[:100], vector[:100], "maya@example.com", "M5V 3L9")
        page.get_by_role("button", name="Preview my letter").click()  # the names are shown back either way
        page.wait_for_load_state("load")
        if page.locator("[data-error-summary]").count():  # refused: try again with plain names
            page.get_by_label("First name").fill("Maya")
            page.get_by_label("Last name").fill("Okafor")
            page.get_by_role("button", name="Preview my letter").click()
        page.get_by_label("Your letter").fill(vector)
        page.get_by_label("Subject").fill(vector[:150])
        page.get_by_role("button", name="Update the preview").click()
        page.wait_for_load_state("load")
        assert vector in page.get_by_label("Your letter").input_value()  # kept, as text
    assert dialogs == []
