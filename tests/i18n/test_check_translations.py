"""`advocacy campaigns check` warns about a campaign missing French (text or a letter version), naming the file and
the field, and still passes: a campaign may go live in English alone."""

from __future__ import annotations

from click.testing import CliRunner

from advocacy.cli import main

from .conftest import CAMPAIGNS, ENGLISH_ONLY


def check(directory) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["campaigns", "check", str(directory)])
    return result.exit_code, result.stdout, result.stderr


def test_a_campaign_without_french_is_a_warning_not_an_error(settings):
    code, out, err = check(settings.campaigns_dir)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("8 campaigns OK")
    assert lines[1:] == ["warning: english-only.toml: text.fr: no French text: French pages show the English "
                         "title, summary and body"]


def test_a_letter_version_without_french_is_named(tmp_path):
    text = (CAMPAIGNS / "stop-offshoring.toml").read_text(encoding="utf-8")
    start = text.index("[letters.default.fr]")
    (tmp_path / "stop-offshoring.toml").write_text(text[:start], encoding="utf-8")
    code, out, _err = check(tmp_path)
    assert code == 0
    assert out.splitlines()[1:] == ["warning: stop-offshoring.toml: letters.default.fr: no French letter: "
                                    "supporters writing in French send the English"]


def test_shipped_campaigns_are_all_bilingual():
    code, out, _err = check(CAMPAIGNS)
    assert code == 0 and "warning" not in out


def test_errors_still_fail_and_warnings_are_not_printed_then(tmp_path):
    (tmp_path / "english-only.toml").write_text(ENGLISH_ONLY.replace("goal = 12345", 'goal = "x"'), encoding="utf-8")
    code, out, err = check(tmp_path)
    assert code == 1 and "goal" in err and "warning" not in out
