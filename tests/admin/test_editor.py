"""The campaign editor: create, check, preview, duplicate, export; every change audited."""

from __future__ import annotations

import html
import re

from click.testing import CliRunner
from sqlalchemy import select

from advocacy.catalog import load_directory
from advocacy.cli import main
from advocacy.models import AuditEntry, StoredCampaign

from .editor_forms import create, letter_form, post_editor, set_status


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def submitted(page: str) -> dict[str, str]:
    """What the browser sends for the editor form as shown: inputs, ticked boxes, textareas, chosen options."""
    form = page[page.index('id="editor-form"'):]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token" and ("checkbox" not in tag or " checked" in tag):
            values[name.group(1)] = value.group(1) if value else ""
    values.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n(.*?)</textarea>', form, re.S))
    values.update(re.findall(r'<select[^>]*name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected', form, re.S))
    return {key: html.unescape(value) for key, value in values.items()}


def test_a_campaign_made_in_the_editor_is_on_the_public_site_once_live(staff_client, client, db):
    editor = staff_client("campaigner")
    response = create(editor, letter_form("fix-the-roof"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/editor/fix-the-roof")
    assert client.get("/campaigns/fix-the-roof").status_code == 404  # a draft
    assert set_status(editor, "fix-the-roof", "live").status_code == 303
    page = page_text(client.get("/campaigns/fix-the-roof"))
    assert "Fix the roof (fix-the-roof)" in page and "<strong>three winters</strong>" in page
    listed = client.get("/api/v1/campaigns").get_json()["campaigns"]
    assert "fix-the-roof" in [c["slug"] for c in listed]
    with db.transaction() as session:
        row = session.scalars(select(StoredCampaign).where(StoredCampaign.slug == "fix-the-roof")).one()
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target == "campaign:fix-the-roof")
                                  .order_by(AuditEntry.id)).all()
    assert row.status == "live" and "status" not in row.source and "\r" not in row.source
    assert actions == ["campaign.create", "campaign.status"]


def test_invalid_input_gets_the_messages_campaigns_check_prints(staff_client, tmp_path):
    editor = staff_client("campaigner")
    broken = {"goal": "lots", "text.en.title": "",
              "targets_and_letters": letter_form("x")["targets_and_letters"]
              .replace('level = "provincial"', 'leval = "provincial"').replace("target.district", "target.distrcit")}
    response = create(editor, letter_form("broken-roof", **broken))
    assert response.status_code == 200
    shown = re.findall(r'<li><a href="#f-[a-z-]+">([^<]+)</a></li>', response.get_data(as_text=True))
    # The same mistakes in a campaign file:
    text = (letter_form("x")["targets_and_letters"].replace("\r\n", "\n")
            .replace('level = "provincial"', 'leval = "provincial"').replace("target.district", "target.distrcit"))
    file = ('slug = "broken-roof"\nkind = "letter"\ngoal = "lots"\n[text.en]\nsummary = "s"\nbody = "b"\n'
            'thank_you = "t"\nshare_text = "s"\nconsent = "c"\n' + text)
    (tmp_path / "broken-roof.toml").write_text(file, encoding="utf-8")
    result = CliRunner().invoke(main, ["campaigns", "check", str(tmp_path)])
    printed = [line.removeprefix("broken-roof.toml: ") for line in result.stderr.splitlines()]
    assert sorted(html.unescape(line) for line in shown) == sorted(printed)
    assert any(line.startswith("targets.1.leval: unknown field") for line in printed)
    # Each message is beside its field too, and the field says so to assistive technology.
    body = response.get_data(as_text=True)
    assert 'id="f-goal-error"' in body and 'aria-invalid="true"' in body
    assert 'id="f-targets-and-letters-error"' in body


def test_preview_shows_the_public_page_and_the_letter_each_target_group_receives(staff_client):
    editor = staff_client("campaigner")
    response = post_editor(editor, "/admin/editor/new", {**letter_form("preview-roof"), "intent": "preview"})
    page = page_text(response)
    assert response.status_code == 200 and "Nothing was saved" not in page
    assert "Target 0: Drew Demo-Premier, Premier of Ontario" in page
    assert "Dear Drew Demo-Premier," in page and "Premier, please fund the repair." in page
    assert "Madame la première ministre, financez la réparation." in page  # the French version too
    assert "Target 1: Each supporter's MPP" in page
    assert "Dear [the MPP's name], MPP for [riding]," in page
    assert "Sam Sample\nK1P 5J2" in page  # the signature is added as for a real supporter
    frame = re.search(r'<iframe[^>]*srcdoc="([^"]*)"', response.get_data(as_text=True)).group(1)
    assert "<h1>Fix the roof (preview-roof)</h1>" in html.unescape(frame)
    assert editor.get("/admin/editor/preview-roof").status_code == 404  # a preview saves nothing


def test_a_file_campaign_is_read_only_and_can_be_duplicated_to_edit(staff_client, client):
    slug = "legal-aid-bargaining-rights"
    editor = staff_client("campaigner")
    view = page_text(editor.get(f"/admin/editor/{slug}"))
    assert "read-only here" in view and f"/admin/editor/new?from={slug}" in view
    assert f'action="/admin/editor/{slug}"' not in view  # no edit form for a file
    copy = editor.get(f"/admin/editor/new?from={slug}")
    assert f'value="{slug}-copy"' in copy.get_data(as_text=True)
    form = {**submitted(copy.get_data(as_text=True)), "intent": "save"}
    response = post_editor(editor, "/admin/editor/new", form, page=f"/admin/editor/new?from={slug}")
    assert response.status_code == 303, page_text(response)[:2000]
    ctx = editor.application.extensions["advocacy"]
    original, copied = ctx.catalog.get(slug), ctx.catalog.get(f"{slug}-copy")
    assert copied.model_copy(update={"slug": slug, "status": original.status}) == original
    assert copied.status == "draft"


def test_an_exported_campaign_is_a_file_campaigns_check_accepts_unchanged(staff_client, tmp_path, settings):
    editor = staff_client("campaigner")
    create(editor, letter_form("fix-the-roof"))
    set_status(editor, "fix-the-roof", "live")
    response = editor.get("/admin/editor/fix-the-roof/export")
    assert response.headers["Content-Disposition"] == 'attachment; filename="fix-the-roof.toml"'
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "fix-the-roof.toml").write_bytes(response.data)
    result = CliRunner().invoke(main, ["campaigns", "check", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [loaded] = load_directory(tmp_path / "out")
    assert loaded == editor.application.extensions["advocacy"].catalog.get("fix-the-roof")
    # The command line exports the same file.
    cli = editor.application.test_cli_runner().invoke(main, ["campaigns", "export", "fix-the-roof"],
                                                      obj=None, env={"ADVOCACY_DATABASE_URL": settings.sqlalchemy_url})
    assert cli.exit_code == 0, cli.output
    assert cli.output.split("\n", 1)[1] == response.get_data(as_text=True).split("\n", 1)[1]


def test_someone_elses_save_is_not_overwritten(staff_client):
    first, second = staff_client("campaigner"), staff_client("campaigner")
    create(first, letter_form("fix-the-roof"))
    edit = post_editor(first, "/admin/editor/fix-the-roof",
                       {**letter_form("fix-the-roof", **{"text.en.title": "First title"}), "version": "1",
                        "intent": "save"})
    assert edit.status_code == 303
    stale = post_editor(second, "/admin/editor/fix-the-roof",
                        {**letter_form("fix-the-roof", **{"text.en.title": "Second title"}), "version": "1",
                         "intent": "save"})
    assert stale.status_code == 200 and "saved this campaign since you opened it" in page_text(stale)
    assert first.application.extensions["advocacy"].catalog.get("fix-the-roof").title == "First title"


def test_viewers_read_but_cannot_change(staff_client):
    campaigner, viewer = staff_client("campaigner"), staff_client("viewer")
    create(campaigner, letter_form("fix-the-roof"))
    page = page_text(viewer.get("/admin/editor/fix-the-roof"))
    assert "Fix the roof (fix-the-roof)" in page and "Save changes" not in page and "Make live" not in page
    assert viewer.get("/admin/editor/new").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert viewer.post("/admin/editor/fix-the-roof/status", data={"csrf_token": token, "status": "live"}
                       ).status_code == 403
    assert viewer.get("/admin/editor/fix-the-roof/export").status_code == 200
