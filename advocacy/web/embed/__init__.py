"""The embeddable widget: ``/embed.js`` (or its pinned ``/embed.<hash>.js``, web/embed/script.py) for allies'
pages, and the cookieless form it frames (``/embed/<slug>``).

Security, in one place (see also README, "For allies"):
- Framing: each widget page sends its own complete Content-Security-Policy whose ``frame-ancestors`` lists the
  sites the campaign and the ally allow; every other page of the app keeps ``frame-ancestors 'none'``.
- No cookie: the session is never touched; the form carries a signed, time-limited token instead
  (services/embed_tokens.py), and every POST must come from our own origin (Origin and Sec-Fetch-Site).
  That check is why these routes, and only these, are exempt from Flask-WTF's session-bound CSRF token.
"""

from flask import Blueprint, Response, g

from ...extensions import csrf
from ..common import app_context
from .script import current_script

bp = Blueprint("embed", __name__)
csrf.exempt(bp)  # reviewed: widget POSTs are checked by origin.check_same_origin and the signed token instead

BASE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")


@bp.after_request
def _widget_headers(response: Response) -> Response:
    # A complete policy of our own, so the app-wide default (frame-ancestors 'none') does not replace it.
    ancestors = " ".join(g.get("frame_ancestors", ("'none'",)))
    response.headers["Content-Security-Policy"] = f"{BASE_POLICY}; frame-ancestors {ancestors}"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def frame_anywhere() -> None:
    """Let any site frame this response. Only for the "very busy" notice (web/shedding.py): it has nothing to click
    or send, and who may frame the widget depends on the ally, which takes the database a refusal must not wait for.
    """
    g.frame_ancestors = ("*",)


@bp.app_context_processor
def _embed_snippet_globals() -> dict[str, object]:
    """Our public address and the pinned script (address and integrity hash), for the "Embed this" snippets on
    campaign and admin pages."""
    return {"app_base_url": app_context().settings.base_url, "embed_script": current_script}


from . import views  # noqa: E402,F401 - registers the routes
