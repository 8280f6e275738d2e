"""The catalog keeps campaigns stored in the database current in every process, and exports them as files."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from advocacy.catalog import CampaignFileError, Catalog, load_campaign_text, load_directory
from advocacy.catalog.registry import StoredState
from advocacy.catalog.stored import DatabaseCampaigns, bump_revision, open_catalog
from advocacy.catalog.writer import export_campaign
from advocacy.cli import main
from advocacy.config import PROJECT_ROOT
from advocacy.models import StoredCampaign
from advocacy.models.base import utcnow

from .conftest import campaign_toml, write_campaigns

FILE = load_campaign_text(campaign_toml("from-a-file"), "from-a-file.toml")
STORED = load_campaign_text(campaign_toml("from-the-editor", kind="letter"), "from-the-editor.toml")


class FakeSource:
    def __init__(self) -> None:
        self.state = StoredState(0)
        self.loads = 0
        self.fail = False

    def revision(self) -> int:
        if self.fail:
            raise OSError("database unavailable")
        return self.state.revision

    def load(self) -> StoredState:
        self.loads += 1
        return self.state


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_stored_campaign_appears_once_the_revision_changes_and_no_sooner_than_the_interval():
    source, clock = FakeSource(), Clock()
    catalog = Catalog([FILE], source=source, refresh_seconds=2, clock=clock)
    assert [c.slug for c in catalog] == ["from-a-file"]
    source.state = StoredState(1, (STORED,))
    clock.now = 1.0
    assert catalog.get("from-the-editor") is None  # checked less than 2 s ago
    clock.now = 2.5
    assert catalog.get("from-the-editor") == STORED
    assert catalog.is_stored("from-the-editor") and not catalog.is_stored("from-a-file")
    loads = source.loads
    clock.now = 10.0
    assert len(catalog) == 2
    assert source.loads == loads  # same revision: nothing reloaded


def test_refresh_sees_a_change_at_once():
    source = FakeSource()
    catalog = Catalog([FILE], source=source, refresh_seconds=60, clock=Clock())
    assert len(catalog) == 1
    source.state = StoredState(1, (STORED,))
    catalog.refresh()
    assert catalog.get("from-the-editor") == STORED


def test_a_status_given_in_the_admin_overrides_the_file():
    source = FakeSource()
    source.state = StoredState(3, (), {"from-a-file": "closed"})
    catalog = Catalog([FILE], source=source, refresh_seconds=0)
    assert catalog.get("from-a-file").status == "closed"
    assert catalog.files["from-a-file"].status == "live"
    assert catalog.listed(utcnow()) == []


def test_a_file_wins_over_a_stored_campaign_with_its_slug():
    source = FakeSource()
    source.state = StoredState(1, (STORED.model_copy(update={"slug": "from-a-file"}),))
    catalog = Catalog([FILE], source=source, refresh_seconds=0)
    assert catalog.get("from-a-file") == FILE and not catalog.is_stored("from-a-file")


def test_a_database_that_cannot_be_read_keeps_the_campaigns_already_loaded():
    source = FakeSource()
    source.state = StoredState(1, (STORED,))
    catalog = Catalog([FILE], source=source, refresh_seconds=0)
    assert len(catalog) == 2
    source.fail = True
    assert len(catalog) == 2
    source.fail = False
    source.state = StoredState(2, ())
    assert len(catalog) == 1


def _store(db, slug: str, text: str | None, status: str = "live") -> None:
    with db.transaction() as session:
        session.add(StoredCampaign(slug=slug, source=text, status=status, updated_by="test"))
        bump_revision(session)


def test_two_catalogs_on_one_database_see_each_others_changes(settings, db, tmp_path):
    see_each_others_changes(db, tmp_path)


@pytest.mark.postgres
def test_two_catalogs_on_postgresql_see_each_others_changes(pg_db, tmp_path):
    see_each_others_changes(pg_db, tmp_path)


def see_each_others_changes(db, tmp_path):
    directory = write_campaigns(tmp_path / "campaigns", {"from-a-file.toml": campaign_toml("from-a-file")})
    first = open_catalog(directory, db, refresh_seconds=0)
    second = open_catalog(directory, db, refresh_seconds=0)
    assert [c.slug for c in second] == ["from-a-file"]
    source = campaign_toml("from-the-editor", kind="letter").replace('status = "live"\n', "")
    _store(db, "from-the-editor", source, "live")
    _store(db, "from-a-file", None, "paused")
    assert second.get("from-the-editor").status == "live"
    assert second.get("from-a-file").status == "paused"
    assert first.get("from-the-editor") == second.get("from-the-editor")


def test_a_stored_campaign_that_no_longer_validates_is_left_out(db):
    _store(db, "broken", campaign_toml("broken").replace("goal = 100", 'goal = "many"'))
    _store(db, "fine", campaign_toml("fine"))
    state = DatabaseCampaigns(db).load()
    assert [c.slug for c in state.campaigns] == ["fine"]


def test_every_shipped_campaign_exports_to_a_file_check_accepts_unchanged(tmp_path):
    out = tmp_path / "exported"
    out.mkdir()
    shipped = load_directory(PROJECT_ROOT / "campaigns")
    for campaign in shipped:
        closed = campaign.model_copy(update={"status": "closed"})
        (out / f"{campaign.slug}.toml").write_text(export_campaign(closed, comment="exported"), encoding="utf-8")
    result = CliRunner().invoke(main, ["campaigns", "check", str(out)])
    assert result.exit_code == 0, result.output
    again = {c.slug: c for c in load_directory(out)}
    assert all(again[c.slug] == c.model_copy(update={"status": "closed"}) for c in shipped)


def test_embed_origins_are_exact_origins():
    text = campaign_toml("x").replace("goal = 100", 'goal = 100\nembed = { allowed_origins = ["https://ally.example.org",'
                                      ' "http://localhost:8080", "https://ally.example.org/page"] }')
    try:
        load_campaign_text(text, "x.toml")
    except CampaignFileError as exc:
        assert exc.problems == ["x.toml: embed.allowed_origins.2: 'https://ally.example.org/page' is not an origin: "
                                "write the scheme and host only, in lower case, with no path or trailing slash, "
                                "like 'https://ally.example.org'"]
        assert exc.fields == [("embed.allowed_origins.2", exc.problems[0].split(": ", 2)[2])]
    else:
        raise AssertionError("a path in an origin was accepted")
