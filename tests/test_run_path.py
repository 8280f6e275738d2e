"""The README's run path: a fresh instance directory, `advocacy serve` migrates, loads the demo, serves, delivers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import requests

from .smtp import free_port

ADVOCACY = Path(sys.executable).with_name("advocacy")


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{process.stdout.read()}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def wait_for_mail(mailbox: Path, count: int, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(list(mailbox.glob("*.eml"))) < count:
        time.sleep(0.2)
    parsed = [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
              for p in sorted(mailbox.glob("*.eml"), key=lambda p: p.stat().st_mtime)]
    # Headers as written plus the decoded text: quoted-printable may fold a long link across lines.
    messages = [f"To: {m['To']}\nSubject: {m['Subject']}\n\n{m.get_content()}" for m in parsed]
    assert len(messages) == count, f"expected {count} messages, found {len(messages)}"
    return messages


def test_serve_from_an_empty_instance_dir_then_letter_reaches_the_mailbox(tmp_path):
    port = free_port()
    env = {**os.environ, "ADVOCACY_INSTANCE_DIR": str(tmp_path / "instance"), "PORT": str(port),
           "ADVOCACY_WORKER_POLL_SECONDS": "0.2",
           "ADVOCACY_MIN_FILL_SECONDS": "0"}  # this script fills the form at once: a person takes seconds
    env.pop("ADVOCACY_DATABASE_URL", None)
    process = subprocess.Popen([str(ADVOCACY), "serve"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", process)
        browser = requests.Session()
        page = browser.get(f"{base}/campaigns/stop-offshoring", timeout=5)
        assert page.status_code == 200 and "Stop Offshoring" in page.text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        sent = browser.post(f"{base}/campaigns/stop-offshoring", timeout=5, data={
            "csrf_token": token, "first_name": "Run", "last_name": "Path", "email": "run@example.com",
            "postal_code": "M5V 3L9", "intent": "send"})
        assert sent.status_code == 200 and "Check your email" in sent.text
        mailbox = tmp_path / "instance" / "mailbox"
        confirmation = wait_for_mail(mailbox, 1)[0]
        link = re.search(r"(/confirm/[A-Za-z0-9_-]+)", confirmation).group(1)
        page = browser.get(base + link, timeout=5)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        confirmed = browser.post(base + link, data={"csrf_token": token}, timeout=5)
        assert "Your letter is on its way to 2 offices" in confirmed.text
        messages = wait_for_mail(mailbox, 4)  # the confirmation, two letters, the receipt
        assert any("To: Alex Demo-Martin <mpp.spadina-fort-york@demo.invalid>" in text for text in messages)
        listing = subprocess.run([str(ADVOCACY), "mailbox", "list"], env=env, capture_output=True, text=True,
                                 timeout=30)
        assert "4 messages" in listing.stdout
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert f"advocacy is running at http://127.0.0.1:{port}" in output
