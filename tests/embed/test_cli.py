"""`advocacy allies origins / webhook / retry-webhooks`: letting an ally's site show the widget, and hear back."""

from __future__ import annotations

from click.testing import CliRunner

from advocacy.cli import CliState, main

from .conftest import PETITION


def run(settings, *args):
    return CliRunner().invoke(main, list(args), obj=CliState(settings), catch_exceptions=False)


def test_origins_decide_who_may_frame_the_widget(settings, db, client):
    assert run(settings, "allies", "create", "transit", "--name", "Friends of Transit").exit_code == 0
    done = run(settings, "allies", "origins", "transit", "https://Transit.example.org/", "https://b.example:443")
    assert done.exit_code == 0 and "https://b.example, https://transit.example.org" in done.output
    policy = client.get(f"/embed/{PETITION}?ally=transit").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://b.example https://transit.example.org" in policy
    bad = run(settings, "allies", "origins", "transit", "https://transit.example.org/page")
    assert bad.exit_code == 1 and "not a site origin" in bad.output
    assert "widget sites: https://b.example, https://transit.example.org" in run(settings, "allies", "list").output
    assert "none" in run(settings, "allies", "origins", "transit").output


def test_a_webhook_secret_is_printed_once_and_the_address_checked(settings, db):
    run(settings, "allies", "create", "transit", "--name", "Friends of Transit")
    made = run(settings, "allies", "webhook", "transit", "http://127.0.0.1:8999/hook")
    assert made.exit_code == 0 and made.stdout.strip().startswith("whsec_")
    assert made.stdout.strip() not in run(settings, "allies", "list").output
    assert run(settings, "allies", "webhook", "transit", "ftp://x.example/hook").exit_code == 1
    assert "webhook removed" in run(settings, "allies", "webhook", "transit").output
    assert "0 webhooks queued again" in run(settings, "allies", "retry-webhooks", "transit").output
