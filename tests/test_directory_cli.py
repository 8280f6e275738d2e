"""`advocacy directory load/export`: the documented CSV format round-trips; a bad file changes nothing."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from advocacy.cli import CliState, main
from advocacy.models import DirectoryEntry


def run(settings, *args):
    return CliRunner().invoke(main, list(args), obj=CliState(settings), catch_exceptions=False)


def entries(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(DirectoryEntry))


def test_export_then_load_round_trips(settings, db, tmp_path):
    first = run(settings, "directory", "export").output
    assert first.startswith("level,district,name,office,email,")
    path = tmp_path / "dir.csv"
    path.write_text(first, encoding="utf-8")
    loaded = run(settings, "directory", "load", str(path))
    assert loaded.exit_code == 0 and "loaded 15 representatives" in loaded.output
    assert run(settings, "directory", "export").output == first


def test_bad_rows_are_reported_with_line_numbers_and_nothing_changes(settings, db, tmp_path):
    before = entries(db)
    path = tmp_path / "bad.csv"
    path.write_text(
        "level,district,name,office,email,party,phone,postal_address,source,source_url,postal_codes,demo\n"
        "provincial,Ottawa Centre,New Person,MPP,new@example.org,,,,,,K1P,\n"
        "regional,Somewhere,A,B,a@example.org,,,,,,,\n"
        "federal,Ottawa Centre,C,MP,not-an-email,,,,,,,\n"
        "federal,Ottawa Centre,C,MP,c@example.org,,,,,,D1P;K1P:abc,\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["directory", "load", str(path)], obj=CliState(settings))
    assert result.exit_code == 1
    assert "bad.csv:3: level: must be federal, provincial, municipal or official" in result.output
    assert "bad.csv:4: email: 'not-an-email' is not an email address" in result.output
    assert "bad.csv:5: postal_codes: 'D1P'" in result.output
    assert "bad.csv:5: postal_codes: 'K1P:abc' has a share that is not a number" in result.output
    assert entries(db) == before


def test_missing_columns_are_named(settings, db, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("level,district,name\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["directory", "load", str(path)], obj=CliState(settings))
    assert result.exit_code == 1 and "missing columns office, email" in result.output
