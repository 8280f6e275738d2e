"""Who may see the admin: the guard on every request and the role check on every view.

Interface used by every admin module:
- ``current_staff()`` -> the signed-in ``Staff`` (or None on public endpoints);
- ``@require_role("campaigner")``: the least role a view needs (viewer < campaigner < admin), 403 otherwise;
- ``PUBLIC_ENDPOINTS``: the explicit allowlist of endpoints reachable without a session.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g

from . import bp

ROLES = ("viewer", "campaigner", "admin")
PUBLIC_ENDPOINTS: set[str] = set()


def current_staff() -> Any:
    return g.get("staff")


def require_role(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    needed = ROLES.index(role)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None or ROLES.index(staff.role) < needed:
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorate


@bp.before_request
def staff_only() -> None:
    # Placeholder until accounts land: nothing in /admin is reachable.
    abort(404)
