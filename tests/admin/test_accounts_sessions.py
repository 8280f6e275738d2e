"""Server-side sessions end on logout, password change, disabling and timeouts; admins' changes are audited."""

from __future__ import annotations

import re

import time_machine

from advocacy.models.base import utcnow

from ..conftest import csrf_token
from .conftest import next_code, sign_in

COOKIE = "advocacy_admin"
LINK = re.compile(r'id="setup-link">[^<]*(/admin/setup/[A-Za-z0-9_-]+)<')


def copy_session(app, client):
    """A second browser holding the same admin cookie (what a stolen cookie would be)."""
    other = app.test_client()
    other.set_cookie(COOKIE, client.get_cookie(COOKIE, path="/admin").value, path="/admin")
    return other


def signed_in(client) -> bool:
    return client.get("/admin/account").status_code == 200


def post(client, url: str, data: dict | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/account"), **(data or {})})


def test_logout_ends_the_session_on_the_server(app, staff_client):
    client = staff_client("viewer")
    copy = copy_session(app, client)
    response = post(client, "/admin/logout")
    assert response.headers["Location"] == "/admin/login"
    assert not signed_in(client) and not signed_in(copy)


def test_changing_the_password_ends_every_other_session(app, db, staff_client):
    client = staff_client("campaigner")
    elsewhere = app.test_client()
    assert sign_in(elsewhere, client.staff.email, client.password, db=db, staff_id=client.staff.id).status_code == 302
    old_cookie = copy_session(app, client)
    changed = post(client, "/admin/account", {"current_password": client.password,
                                              "new_password": "harbour tulip engine saffron",
                                              "new_password_confirm": "harbour tulip engine saffron"})
    assert changed.status_code == 302
    assert "Your password is changed" in client.get("/admin/account").get_data(as_text=True)
    assert signed_in(client)  # this browser carries on, with a new session id
    assert not signed_in(elsewhere) and not signed_in(old_cookie)


def test_a_password_change_needs_the_current_password_and_a_good_new_one(staff_client):
    client = staff_client("viewer")
    wrong = post(client, "/admin/account", {"current_password": "not my password",
                                            "new_password": "harbour tulip engine saffron",
                                            "new_password_confirm": "harbour tulip engine saffron"})
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(as_text=True)
    weak = post(client, "/admin/account", {"current_password": client.password, "new_password": "short",
                                           "new_password_confirm": "short"})
    assert weak.status_code == 400 and "at least 12 characters" in weak.get_data(as_text=True)
    assert signed_in(client)


def test_an_idle_session_ends_after_30_minutes(staff_client):
    client = staff_client("viewer")
    start = utcnow().timestamp()
    with time_machine.travel(start + 29 * 60, tick=False):
        assert signed_in(client)  # activity moves the idle clock on
    with time_machine.travel(start + 58 * 60, tick=False):
        assert signed_in(client)
    with time_machine.travel(start + 89 * 60, tick=False):
        response = client.get("/admin/account")
        assert response.headers["Location"] == "/admin/login?next=/admin/account"


def test_a_session_ends_8_hours_after_sign_in_however_active(staff_client):
    client = staff_client("viewer")
    start = utcnow().timestamp()
    for minutes in range(20, 8 * 60, 20):
        with time_machine.travel(start + minutes * 60, tick=False):
            assert signed_in(client), minutes
    with time_machine.travel(start + 8 * 3600 + 60, tick=False):
        assert not signed_in(client)


def test_admins_add_staff_change_roles_disable_and_reissue_links_all_audited(app, db, staff_client):
    viewer = staff_client("viewer")
    admin = staff_client("admin")
    added = post(admin, "/admin/staff", {"email": "New.Person@Union.test", "role": "campaigner"})
    assert added.status_code == 200
    link = LINK.search(added.get_data(as_text=True)).group(1)
    assert app.test_client().get(link).status_code == 200

    listing = admin.get("/admin/staff").get_data(as_text=True)
    assert "new.person@union.test" in listing and "Waiting for set-up" in listing

    assert post(admin, f"/admin/staff/{viewer.staff.id}/role", {"role": "campaigner"}).status_code == 302
    assert viewer.get("/admin/staff").status_code == 403  # campaigners still cannot manage staff
    assert post(admin, f"/admin/staff/{viewer.staff.id}/disable").status_code == 302
    assert not signed_in(viewer)
    refused = sign_in(app.test_client(), viewer.staff.email, viewer.password, db=db, staff_id=viewer.staff.id)
    assert refused.status_code == 200 and "not right" in refused.get_data(as_text=True)
    assert post(admin, f"/admin/staff/{viewer.staff.id}/enable").status_code == 302
    reissued = post(admin, f"/admin/staff/{viewer.staff.id}/setup-link")
    new_link = LINK.search(reissued.get_data(as_text=True)).group(1)
    assert app.test_client().get(new_link).status_code == 200
    # The new link replaced the old password: it no longer signs in.
    assert sign_in(app.test_client(), viewer.staff.email, viewer.password, next_code(db, viewer.staff.id)) \
        .status_code == 200

    log = admin.get("/admin/audit?action=staff.").get_data(as_text=True)
    for action in ("staff.create", "staff.role", "staff.disable", "staff.enable", "staff.setup_link"):
        assert action in log, action
    assert "from: viewer; to: campaigner" in log
    assert admin.staff.email in log
    only_disable = admin.get("/admin/audit?action=staff.disable").get_data(as_text=True)
    assert "staff.disable" in only_disable and "staff.create" not in only_disable


def test_the_last_admin_cannot_be_demoted_or_disabled_and_nobody_disables_themselves(staff_client):
    admin = staff_client("admin")
    response = post(admin, f"/admin/staff/{admin.staff.id}/disable")
    assert response.status_code == 302
    assert "can&#39;t disable your own account" in admin.get("/admin/staff").get_data(as_text=True)
    other = staff_client("admin")
    post(other, f"/admin/staff/{admin.staff.id}/disable")
    assert post(other, f"/admin/staff/{other.staff.id}/role", {"role": "viewer"}).status_code == 302
    assert "at least one active admin" in other.get("/admin/staff").get_data(as_text=True)
    assert other.get("/admin/staff").status_code == 200  # still an admin


def test_adding_staff_refuses_bad_input_with_a_message(staff_client):
    admin = staff_client("admin")
    bad = post(admin, "/admin/staff", {"email": "not an address", "role": "viewer"})
    assert bad.status_code == 400 and "Enter an email address" in bad.get_data(as_text=True)
    twice = post(admin, "/admin/staff", {"email": admin.staff.email, "role": "viewer"})
    assert twice.status_code == 400 and "already a staff account" in twice.get_data(as_text=True)
    role = post(admin, "/admin/staff", {"email": "x@union.test", "role": "owner"})
    assert role.status_code == 400


def test_sign_ins_and_sign_outs_are_in_the_audit_log(staff_client):
    viewer = staff_client("viewer")
    post(viewer, "/admin/logout")
    admin = staff_client("admin")
    log = admin.get(f"/admin/audit?actor={viewer.staff.email}").get_data(as_text=True)
    assert "staff.login" in log and "second_factor: totp" in log and "staff.logout" in log
