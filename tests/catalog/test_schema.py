"""Schema rules that span fields, and what a campaign's dates mean in Toronto."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from advocacy.catalog import CampaignFileError, load_campaign_text

from .conftest import campaign_toml


def load(text: str):
    return load_campaign_text(text, "x.toml")


def problems(text: str) -> list[str]:
    with pytest.raises(CampaignFileError) as refused:
        load(text)
    return refused.value.problems


@pytest.mark.parametrize(("utc", "phase"), [
    ("2025-03-01T04:59", "upcoming"),  # 23:59 on 28 February in Toronto (EST, UTC-5)
    ("2025-03-01T05:00", "open"),      # midnight starting 1 March in Toronto
    ("2025-04-01T03:59", "open"),      # 23:59 on 31 March in Toronto (EDT, UTC-4): the closing day counts
    ("2025-04-01T04:00", "closed"),
])
def test_opens_and_closes_are_whole_days_in_toronto(utc, phase):
    campaign = load(campaign_toml("x", head='status = "live"\nopens = 2025-03-01\ncloses = 2025-03-31'))
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert campaign.phase(now) == phase
    assert campaign.is_open(now) is (phase == "open")


@pytest.mark.parametrize("status", ["draft", "paused", "closed"])
def test_a_campaign_that_is_not_live_is_never_open_whatever_its_dates(status):
    campaign = load(campaign_toml("x", head=f'status = "{status}"'))
    assert campaign.phase(datetime.now(UTC)) == status and not campaign.is_open(datetime.now(UTC))


def test_defaults_draft_public_not_editable_default_greeting():
    campaign = load(campaign_toml("x", kind="letter", head=""))
    assert (campaign.status, campaign.visibility, campaign.editable) == ("draft", "public", False)
    assert campaign.letters["default"].en.greeting == "Dear {{ target.name }},"
    assert campaign.targets[0].letter == "default"


def test_closes_before_opens_is_refused():
    assert problems(campaign_toml("x", head="opens = 2025-03-02\ncloses = 2025-03-01")) == [
        "x.toml: closes: 2025-03-01 is before opens (2025-03-02)"]


def test_editable_body_may_say_target_in_prose_but_not_use_target_placeholders():
    prose = campaign_toml("x", kind="letter", head="editable = true", letter="We target waste, not people.")
    assert load(prose).editable
    named = campaign_toml("x", kind="letter", head="editable = true", letter="Dear {{ target.name }}, act.")
    assert problems(named) == [
        "x.toml: letters.default.en.body: an editable letter cannot use {{ target.name }} here (supporters edit "
        "one text before their offices are known): put target placeholders in the greeting"]
    subject = named.replace("Dear {{ target.name }}, act.", "Act.").replace(
        'subject = "A subject"', 'subject = "From {{ supporter.name }}"')
    assert problems(subject)[0].startswith("x.toml: letters.default.en.subject: an editable letter cannot use "
                                           "{{ supporter.name }} here")
    title = subject.replace("From {{ supporter.name }}", "About {{ campaign.title }}")
    assert load(title).editable


def test_editable_needs_a_single_letter_version():
    text = campaign_toml("x", kind="letter", head="editable = true") + (
        '\n[[targets]]\ntype = "representative"\nlevel = "federal"\nletter = "mp"\n'
        '\n[letters.mp.en]\nsubject = "s"\nbody = "b"\n')
    assert problems(text) == ["x.toml: editable: supporters can edit a letter only when the campaign has one "
                              "letter version"]


def test_a_repeated_target_is_reported_at_the_repeat():
    text = campaign_toml("x", kind="letter") + '\n[[targets]]\ntype = "representative"\nlevel = "provincial"\n'
    assert problems(text) == ["x.toml: targets.1: repeats targets.0"]


def test_every_rule_problem_of_a_file_is_reported_at_once():
    text = campaign_toml("x", kind="letter", head="editable = true\nopens = 2025-03-02\ncloses = 2025-03-01")
    text = text.replace('level = "provincial"', 'level = "provincial"\nletter = "defualt"')
    assert problems(text) == [
        "x.toml: closes: 2025-03-01 is before opens (2025-03-02)",
        "x.toml: targets.0.letter: 'defualt' is not a letter version (did you mean 'default'?)",
        "x.toml: letters.default: this letter version is not used by any target",
    ]


@pytest.mark.parametrize(("line", "message"), [
    ('editable = "yes"', "editable: must be true or false, without quotes"),
    ('visibility = "secret"', "visibility: must be one of public, private"),
    ('status = "Live"', "status: must be one of draft, live, paused, closed (did you mean 'live'?)"),
    ('slug = "Stop_Offshoring"', "slug: use lower-case letters, digits and hyphens only, like 'stop-offshoring'"),
])
def test_values_are_not_guessed(line, message):
    key = line.split(" ")[0]
    text = campaign_toml("x").replace(f'{key} = "x"\n', "") if key == "slug" else campaign_toml("x")
    text = text.replace('status = "live"\n', "") if key == "status" else text
    assert problems(f"{line}\n{text}") == [f"x.toml: {message}"]


def test_an_official_with_name_title_and_email_needs_no_directory():
    text = campaign_toml("x", kind="letter").replace(
        "[letters.", '[[targets]]\ntype = "official"\noffice = "premier-of-ontario"\nname = "Jo Doe"\n'
        'title = "Premier of Ontario"\nemail = "premier@example.org"\n\n[letters.', 1)
    official = load(text).targets[1]
    assert (official.office, official.name, official.email) == ("premier-of-ontario", "Jo Doe", "premier@example.org")
