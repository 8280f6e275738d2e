"""The widget's form token: ours, for this campaign and ally, at least a few seconds and at most two hours old."""

from datetime import UTC, datetime, timedelta

import pytest

from advocacy.services.embed_tokens import EmbedTokenError, issue_embed_token, read_embed_token

SECRET = "a-test-secret-that-is-long-enough-000"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def read(token, *, at=NOW + timedelta(seconds=10), campaign="petition", ally="ally", secret=SECRET):
    return read_embed_token(secret, token, campaign=campaign, ally=ally, now=at, min_age=3, max_age=7200)


def reason(**kwargs) -> str:
    with pytest.raises(EmbedTokenError) as caught:
        read(**kwargs)
    return caught.value.reason


def test_a_token_rendered_a_while_ago_is_accepted_with_its_contents():
    token = issue_embed_token(SECRET, "petition", "ally", now=NOW)
    found = read(token)
    assert (found.campaign, found.ally, found.issued_at) == ("petition", "ally", NOW.timestamp())


def test_every_rendered_form_gets_a_different_token():
    assert issue_embed_token(SECRET, "petition", "ally", now=NOW) != issue_embed_token(SECRET, "petition", "ally",
                                                                                       now=NOW)


def test_forged_tokens_are_refused():
    token = issue_embed_token(SECRET, "petition", "ally", now=NOW)
    changed = "A" if token[-2] != "A" else "B"  # a different character, whatever the random nonce made it
    assert reason(token=token[:-2] + changed + token[-1]) == "forged"
    assert reason(token="not a token") == "forged"
    assert reason(token=issue_embed_token("another-secret-entirely-0000000000", "petition", "ally", now=NOW)) \
        == "forged"


def test_a_token_for_another_campaign_or_ally_is_refused():
    token = issue_embed_token(SECRET, "petition", "ally", now=NOW)
    assert reason(token=token, campaign="other") == "forged"
    assert reason(token=token, ally="") == "forged"


def test_too_fast_and_expired_tokens_are_refused():
    token = issue_embed_token(SECRET, "petition", "ally", now=NOW)
    assert reason(token=token, at=NOW + timedelta(seconds=1)) == "too_fast"
    assert reason(token=token, at=NOW + timedelta(hours=2, seconds=1)) == "expired"
    assert read(token, at=NOW + timedelta(hours=2)).campaign == "petition"
