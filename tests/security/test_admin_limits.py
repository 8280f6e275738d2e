"""Admins tune rate limits in the browser: the new value applies to later requests in every process, a bad
value is refused with a message, only admins may see or change them, and trips are listed without addresses."""

from __future__ import annotations

from sqlalchemy import select

from advocacy import create_app, limits
from advocacy.models import AuditEntry, RateLimitOverride

from ..conftest import csrf_token
from .conftest import campaign_of
from .test_limits_and_checks import sign


def change(client, name: str, value: str):
    return client.post(f"/admin/limits/{name}", data={"csrf_token": csrf_token(client, "/admin/limits"),
                                                      "value": value})


def overrides(db) -> dict[str, str]:
    with db.session() as session:
        return {row.name: row.value for row in session.scalars(select(RateLimitOverride))}


def test_a_limit_tuned_in_the_admin_trips_at_the_new_value(app, db, staff_client):
    admin = staff_client("admin")
    page = admin.get("/admin/limits").get_data(as_text=True)
    assert "Petition signatures" in page and "5/minute;20/hour" in page and "ADVOCACY_LIMIT_SIGN" in page
    saved = change(admin, "sign", " 2/minute ; 10/hour ")
    assert saved.status_code == 302
    assert overrides(db) == {"sign": "2/minute;10/hour"}
    assert "is now 2/minute;10/hour" in admin.get("/admin/limits").get_data(as_text=True)
    public, slug = app.test_client(), campaign_of(app, "petition")
    assert sign(public, slug, "one@example.com").status_code == 303
    assert sign(public, slug, "two@example.com").status_code == 303
    assert sign(public, slug, "three@example.com").status_code == 429
    with db.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "limits.change")).one()
    assert entry.target == "limit:sign" and entry.detail == {"from": "5/minute;20/hour", "to": "2/minute;10/hour"}
    assert entry.actor == admin.staff.email


def test_going_back_to_the_setting_is_audited(db, staff_client):
    admin = staff_client("admin")
    change(admin, "email", "3/hour")
    reset = admin.post("/admin/limits/email/reset", data={"csrf_token": csrf_token(admin, "/admin/limits")})
    assert reset.status_code == 302 and overrides(db) == {}
    with db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target == "limit:email")).all()
    assert actions == ["limits.change", "limits.reset"]


def test_every_web_process_applies_a_change_made_in_another(app, settings, db, staff_client, monkeypatch):
    # A second app on the same database is a second web process; it trusts what it read for OVERRIDES_SECONDS,
    # set to 0 here so the test needs no clock.
    other = create_app(settings)
    slug = campaign_of(other, "petition")
    assert sign(other.test_client(), slug, "before@example.com").status_code == 303  # it has read the overrides
    change(staff_client("admin"), "sign", "1/minute")
    monkeypatch.setattr(limits, "OVERRIDES_SECONDS", 0.0)
    client = other.test_client()
    assert sign(client, slug, "first@example.com").status_code == 303
    assert sign(client, slug, "second@example.com").status_code == 429
    other.extensions["advocacy"].db.dispose()


def test_a_value_the_limiter_cannot_read_is_refused_with_a_message(db, staff_client):
    admin = staff_client("admin")
    for value in ("lots", "5/fortnight", "0/minute", "", "5/minute;" * 20):
        refused = change(admin, "letter_send", value)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400, value
        assert "Enter a limit like 5/minute;20/hour" in page and 'aria-invalid="true"' in page
        assert 'href="#value-letter_send"' in page
    assert overrides(db) == {}


def test_only_admins_see_or_change_limits(db, staff_client):
    for role in ("viewer", "campaigner"):
        person = staff_client(role)
        assert person.get("/admin/limits").status_code == 403
        token = csrf_token(person, "/admin/account")
        assert person.post("/admin/limits/sign", data={"csrf_token": token, "value": "1/day"}).status_code == 403
        assert person.post("/admin/limits/sign/reset", data={"csrf_token": token}).status_code == 403
        assert "/admin/limits" not in person.get("/admin/account").get_data(as_text=True)
    assert overrides(db) == {}
    assert "/admin/limits" in staff_client("admin").get("/admin/account").get_data(as_text=True)


def test_an_unknown_limit_is_404(staff_client):
    admin = staff_client("admin")
    assert change(admin, "everything", "1/day").status_code == 404


def test_trips_are_listed_per_limit_and_hour_without_addresses(app, staff_client):
    admin = staff_client("admin")
    assert "No limit has refused anyone" in admin.get("/admin/limits").get_data(as_text=True)
    change(admin, "sign", "1/minute")
    public, slug = app.test_client(), campaign_of(app, "petition")
    sign(public, slug, "one@example.com")
    assert sign(public, slug, "two@example.com").status_code == 429
    page = admin.get("/admin/limits").get_data(as_text=True)
    trips = page[page.index("Recent trips"):]
    assert "Petition signatures" in trips and '<td class="number">1</td>' in trips
    assert "127.0.0.1" not in page and "two@example.com" not in page
