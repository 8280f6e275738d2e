"""Schemathesis against /api/v1/openapi.json: the document and the running API must agree, with every check.

Runs `st run` against the app on 127.0.0.1 (a thread in this process), with rate limits off: the run
sends hundreds of requests a minute with one key.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from advocacy import create_app

from .conftest import FIXED_LETTER, PETITION, make_key

ST = Path(sys.executable).parent / "st"
# Beyond schemathesis's defaults, valid-by-schema bodies may get 422: JSON Schema cannot say everything our
# supporter rules do (a name needs a letter, a postal code must exist, an address must be able to receive mail),
# and those rules are the web form's. The 422 response says which field broke which rule.
CONFIG = f"""
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]

[[operations]]
include-operation-id = "post_signature"
parameters = {{ slug = "{PETITION}" }}

[[operations]]
include-operation-id = "post_letter"
parameters = {{ slug = "{FIXED_LETTER}" }}

[[operations]]
include-operation-id = "get_campaign"
parameters = {{ slug = "{PETITION}" }}
"""


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object) -> None:  # thousands of lines that say nothing the report does not
        pass


@pytest.fixture
def live_api(settings, db):
    app = create_app(settings.with_(api_rate_limits=False))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["advocacy"].db.dispose()


@pytest.mark.slow
def test_the_api_matches_its_openapi_document(live_api, db, tmp_path):
    key = make_key(db, "contract-ally")
    (tmp_path / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    report = tmp_path / "report.json"
    run = subprocess.run(  # noqa: S603 - our own venv's schemathesis, against loopback
        [str(ST), "--config-file", str(tmp_path / "schemathesis.toml"), "run", f"{live_api}/api/v1/openapi.json",
         "--checks", "all", "--max-examples", "40", "--seed", "20261124", "--workers", "1",
         "--header", f"Authorization: Bearer {key}", "--request-timeout", "10",
         "--report", "json", "--report-json-path", str(report)],
        capture_output=True, text=True, timeout=170, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert json.loads(report.read_text(encoding="utf-8"))
