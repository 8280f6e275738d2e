"""The share of the app's CPU per signature that CSRF protection and the session cookie take.

bench/ceiling.py has neither, so bench/sign.py prints this beside the ratio. Measured in one
process with Flask's test client on the bench's instance (the ADVOCACY_* environment): the same
signing POST with CSRF on (the form's token and its session cookie) and off (no cookie at all),
alternating in blocks so that a busy neighbour weighs on both alike, and taking the median of the
blocks so that a burst of load in one block does not decide the answer. Prints one ``BENCH`` line.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the working tree's advocacy

from advocacy import create_app  # noqa: E402

PATH = "/campaigns/the-rich-and-the-rest-of-us"
BLOCKS, PER_BLOCK = 15, 30


def main() -> int:
    on, off = create_app(), create_app()
    off.config["WTF_CSRF_ENABLED"] = False
    clients = {"on": on.test_client(), "off": off.test_client()}
    page = clients["on"].get(PATH).get_data(as_text=True)  # sets the session cookie the token is bound to
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    issued = re.search(r'name="form_issued" value="([^"]+)"', page)
    time.sleep(3.5)  # sent sooner, a signature goes to review (services/abuse.py): not the path measured
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    run = time.time_ns()  # new addresses on every run: a signature again would be the cheaper "already signed"
    sent = 0

    def sign(mode: str, count: int) -> float:
        nonlocal sent
        began = time.process_time()
        for _ in range(count):
            sent += 1
            data = {"first_name": "Bench", "last_name": "Signer", "postal_code": "K1P 5J2",
                    "email": f"bench-csrf{run}-{mode}-{sent}@example.org",
                    "form_issued": issued.group(1) if issued else ""}
            if mode == "on":
                data["csrf_token"] = token
            status = clients[mode].post(PATH, data=data).status_code
            if status != 303:
                raise RuntimeError(f"signing with CSRF {mode} answered {status}")
        return time.process_time() - began

    for mode in cpu:
        sign(mode, PER_BLOCK)  # warm-up: caches, compiled statements and templates
    for _ in range(BLOCKS):
        for mode in cpu:
            cpu[mode].append(sign(mode, PER_BLOCK))
    per = {mode: statistics.median(blocks) * 1000 / PER_BLOCK for mode, blocks in cpu.items()}
    share = max(0.0, per["on"] - per["off"]) / per["on"]
    print(f"BENCH csrf_on_ms={per['on']:.3f} csrf_off_ms={per['off']:.3f} share={share:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
