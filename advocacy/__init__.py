"""advocacy: an advocacy letter-writing and petition engine.

``create_app`` (advocacy/app.py) is loaded on first use, not with the package: a process that needs one module
(the worker's helpers, a benchmark's ceiling importing ``advocacy.validation``) does not pay for Flask, the
campaign schema and every blueprint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
