"""The lookup settings read from ADVOCACY_* variables, and the combinations refused at start-up."""

from __future__ import annotations

import pytest

from advocacy.config import Settings, SettingsError


def test_live_lookups_are_used_only_when_a_represent_url_is_set():
    assert Settings.from_env({}).providers == ("directory",)
    live = Settings.from_env({"ADVOCACY_REPRESENT_URL": "http://127.0.0.1:9/", "ADVOCACY_REDIS_URL": "redis://x"})
    assert live.providers == ("represent", "directory")
    assert (live.represent_url, live.redis_url) == ("http://127.0.0.1:9", "redis://x")
    assert live.represent_sets == ("house-of-commons", "ontario-legislature")
    chosen = Settings.from_env({"ADVOCACY_REPRESENT_URL": "http://r", "ADVOCACY_PROVIDERS": "directory",
                                "ADVOCACY_REPRESENT_SETS": "toronto-city-council, ontario-legislature"})
    assert chosen.providers == ("directory",)
    assert chosen.represent_sets == ("toronto-city-council", "ontario-legislature")


@pytest.mark.parametrize(("variables", "named"), [
    ({"ADVOCACY_PROVIDERS": "represent,directory"}, "ADVOCACY_REPRESENT_URL"),
    ({"ADVOCACY_REPRESENT_TIMEOUT_SECONDS": "10"}, "ADVOCACY_REPRESENT_TIMEOUT_SECONDS"),
    ({"ADVOCACY_REPRESENT_RETRIES": "5"}, "ADVOCACY_REPRESENT_RETRIES"),
    ({"ADVOCACY_REPRESENT_RATE_PER_MINUTE": "58", "ADVOCACY_REPRESENT_BURST": "5"}, "60 calls a minute"),
])
def test_settings_that_would_break_represents_terms_are_refused(variables, named):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(variables)
