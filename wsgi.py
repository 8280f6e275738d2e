"""WSGI entry point for production servers: ``gunicorn -w 4 wsgi:app``.

Settings come from ADVOCACY_* environment variables; run ``advocacy db upgrade`` first.
"""

from advocacy import create_app

app = create_app()
