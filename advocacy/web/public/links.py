"""Pages behind the links we email: confirm an action, unsubscribe. Both change state only on POST,
because mail scanners fetch every link in an email."""

from __future__ import annotations

from flask import render_template, request

from ...extensions import csrf
from ...models.base import utcnow
from ...services import confirmations
from ...tokens import read_unsubscribe_token
from ..common import app_context, db_session, request_ip_hash
from . import bp


@bp.get("/confirm/<token>")
def confirm_page(token: str) -> tuple[str, int]:
    session = db_session()
    found = confirmations.find_confirmation(session, token)
    if found is None:
        return render_template("public/confirm.html", state="unknown", token=token), 404
    campaign = app_context().catalog.get(found.campaign_slug)
    if found.confirmed_at is not None:
        state = "already"
    elif found.expires_at <= utcnow():
        state = "expired"
    else:
        state = "ask"
    return render_template("public/confirm.html", state=state, token=token, campaign=campaign), \
        410 if state == "expired" else 200


@bp.post("/confirm/<token>")
def confirm_action(token: str) -> tuple[str, int]:
    ctx, session = app_context(), db_session()
    outcome = confirmations.confirm(session, ctx.catalog.get, token, mail=ctx.mail, now=utcnow())
    session.commit()
    campaign = ctx.catalog.get(outcome.campaign_slug) if outcome.campaign_slug else None
    status = {"unknown": 404, "expired": 410}.get(outcome.state, 200)
    return render_template("public/confirm.html", state=outcome.state, token=token, campaign=campaign,
                           letters=outcome.letters), status


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> tuple[str, int]:
    if read_unsubscribe_token(app_context().settings.secret_key, token) is None:
        return render_template("public/unsubscribe.html", state="unknown", token=token), 404
    return render_template("public/unsubscribe.html", state="ask", token=token), 200


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # the signed token is the only authority needed, and mail providers' one-click POST has no form token
def unsubscribe(token: str) -> tuple[str, int]:
    email_key = read_unsubscribe_token(app_context().settings.secret_key, token)
    if email_key is None:
        return render_template("public/unsubscribe.html", state="unknown", token=token), 404
    session = db_session()
    # RFC 8058: a mail provider's "Unsubscribe" button POSTs List-Unsubscribe=One-Click to the header's URL.
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    confirmations.unsubscribe(session, email_key, now=utcnow(), method="one_click" if one_click else "unsubscribe_page",
                              ip_hash=request_ip_hash())
    session.commit()
    return render_template("public/unsubscribe.html", state="done", token=token), 200
