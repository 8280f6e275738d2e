"""Return paths: each delivery's bounces come back to an address naming it, and only ours are read."""

from __future__ import annotations

import pytest

from advocacy.config import Settings, SettingsError
from advocacy.domain.verp import new_return_token, return_path, token_of


def test_tokens_are_long_random_and_survive_case_folding():
    tokens = {new_return_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(token) == 26 and token == token.lower() and set(token) <= set("abcdefghijklmnopqrstuvwxyz234567")
    token = tokens.pop()
    address = return_path("bounces@union.test", token)
    assert address == f"bounces+{token}@union.test"
    assert token_of(address.upper(), "bounces@union.test") == token  # some servers shout
    assert token_of(f"<{address}>", "Bounces@Union.test") == token


@pytest.mark.parametrize("address", ["bounces@union.test", "bounces+@union.test", "other+abcdefghijklmnop@union.test",
                                     "bounces+abcdefghijklmnop@elsewhere.test", "bounces+abc@union.test",
                                     "bounces+abcdefghijklmn01@union.test", "not an address"])
def test_other_addresses_name_no_delivery(address):
    assert token_of(address, "bounces@union.test") is None


def test_the_bounce_address_defaults_to_the_sending_domain_and_is_checked():
    assert Settings(from_address="letters@union.example.org").bounce_mailbox == "bounces@union.example.org"
    env = {"ADVOCACY_BOUNCE_ADDRESS": "returns@mail.union.example.org"}
    assert Settings.from_env(env).bounce_mailbox == "returns@mail.union.example.org"
    for bad in ("returns+x@union.example.org", "returns", "Returns <r@union.example.org>"):
        with pytest.raises(SettingsError, match="ADVOCACY_BOUNCE_ADDRESS"):
            Settings.from_env({"ADVOCACY_BOUNCE_ADDRESS": bad})
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({"ADVOCACY_BOUNCE_WEBHOOK_SECRET": "short"})
    assert Settings.from_env({"ADVOCACY_BOUNCE_WEBHOOK_SECRET": "s" * 32}).bounce_webhook_secret == "s" * 32
