"""Generated input through signing in and every staff form: whatever arrives, the answer is never a 500.

Each test draws its inputs from generated.py's strategies (ordinary text, hostile payloads, long values, fields
left out) and sends them the way a browser would, with a valid CSRF token, as a signed-in member of staff.
"""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advocacy.domain.types import Supporter
from advocacy.limits import LIMITS
from advocacy.models import Action
from advocacy.models.base import utcnow
from advocacy.services import moderation
from advocacy.services import staff as staff_service

from ..admin.conftest import make_staff, next_code
from ..admin.editor_forms import TARGETS, letter_form, petition_form
from ..admin.review_setup import POSTAL_CODE, letters, write_letter
from ..api.conftest import PETITION, make_key
from ..conftest import csrf_token
from .generated import counted, form, generated, maybe, mostly, no_server_error, text

_emails = itertools.count(1)
ids = st.one_of(st.integers(min_value=0, max_value=10_000), st.just(2**31))


def _post(client, url: str, token: str, data: dict[str, str], **kwargs: object):
    response = client.post(url, data={"csrf_token": token, **data}, **kwargs)
    if response.status_code in (302, 303):
        # A browser follows the redirect and so reads its flash messages; this client does not, so drop them
        # rather than let hundreds pile up in the session cookie.
        with client.session_transaction() as session:
            session.pop("_flashes", None)
    return response


# -- signing in ---------------------------------------------------------------------------------

@pytest.fixture
def account(db):
    staff, password = make_staff(db, "admin")
    return staff, password


@generated("login")
@given(email=maybe, password=maybe, next_url=maybe, real_email=st.booleans())
@counted
def test_login_form(app, account, email, password, next_url, real_email):
    client = app.test_client()  # a new browser each time: a successful password step would end the test's path
    token = csrf_token(client, "/admin/login")
    staff, _password = account
    data = form(email=staff.email if real_email else email, password=password)
    query = {} if next_url is None else {"next": next_url}
    no_server_error(_post(client, "/admin/login", token, data, query_string=query))


@pytest.fixture
def halfway(app, db, account):
    """A browser that passed the password step and now shows the code form."""
    staff, password = account
    client = app.test_client()
    first = _post(client, "/admin/login", csrf_token(client, "/admin/login"), {"email": staff.email,
                                                                                 "password": password})
    assert first.status_code == 302
    return client, csrf_token(client, "/admin/login/code")


@generated("login_code")
@given(code=maybe, extra=maybe)
@counted
def test_login_code_form(halfway, code, extra):
    client, token = halfway
    no_server_error(_post(client, "/admin/login/code", token, form(code=code, extra=extra)))


@pytest.fixture
def setup_link(app, db):
    with db.transaction() as session:
        _staff, token = staff_service.create_staff(session, "new-person@union.test", "campaigner", now=utcnow(),
                                                   setup_hours=48)
    client = app.test_client()
    url = f"/admin/setup/{token}"
    return client, url, csrf_token(client, url)


@generated("setup")
@given(password=maybe, confirm=maybe, same=st.booleans(), code=maybe, odd_token=mostly(st.none(), text))
@counted
def test_account_setup_form(setup_link, password, confirm, same, code, odd_token):
    client, url, token = setup_link
    if odd_token is not None:
        url = "/admin/setup/" + odd_token.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    data = form(password=password, password_confirm=password if same else confirm, code=code)
    no_server_error(_post(client, url, token, data))


@pytest.fixture
def admin(staff_client):
    client = staff_client("admin")
    return client, csrf_token(client, "/admin/account")


@generated("account")
@given(current=maybe, new=maybe, confirm=maybe, same=st.booleans(), right=st.booleans())
@counted
def test_password_change_form(admin, current, new, confirm, same, right):
    client, token = admin
    data = form(current_password=client.password if right else current, new_password=new,
                new_password_confirm=new if same else confirm)
    response = _post(client, "/admin/account", token, data)
    no_server_error(response)
    if response.status_code == 302 and right and new:  # changed: the next draw's "right" password is this one
        client.password = new


@pytest.fixture
def other_staff(db):
    return make_staff(db, "viewer")[0].id


@generated("staff")
@given(which=st.sampled_from(["create", "role", "disable", "enable", "setup-link"]), email=maybe,
       role=st.one_of(st.sampled_from(["viewer", "campaigner", "admin"]), text), target=mostly(st.none(), ids))
@counted
def test_staff_management_forms(admin, other_staff, which, email, role, target):
    client, token = admin
    if which == "create":
        response = _post(client, "/admin/staff", token, form(email=email, role=role))
    else:
        response = _post(client, f"/admin/staff/{other_staff if target is None else target}/{which}", token,
                         form(role=role))
    no_server_error(response)


# -- the campaign editor ------------------------------------------------------------------------

EDITOR_FIELDS = sorted(set(letter_form("x")) | set(petition_form("x")) | {"editable", "opens", "closes",
                                                                          "petition.schedule", "duplicated_from"})


@pytest.fixture
def editor(staff_client):
    client = staff_client("campaigner")
    response = _post(client, "/admin/editor/new", csrf_token(client, "/admin/editor/new"),
                     {**letter_form("generated-roof"), "intent": "save"})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client, csrf_token(client, "/admin/editor/new")


@generated("editor")
@given(kind=st.sampled_from(["letter", "petition"]),
       changes=st.dictionaries(st.sampled_from(EDITOR_FIELDS), text, max_size=5),
       intent=st.one_of(st.sampled_from(["preview", "save"]), text), where=st.sampled_from(["new", "saved"]),
       version=st.one_of(st.none(), text, st.integers().map(str)))
@counted
def test_campaign_editor_fields(editor, kind, changes, intent, where, version):
    client, token = editor
    base = letter_form("generated-new") if kind == "letter" else petition_form("generated-new")
    data = {**base, **changes, "intent": intent, **form(version=version)}
    url = "/admin/editor/new" if where == "new" else "/admin/editor/generated-roof"
    no_server_error(_post(client, url, token, data))


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's, so any text round-trips


toml_box = st.one_of(
    text,
    st.builds(lambda s, b: TARGETS.replace('"Support the repair"', _toml_string(s))
              .replace('"""\nAs your constituent, I ask you to press the Premier.\n"""', _toml_string(b)), text, text),
    st.builds(lambda g: TARGETS.replace('"Dear {{ target.name }}, MPP for {{ target.district }},"', _toml_string(g)),
              text),
    st.builds(lambda lines, keep: "\n".join(line for i, line in enumerate(lines) if i not in keep),
              st.just(TARGETS.splitlines()), st.sets(st.integers(0, 40), max_size=4)),
)


@generated("editor_toml")
@given(box=toml_box, intent=st.sampled_from(["preview", "save"]))
@counted
def test_campaign_editor_toml_box(editor, box, intent):
    client, token = editor
    data = {**letter_form("generated-toml"), "targets_and_letters": box, "intent": intent}
    no_server_error(_post(client, "/admin/editor/generated-roof", token, data))


@generated("editor_status")
@given(slug=mostly(st.sampled_from(["generated-roof", PETITION]), st.just("no-such-campaign")),
       status=st.one_of(st.sampled_from(["live", "paused", "closed", "draft"]), text), confirmed=maybe)
@counted
def test_campaign_status_buttons(editor, slug, status, confirmed):
    client, token = editor
    no_server_error(_post(client, f"/admin/editor/{slug}/status", token, form(status=status, confirmed=confirmed)))


# -- the review queue -------------------------------------------------------------------------

class HeldLetters:
    """A letter waiting for review; a new one as soon as the last was decided."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.action_id = 0

    def waiting(self) -> int:
        with self.ctx.db.transaction() as session:
            action = session.get(Action, self.action_id) if self.action_id else None
            if action is not None and action.review == moderation.PENDING:
                return action.id
        person = Supporter("Ann", "Lee", f"writer{next(_emails)}@example.com", POSTAL_CODE)
        self.action_id = write_letter(self.ctx, person)
        with self.ctx.db.transaction() as session:
            moderation.flag_for_review(session, session.get(Action, self.action_id), "generated", now=utcnow())
        return self.action_id


@pytest.fixture
def reviewer(staff_client, ctx):
    client = staff_client("campaigner")
    return client, csrf_token(client, "/admin/reviews"), HeldLetters(ctx)


@generated("review")
@given(verb=st.sampled_from(["approve", "reject"]), note=maybe, odd=mostly(st.none(), ids))
@counted
def test_review_decisions(reviewer, verb, note, odd):
    client, token, held = reviewer
    action = held.waiting() if odd is None else odd
    no_server_error(_post(client, f"/admin/reviews/{action}/{verb}", token, form(note=note)))


@generated("review_edit")
@given(subject=maybe, body=maybe, note=maybe, first_only=st.booleans(), extra=maybe)
@counted
def test_review_edit_and_approve(reviewer, ctx, subject, body, note, first_only, extra):
    client, token, held = reviewer
    action = held.waiting()
    deliveries = letters(ctx, action)[:1] if first_only else letters(ctx, action)
    data = form(note=note, extra=extra)
    for delivery in deliveries:
        data.update(form(**{f"subject-{delivery.id}": subject, f"body-{delivery.id}": body}))
    no_server_error(_post(client, f"/admin/reviews/{action}/edit", token, data))


@generated("hold")
@given(reason=maybe, back=maybe, odd=mostly(st.none(), ids))
@counted
def test_hold_form(reviewer, reason, back, odd):
    client, token, held = reviewer
    action = held.waiting() if odd is None else odd
    if odd is None:  # a decided action, so that the reason is read
        with held.ctx.db.transaction() as session:
            moderation.approve(session, session.get(Action, action), now=utcnow())
    no_server_error(_post(client, f"/admin/actions/{action}/hold", token, form(reason=reason, back=back)))


# -- people, limits, allies, exports, audit ------------------------------------------------------

@generated("people")
@given(which=st.sampled_from(["search", "erase", "person"]), email=maybe, supporter=ids)
@counted
def test_people_search_and_erase(admin, ctx, which, email, supporter):
    client, token = admin
    if which == "search":
        response = _post(client, "/admin/people", token, form(email=email))
    elif which == "erase":
        response = _post(client, f"/admin/people/{supporter % 3 + 1}/erase", token, form(email=email))
    else:
        response = client.get(f"/admin/people/{supporter}")
    no_server_error(response)


@generated("limits")
@given(name=mostly(st.sampled_from(list(LIMITS)), text), value=maybe, reset=st.booleans())
@counted
def test_rate_limit_form(admin, name, value, reset):
    client, token = admin
    path = name.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x"
    url = f"/admin/limits/{path}/reset" if reset else f"/admin/limits/{path}"
    no_server_error(_post(client, url, token, form(value=value)))


@pytest.fixture
def ally(db):
    make_key(db, "generated-ally")
    return "generated-ally"


@generated("allies")
@given(which=st.sampled_from(["origins", "webhook", "page"]), slug=mostly(st.none(), text), value=maybe,
       campaign=maybe)
@counted
def test_allies_forms(admin, ally, which, slug, value, campaign):
    client, token = admin
    target = ally if slug is None else (slug.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x")
    if which == "page":
        response = client.get("/admin/allies", query_string=form(ally=value, campaign=campaign))
    else:
        field = "origins" if which == "origins" else "webhook_url"
        response = _post(client, f"/admin/allies/{target}/{which}", token, form(**{field: value}))
    no_server_error(response)


EXPORT_KEYS = ["status", "since", "until", "riding"]
export_values = st.one_of(text, st.dates().map(str), st.sampled_from(["", "confirmed", "pending", "in_review",
                                                                       "rejected", "queued", "sent", "failed"]))


@generated("exports")
@given(which=st.sampled_from(["signatures.csv", "letters.csv", ""]),
       slug=mostly(st.sampled_from([PETITION, "stop-offshoring"]), st.just("no-such-campaign")),
       params=st.dictionaries(st.sampled_from(EXPORT_KEYS + [f"letters-{k}" for k in EXPORT_KEYS]), export_values,
                              max_size=5))
@counted
def test_export_filters(admin, which, slug, params):
    client, _token = admin
    response = client.get(f"/admin/campaigns/{slug}/exports/{which}".rstrip("/"), query_string=params)
    response.get_data()  # the CSV is streamed: read it all, so a failure half-way is seen
    no_server_error(response)


@generated("audit")
@given(action=maybe, actor=maybe, page=st.one_of(maybe, st.integers().map(str)))
@counted
def test_audit_log_filters(admin, action, actor, page):
    client, _token = admin
    no_server_error(client.get("/admin/audit", query_string=form(action=action, actor=actor, page=page)))


def test_a_setup_code_from_the_app_is_what_the_set_up_form_accepts(setup_link, db):
    """The generated set-up posts above are refused; this one, with a real code, goes through the same form."""
    client, url, token = setup_link
    with db.transaction() as session:
        staff = staff_service.staff_for_setup(session, url.rsplit("/", 1)[1], now=utcnow())
        staff_id = staff.id
    response = _post(client, url, token, {"password": "plum orbit canvas thunder 71",
                                           "password_confirm": "plum orbit canvas thunder 71",
                                           "code": next_code(db, staff_id)})
    assert response.status_code == 200 and "recovery" in response.get_data(as_text=True).lower()
