"""``advocacy campaigns check`` and create_app: one line per problem, naming the file and the field."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from advocacy import create_app
from advocacy.catalog import CampaignFileError
from advocacy.cli import main

from .conftest import campaign_toml, write_campaigns

GOOD = campaign_toml("x", kind="letter")
OFFICIAL = '[[targets]]\ntype = "official"\noffice = "premier-of-ontario"\n'

# (file name, file text, the exact lines expected; a line ending in "…" only has to start with what precedes it)
BROKEN = {
    "typo'd field": ("x.toml", GOOD.replace('status = "live"', 'stauts = "live"'),
                     ["x.toml: stauts: unknown field (did you mean 'status'?)"]),
    "bad kind": ("x.toml", GOOD.replace('kind = "letter"', 'kind = "leter"'),
                 ["x.toml: kind: must be one of petition, letter (did you mean 'letter'?)"]),
    "missing field": ("x.toml", GOOD.replace("goal = 100\n", ""), ["x.toml: goal: required field is missing"]),
    "goal as a string": ("x.toml", GOOD.replace("goal = 100", 'goal = "100"'),
                         ["x.toml: goal: must be a whole number, without quotes"]),
    "unknown placeholder": ("x.toml", GOOD.replace("Please act.", "Hello {{ target.nmae }}"),
                            ["x.toml: letters.default.en.body: line 1: unknown placeholder target.nmae "
                             "(did you mean {{ target.name }}?)"]),
    "template syntax": ("x.toml", GOOD.replace("Please act.", "Hello {{ target.name "),
                        ["x.toml: letters.default.en.body: template syntax error on line 1: …"]),
    "slug and file name": ("y.toml", GOOD, ["y.toml: slug: 'x' must match the file name 'y'"]),
    "missing letter version": ("x.toml", GOOD.replace('level = "provincial"', 'level = "provincial"\nletter = "mpp"'),
                               ["x.toml: targets.0.letter: 'mpp' is not a letter version (have: default)",
                                "x.toml: letters.default: this letter version is not used by any target"]),
    "official half named": ("x.toml", GOOD.replace("[letters.", OFFICIAL + 'name = "Jo Doe"\n\n[letters.'),
                            ["x.toml: targets.1: title and email missing: give name, title and email together, "
                             "or none of them to look the office up in the directory"]),
    "petition with letters": ("x.toml", GOOD.replace('kind = "letter"', 'kind = "petition"'),
                              ["x.toml: letters: a petition has no letter versions: remove [letters]"]),
    "toml syntax": ("x.toml", GOOD.replace("goal = 100", "goal = "), ["x.toml: (syntax): Invalid value …"]),
    "yaml file": ("x.yaml", "slug: x\n", ["x.yaml: (file): campaign files are TOML; rename to .toml"]),
}


def check(directory) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["campaigns", "check", str(directory)])
    return result.exit_code, result.stderr.splitlines()


def assert_lines(lines: list[str], expected: list[str]) -> None:
    assert len(lines) == len(expected), lines
    for line, want in zip(lines, expected, strict=True):
        if want.endswith("…"):
            assert line.startswith(want[:-1]), line
        else:
            assert line == want


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_reports_each_broken_file_in_one_line_per_problem(tmp_path, case):
    name, text, expected = BROKEN[case]
    code, lines = check(write_campaigns(tmp_path / "campaigns", {name: text}))
    assert code == 1
    assert_lines(lines, expected)


def test_check_reports_every_file_at_once_and_create_app_refuses_with_the_same_message(tmp_path, settings):
    # Every single-file case again, each in its own file named after its slug, plus one good file.
    per_file = [(name, text, expected) for name, text, expected in BROKEN.values() if name == "x.toml"]
    files = {f"case-{i}.toml": text.replace('slug = "x"', f'slug = "case-{i}"') for i, (_, text, _) in
             enumerate(per_file)}
    files["good.toml"] = campaign_toml("good")
    files["notes.yaml"] = "slug: notes\n"
    directory = write_campaigns(tmp_path / "campaigns", files)
    code, lines = check(directory)
    assert code == 1
    assert len(lines) == sum(len(expected) for _name, _text, expected in per_file) + 1
    assert all(re.fullmatch(r"[a-z0-9-]+\.(toml|yaml): \S+: .+", line) for line in lines), lines
    assert {line.split(":")[0] for line in lines} == set(files) - {"good.toml"}
    with pytest.raises(CampaignFileError) as refused:
        create_app(settings.with_(campaigns_dir=directory))
    assert str(refused.value).splitlines() == lines


def test_check_of_a_missing_directory_fails_clearly(tmp_path):
    code, lines = check(tmp_path / "nowhere")
    assert code == 1
    assert lines == [f"{tmp_path / 'nowhere'}: (directory): no such campaigns directory"]


def test_check_passes_a_good_directory_and_ignores_other_files(tmp_path):
    directory = write_campaigns(tmp_path / "campaigns", {"x.toml": GOOD, "README.md": "# notes\n"})
    result = CliRunner().invoke(main, ["campaigns", "check", str(directory)])
    assert result.exit_code == 0
    assert "OK" in result.stdout and result.stderr == ""


def test_check_reports_capitalised_suffixes_and_skips_hidden_files(tmp_path):
    directory = write_campaigns(tmp_path / "campaigns", {"x.toml": GOOD, "Y.TOML": GOOD, ".#x.toml": "broken ="})
    code, lines = check(directory)
    assert code == 1
    assert lines == ["Y.TOML: (file): campaign files are TOML; rename to .toml"]
