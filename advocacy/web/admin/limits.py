"""Admin: rate limits, what tripped them, and tuning.

The page also shows the proxy setting (``ADVOCACY_PROXY_HOPS``) beside what this process has seen of forwarded
headers (web/proxy_check.py); when those disagree, every admin page carries a warning for admins.

A saved limit takes effect at once in this process (``refresh_overrides``) and within
``limits.OVERRIDES_SECONDS`` in every other web process, each of which reads the overrides again when its copy
is older than that.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from ...limits import LIMITS, OVERRIDES_SECONDS, limit_value, refresh_overrides
from ...models import RateLimitOverride
from ...models.base import utcnow
from ...services import audit, rate_limits
from ..common import app_context, db_session
from ..proxy_check import ProxySeen, proxy_seen
from . import bp
from .access import NAV, NavLink, current_staff, has_role, require_role

NAV.append(NavLink("admin.limits_index", _l("Rate limits"), "admin"))
BAD_VALUE = _l("Enter a limit like 5/minute;20/hour: a number, a slash and second, minute, hour or day, "
               "at least 1, several separated by semicolons")


class LimitForm(FlaskForm):
    value = StringField(_l("New limit"), validators=[InputRequired(BAD_VALUE)])


@dataclass(frozen=True)
class LimitRow:
    name: str
    label: str
    counted: str
    setting: str  # the ADVOCACY_LIMIT_* variable
    default: str  # its value
    override: RateLimitOverride | None
    in_force: str


def _rows() -> list[LimitRow]:
    settings, saved = app_context().settings, rate_limits.overrides(db_session())
    return [LimitRow(name, info.label, info.counted, f"ADVOCACY_LIMIT_{name.upper()}",
                     getattr(settings, f"limit_{name}"), saved.get(name),
                     saved[name].value if name in saved else getattr(settings, f"limit_{name}"))
            for name, info in LIMITS.items()]


def _render(errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
            status: int = 200) -> tuple[str, int]:
    trips = rate_limits.recent_trips(db_session(), now=utcnow())
    return render_template("admin/limits.html", rows=_rows(), trips=trips, errors=errors or {}, typed=typed or {},
                           labels={name: info.label for name, info in LIMITS.items()},
                           enabled=app_context().settings.rate_limits, spread_seconds=int(OVERRIDES_SECONDS),
                           proxy=proxy_seen(current_app)), status


@bp.context_processor
def proxy_warning() -> dict[str, ProxySeen | None]:
    """For admins, on every admin page: this process's record when it shows ADVOCACY_PROXY_HOPS is wrong."""
    seen = proxy_seen(current_app)
    wrong = seen is not None and seen.problem is not None and has_role(current_staff(), "admin")
    return {"proxy_warning": seen if wrong else None}


def _name_or_404(name: str) -> str:
    if name not in LIMITS:
        abort(404)
    return name


def _saved(message: str) -> Response:
    db_session().commit()
    refresh_overrides(current_app)  # this process at once; the others within OVERRIDES_SECONDS
    flash(message)
    return redirect(url_for("admin.limits_index"))


@bp.route("/limits")
@require_role("admin")
def limits_index() -> tuple[str, int]:
    return _render()


@bp.route("/limits/<name>", methods=["POST"])
@require_role("admin")
def limit_change(name: str) -> Response | tuple[str, int]:
    name, form = _name_or_404(name), LimitForm()
    typed = (form.value.data or "").strip()
    if not form.validate():
        return _render({name: str(form.value.errors[0] if form.value.errors else BAD_VALUE)}, {name: typed}, 400)
    before, session = limit_value(name), db_session()
    try:
        stored = rate_limits.set_override(session, name, typed, by=current_staff().email, now=utcnow())
    except rate_limits.LimitValueError:
        return _render({name: str(BAD_VALUE)}, {name: typed}, 400)
    audit.record(session, current_staff(), "limits.change", f"limit:{name}", {"from": before, "to": stored})
    return _saved(_("%(limit)s is now %(value)s.", limit=LIMITS[name].label, value=stored))


@bp.route("/limits/<name>/reset", methods=["POST"])
@require_role("admin")
def limit_reset(name: str) -> Response:
    name, session = _name_or_404(name), db_session()
    if not rate_limits.clear_override(session, name):
        flash(_("%(limit)s already follows its setting.", limit=LIMITS[name].label))
        return redirect(url_for("admin.limits_index"))
    setting = getattr(app_context().settings, f"limit_{name}")
    audit.record(session, current_staff(), "limits.reset", f"limit:{name}", {"to": setting})
    return _saved(_("%(limit)s follows its setting again: %(value)s.", limit=LIMITS[name].label, value=setting))
