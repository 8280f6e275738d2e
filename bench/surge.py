"""A 10x surge on one campaign: every signature accepted and stored, or answered with a clear 429 or 503.

All on 127.0.0.1. For each backend (SQLite in WAL mode, then PostgreSQL in a database of its own, created here
and dropped after) a fresh instance runs under gunicorn with 2 web processes that share their rate limits through
Redis, with ADVOCACY_PROXY_HOPS=1: this script plays the reverse proxy, so each simulated supporter comes from an
address of its own in X-Forwarded-For (IPv6 documentation addresses, 2001:db8::/32, never dialled).

Supporters arrive at a fixed rate whatever the answers (open loop): a baseline rate, then --factor times that for
--seconds. Each one fetches the campaign page, takes --fill-seconds to fill the form in (longer than
ADVOCACY_MIN_FILL_SECONDS, so a signature is not sent to review as too fast) and signs with an email of its own.
Beside them, for a reason to answer 429: one address hammers the form with new emails (the per-address limit),
and one email comes back from ever new addresses (the per-email limit).

The app sheds page views that waited longer than --queue-limit seconds for a web process
(ADVOCACY_QUEUE_LIMIT_SECONDS, measured from the X-Request-Start stamp this script adds as nginx would) with a 503
and Retry-After; sent forms are always served.

Every response is counted by status. Accepted signatures (303 to the thanks page) must all be stored rows, and
every other answer a 429 or 503 with Retry-After (or a 4xx that explains itself); anything else, or no answer at
all, is reported. Bounded: arrivals stop after --seconds, each request times out after --timeout, at most
--max-in-flight supporters are under way at once. The exit status is 1 when a check fails.

    .venv/bin/python bench/surge.py [--rate 8] [--factor 10] [--seconds 60] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

from sign import (  # noqa: E402
    CAMPAIGN_PATH,
    SLUG,
    Processes,
    _raise_interrupt,
    clean_up,
    cpu_seconds,
    free_port,
    gunicorn_argv,
    interrupted,
    machine_busy_seconds,
    own_cpu_seconds,
    wait_ready,
    worker_pids,
)
from sqlalchemy import create_engine, text  # noqa: E402

from advocacy.db import make_engine  # noqa: E402

PG_DATABASE = "advocacy_surge"
MIN_FILL_SECONDS = 3.0  # the app's default, set explicitly below so the fill time is always longer
GROUPS = ("baseline", "surge", "one address", "one email")
HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*>')


@dataclass
class Reply:
    status: int  # 0 = no answer
    seconds: float
    finished: float = 0.0  # time.monotonic() when the answer (or the failure) came
    failure: str = ""  # why there was no answer: timeout, refused, reset...
    location: str = ""
    retry_after: str = ""
    cookies: list[str] = field(default_factory=list)
    body: str = ""


@dataclass
class Post:
    """One signing POST: who, and what came back."""

    group: str
    email: str
    reply: Reply

    @property
    def signed(self) -> bool:
        """A new signature: 303 to the thanks page (``already=1`` there means the address had signed before)."""
        return self.reply.status == 303 and "/thanks" in self.reply.location and "already=" not in self.reply.location

    @property
    def already(self) -> bool:
        return self.reply.status == 303 and "already=" in self.reply.location

    @property
    def clear_refusal(self) -> bool:
        """429 or 503 telling the supporter when to come back."""
        return self.reply.status in (429, 503) and self.reply.retry_after.isdigit()


@dataclass
class Group:
    """Everything sent for one group (a phase of supporters, or one abusive source)."""

    name: str
    rate: float  # arrivals per second
    seconds: float
    gets: list[Reply] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    not_started: int = 0  # arrivals skipped because --max-in-flight supporters were under way
    began: float = 0.0  # time.monotonic() of the first arrival

    @property
    def span(self) -> float:
        """From the first arrival to the last answer: the rates below are over this, not the planned seconds."""
        last = max((r.finished for r in [*self.gets, *(p.reply for p in self.posts)]), default=self.began)
        return max(last - self.began, 1e-9)


# -- HTTP over asyncio streams: one connection per request, as distinct supporters do -----------------
async def http(port: int, method: str, path: str, headers: dict[str, str], body: bytes, timeout: float) -> Reply:
    started = time.monotonic()
    try:
        reply = await asyncio.wait_for(_exchange(port, method, path, headers, body, started), timeout)
    except TimeoutError:
        reply = Reply(0, time.monotonic() - started, failure="timeout")
    except ConnectionRefusedError:
        reply = Reply(0, time.monotonic() - started, failure="refused")
    except (ConnectionResetError, BrokenPipeError):
        reply = Reply(0, time.monotonic() - started, failure="reset")
    except (OSError, ValueError, IndexError) as exc:
        reply = Reply(0, time.monotonic() - started, failure=type(exc).__name__)
    reply.finished = time.monotonic()
    return reply


async def _exchange(port: int, method: str, path: str, headers: dict[str, str], body: bytes, started: float) -> Reply:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await reader.read()  # Connection: close, so the answer ends at EOF
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    reply = Reply(int(status_line.split()[1]), time.monotonic() - started, body=content.decode(errors="replace"))
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "location":
            reply.location = value
        elif name == "retry-after":
            reply.retry_after = value
        elif name == "set-cookie":
            reply.cookies.append(value.split(";", 1)[0])
    return reply


def form_fields(page: Reply) -> tuple[str, str]:
    """The page's hidden fields URL-encoded (CSRF and timing tokens), and its cookies for the POST."""
    hidden = []
    for tag in HIDDEN_INPUT.findall(page.body):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value:
            hidden.append(f"{quote(name.group(1), safe='')}={quote(value.group(1), safe='')}")
    return "&".join(hidden), "; ".join(page.cookies)


# -- the load ------------------------------------------------------------------------------------------
class Load:
    def __init__(self, args: argparse.Namespace, port: int, tag: str) -> None:
        self.args, self.port, self.tag = args, port, tag
        self.in_flight = 0
        self.tasks: set[asyncio.Task[None]] = set()

    def headers(self, address: str, **extra: str) -> dict[str, str]:
        # What nginx in front would add: the client's address, the TLS it came in on, and when it arrived
        # (proxy_set_header X-Request-Start "t=${msec}"), by which the app sheds page views that queued too long.
        return {"X-Forwarded-For": address, "X-Forwarded-Proto": "https", "X-Request-Start": f"t={time.time():.3f}",
                **extra}

    async def page(self, group: Group, address: str) -> tuple[str, str] | None:
        reply = await http(self.port, "GET", CAMPAIGN_PATH, self.headers(address), b"", self.args.timeout)
        group.gets.append(reply)
        return form_fields(reply) if reply.status == 200 else None

    async def sign(self, group: Group, address: str, form: tuple[str, str], email: str) -> None:
        hidden, cookie = form
        body = (f"first_name=Surge&last_name=Supporter&postal_code=K1P+5J2&{hidden}"
                f"&email={quote(email, safe='')}").encode()
        # A browser sends the page it signed from: Flask-WTF checks it on HTTPS, which X-Forwarded-Proto says this is.
        headers = self.headers(address, **{"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                                           "Referer": f"https://127.0.0.1:{self.port}{CAMPAIGN_PATH}"})
        reply = await http(self.port, "POST", CAMPAIGN_PATH, headers, body, self.args.timeout)
        group.posts.append(Post(group.name, email, reply))

    async def supporter(self, group: Group, address: str, email: str) -> None:
        """A person: opens the page, fills the form in, signs."""
        try:
            form = await self.page(group, address)
            if form is not None:
                await asyncio.sleep(self.args.fill_seconds)
                await self.sign(group, address, form, email)
        finally:
            self.in_flight -= 1

    def start(self, group: Group, coroutine_factory: object) -> None:
        if self.in_flight >= self.args.max_in_flight:
            group.not_started += 1
            return
        self.in_flight += 1
        task = asyncio.create_task(coroutine_factory())  # type: ignore[operator]
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def arrivals(self, group: Group, begin: float, make: object) -> None:
        """``group.rate`` arrivals a second for ``group.seconds`` from ``begin``, whatever the answers."""
        count = round(group.rate * group.seconds)
        group.began = begin
        for number in range(count):
            delay = begin + number / group.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.start(group, lambda n=number: make(n))  # type: ignore[operator]

    async def run(self, groups: dict[str, Group]) -> float:
        """Baseline then surge, with the two abusive sources running throughout; the seconds the load took."""
        baseline, surge = groups["baseline"], groups["surge"]
        one_address, one_email = groups["one address"], groups["one email"]
        begin = time.monotonic()
        hammer = "2001:db8:1::1"  # one client sending signature after signature with new emails
        hammer_form = await self.page(one_address, hammer)
        if hammer_form is None:
            raise RuntimeError("the campaign page did not answer 200")
        await asyncio.sleep(self.args.fill_seconds)
        start = time.monotonic()

        def person(group: Group, prefix: str) -> object:
            return lambda n: self.supporter(group, f"2001:db8:{prefix}::{n + 1:x}", f"surge-{self.tag}-{prefix}-{n}"
                                                                                    "@example.org")

        async def hammering(n: int) -> None:
            try:
                await self.sign(one_address, hammer, hammer_form, f"surge-{self.tag}-x-{n}@example.org")
            finally:
                self.in_flight -= 1

        async def same_email(n: int) -> None:
            await self.supporter(one_email, f"2001:db8:e::{n + 1:x}", f"surge-{self.tag}-same@example.org")

        await asyncio.gather(
            self.arrivals(baseline, start, person(baseline, "b")),
            self.arrivals(surge, start + baseline.seconds, person(surge, "s")),
            self.arrivals(one_address, start, hammering),
            self.arrivals(one_email, start, same_email),
        )
        # Every request has its own timeout, so this ends: at most a page, the fill time and a POST.
        while self.tasks:
            await asyncio.gather(*list(self.tasks))
        return time.monotonic() - begin


# -- instances -----------------------------------------------------------------------------------------
@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A database of its own for the run, dropped after (also one left by an interrupted run)."""
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
        base = admin.url.set(database=PG_DATABASE)
        yield base.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        admin.dispose()


def instance_env(args: argparse.Namespace, instance: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVOCACY_")}
    env.update(
        ADVOCACY_ENV="production",
        ADVOCACY_INSTANCE_DIR=str(instance),
        ADVOCACY_SECRET_KEY=secrets.token_hex(32),  # also makes this run's Redis keys its own (keyed hashes)
        ADVOCACY_BASE_URL="https://127.0.0.1",
        ADVOCACY_ORG_ADDRESS="1 Bench Street, Toronto ON M5V 1A1",
        ADVOCACY_REDIS_URL=args.redis_url,
        ADVOCACY_WEB_PROCESSES=str(args.workers),
        ADVOCACY_PROXY_HOPS="1",
        ADVOCACY_MIN_FILL_SECONDS=str(MIN_FILL_SECONDS),
        ADVOCACY_QUEUE_LIMIT_SECONDS=str(args.queue_limit),
    )
    if database_url:
        env["ADVOCACY_DATABASE_URL"] = database_url
    return env


def prepare(env: dict[str, str]) -> None:
    cli = [sys.executable, "-c", "from advocacy.cli import main; main()"]
    for step in (["db", "upgrade"], ["directory", "load", "--demo"]):
        out = subprocess.run(cli + step, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"advocacy {' '.join(step)} failed:\n{out.stdout}{out.stderr}")


def stored(url: str, tag: str) -> tuple[set[str], int]:
    """This run's stored signatures on the campaign (by email) and how many of them wait in review."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT email_key, review FROM actions WHERE campaign_slug = :slug "
                                     "AND email_key LIKE :pattern"), {"slug": SLUG, "pattern": f"surge-{tag}-%"}).all()
    finally:
        engine.dispose()
    return {r[0] for r in rows}, sum(1 for r in rows if r[1] == "pending")


# -- figures -------------------------------------------------------------------------------------------
def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * (len(ordered) - 1) + 0.5))] * 1000


@dataclass
class Verdict:
    accepted: set[str]
    stored: set[str]
    in_review: int
    unanswered: set[str]  # emails whose POST got no answer: the server may or may not have kept them
    refused_but_stored: set[str]
    unclear: Counter[str]  # answers that are neither a signature nor a clear refusal, by status
    no_answer: Counter[str]

    @property
    def lost(self) -> set[str]:
        return self.accepted - self.stored

    @property
    def ok(self) -> bool:
        return not self.lost and not self.unclear and not self.no_answer and not self.refused_but_stored


def judge(groups: dict[str, Group], stored_emails: set[str], in_review: int) -> Verdict:
    posts = [p for g in groups.values() for p in g.posts]
    gets = [r for g in groups.values() for r in g.gets]
    accepted = {p.email for p in posts if p.signed}
    unanswered = {p.email for p in posts if p.reply.status == 0}
    refused = {p.email for p in posts if p.reply.status not in (0, 303)}
    unclear: Counter[str] = Counter()
    for reply in [p.reply for p in posts] + gets:
        if reply.status >= 500 and not (reply.status == 503 and reply.retry_after.isdigit()):
            unclear[f"{reply.status}{' without Retry-After' if reply.status == 503 else ''}"] += 1
        elif reply.status == 429 and not reply.retry_after.isdigit():
            unclear["429 without Retry-After"] += 1
    no_answer = Counter(r.failure for r in [p.reply for p in posts] + gets if r.status == 0)
    return Verdict(accepted, stored_emails, in_review, unanswered, (refused - accepted) & stored_emails, unclear,
                   no_answer)


def report(title: str, groups: dict[str, Group], verdict: Verdict, restarts: str, log_errors: int) -> None:
    print()
    print(title)
    print(f"  {'':38}" + "".join(f"{name:>13}" for name in GROUPS))

    def row(label: str, values: list[object]) -> None:
        print(f"  {label:38}" + "".join(f"{v:>13.1f}" if isinstance(v, float) else f"{v!s:>13}" for v in values))

    gs = [groups[name] for name in GROUPS]
    row("arrivals per second", [g.rate for g in gs])
    row("seconds", [g.seconds for g in gs])
    row("page GETs answered 200", [sum(r.status == 200 for r in g.gets) for g in gs])
    row("page GETs 503 with Retry-After (shed)", [sum(r.status == 503 and r.retry_after.isdigit() for r in g.gets)
                                                  for g in gs])
    row("page GETs otherwise answered", [sum(r.status not in (0, 200) and not (r.status == 503 and r.retry_after)
                                             for r in g.gets) for g in gs])
    row("page GETs with no answer", [sum(r.status == 0 for r in g.gets) for g in gs])
    row("page GET p50 (ms)", [percentile([r.seconds for r in g.gets if r.status], 0.5) for g in gs])
    row("page GET p99 (ms)", [percentile([r.seconds for r in g.gets if r.status], 0.99) for g in gs])
    row("signing POSTs sent", [len(g.posts) for g in gs])
    row("  signed (303, stored)", [sum(p.signed for p in g.posts) for g in gs])
    row("  already signed (303)", [sum(p.already for p in g.posts) for g in gs])
    row("  429 with Retry-After", [sum(p.clear_refusal and p.reply.status == 429 for p in g.posts) for g in gs])
    row("  503 with Retry-After", [sum(p.clear_refusal and p.reply.status == 503 for p in g.posts) for g in gs])
    row("  other 4xx (form shown again)", [sum(400 <= p.reply.status < 500 and not p.clear_refusal
                                               for p in g.posts) for g in gs])
    row("  unclear 5xx", [sum(p.reply.status >= 500 and not p.clear_refusal for p in g.posts) for g in gs])
    row("  no answer (timeout, reset)", [sum(p.reply.status == 0 for p in g.posts) for g in gs])
    row("signing POST p50 (ms)", [percentile([p.reply.seconds for p in g.posts if p.reply.status], 0.5) for g in gs])
    row("signing POST p99 (ms)", [percentile([p.reply.seconds for p in g.posts if p.reply.status], 0.99)
                                  for g in gs])
    row("seconds to the last answer", [g.span for g in gs])
    row("signed per second (over those)", [sum(p.signed for p in g.posts) / g.span for g in gs])
    row("answered requests per second", [(sum(r.status > 0 for r in g.gets) + sum(p.reply.status > 0
                                                                                  for p in g.posts)) / g.span
                                         for g in gs])
    row("not started (client in-flight bound)", [g.not_started for g in gs])
    print(f"  accepted {len(verdict.accepted)}, stored {len(verdict.stored)}, lost (accepted, not stored) "
          f"{len(verdict.lost)}; stored with no answer (cut off) {len(verdict.stored & verdict.unanswered)}; "
          f"stored though refused {len(verdict.refused_but_stored)}; in the review queue {verdict.in_review}")
    unclear = ", ".join(f"{n} x {k}" for k, n in verdict.unclear.items()) or "none"
    no_answer = ", ".join(f"{n} x {k}" for k, n in verdict.no_answer.items()) or "none"
    statuses = Counter(p.reply.status for g in gs for p in g.posts if p.reply.status)
    print(f"  signing POSTs by status: {', '.join(f'{n} x {k}' for k, n in sorted(statuses.items()))}")
    print(f"  unclear answers: {unclear}; requests with no answer: {no_answer}")
    print(f"  server: {restarts}; {log_errors} tracebacks in the server's log")


# -- one backend ---------------------------------------------------------------------------------------
def run_backend(args: argparse.Namespace, name: str, database_url: str, procs: Processes, workdir: Path) -> bool:
    instance = workdir / name
    env = instance_env(args, instance, database_url)
    prepare(env)
    url = database_url or f"sqlite:///{instance / 'advocacy.db'}"
    port, log = free_port(), workdir / f"{name}.log"
    argv = gunicorn_argv(args, port, "advocacy:create_app()", log, ROOT)
    with log.open("ab") as out:
        server = procs.start(argv, env=env, stdout=out, stderr=out)
    try:
        wait_ready(server, port, CAMPAIGN_PATH, log)
        time.sleep(0.5)  # every worker booted before the pids are read
        workers = worker_pids(server.pid)
        tag = f"{name[:2]}{secrets.token_hex(3)}"
        baseline_seconds = min(args.baseline_seconds, args.seconds)
        groups = {
            "baseline": Group("baseline", args.rate, baseline_seconds),
            "surge": Group("surge", args.rate * args.factor, args.seconds),
            "one address": Group("one address", args.abuse_rate, baseline_seconds + args.seconds),
            "one email": Group("one email", 1.0, baseline_seconds + args.seconds),
        }
        busy, own, ours = machine_busy_seconds(), own_cpu_seconds(), cpu_seconds(workers)
        seconds = asyncio.run(Load(args, port, tag).run(groups))
        client = (own_cpu_seconds() - own) / seconds
        server_cores = (cpu_seconds(worker_pids(server.pid)) - ours) / seconds
        others = max(0.0, (machine_busy_seconds() - busy) / seconds - client - server_cores)
        now_workers = worker_pids(server.pid)
    finally:
        procs.stop(server)
    emails, in_review = stored(url, tag)
    verdict = judge(groups, emails, in_review)
    restarts = "same workers throughout" if now_workers == workers else \
        f"workers restarted ({workers} -> {now_workers}): see the log with --keep"
    log_text = log.read_text(errors="replace")
    label = "SQLite (WAL)" if name == "sqlite" else "PostgreSQL"
    shedding = f"page views shed after {args.queue_limit:g} s in the queue" if args.queue_limit else "no shedding"
    report(f"{label}: {args.workers} gunicorn {args.worker_class} workers, rate limits in Redis, {shedding}, "
           f"{seconds:.0f} s of load", groups, verdict, restarts, log_text.count("Traceback"))
    print(f"  cores busy on average: web workers {server_cores:.2f}, this load generator {client:.2f}, other processes "
          f"(Redis, PostgreSQL, anyone else's) {others:.2f}, of {os.cpu_count()}")
    return verdict.ok and sum(p.reply.status == 429 for p in groups["one address"].posts) > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=8.0, help="baseline supporters per second (default 8)")
    parser.add_argument("--factor", type=float, default=10.0, help="the surge's rate over the baseline (default 10)")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="seconds of surge (default 60; 10 for a quick check)")
    parser.add_argument("--baseline-seconds", type=float, default=15.0, help="seconds of baseline before (default 15)")
    parser.add_argument("--abuse-rate", type=float, default=2.0,
                        help="signing POSTs per second from the one hammering address (default 2)")
    parser.add_argument("--fill-seconds", type=float, default=MIN_FILL_SECONDS + 1,
                        help=f"a supporter's time between the page and signing (default {MIN_FILL_SECONDS + 1:g}; "
                             f"the app's minimum is {MIN_FILL_SECONDS:g})")
    parser.add_argument("--timeout", type=float, default=15.0,
                        help="per-request timeout in seconds: how long a supporter waits (default 15)")
    parser.add_argument("--queue-limit", type=float, default=2.0,
                        help="ADVOCACY_QUEUE_LIMIT_SECONDS: shed page views queued longer (default 2; 0 = never)")
    parser.add_argument("--max-in-flight", type=int, default=2000, help="supporters under way at once (default 2000)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql or both (default)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test",
                        help=f"a PostgreSQL server to create the {PG_DATABASE} database on (dropped after)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="Redis for the shared rate limits")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with --worker-class gthread")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (instances and logs)")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not 1 <= args.seconds <= 120 or not 0 <= args.baseline_seconds <= 60:
        parser.error("--seconds must be 1-120 and --baseline-seconds 0-60: every run is bounded")
    if not 0 < args.rate * args.factor <= 500 or not 0 < args.abuse_rate <= 50 or args.fill_seconds < 0:
        parser.error("the surge's rate must be at most 500 supporters a second, the abuse rate at most 50")
    if not backends or set(backends) - {"sqlite", "postgresql"}:
        parser.error("--backends takes sqlite, postgresql or both")
    if args.fill_seconds <= MIN_FILL_SECONDS:
        print(f"NOTE: --fill-seconds {args.fill_seconds:g} is within the app's {MIN_FILL_SECONDS:g} s minimum: "
              "signatures go to the review queue (still stored)", file=sys.stderr)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="advocacy-surge-"))
    print(f"advocacy surge: {args.rate:g} supporters/s for {min(args.baseline_seconds, args.seconds):g} s, then "
          f"{args.rate * args.factor:g}/s ({args.factor:g}x) for {args.seconds:g} s; each opens the page, fills the "
          f"form in for {args.fill_seconds:g} s and signs from an address of its own (X-Forwarded-For through "
          f"ADVOCACY_PROXY_HOPS=1). Beside them one address signs {args.abuse_rate:g} times a second and one email "
          f"comes back once a second from new addresses. Client timeout {args.timeout:g} s.", flush=True)
    results = {}
    try:
        for backend in backends:
            if backend == "sqlite":
                results[backend] = run_backend(args, backend, "", procs, workdir)
            else:
                with postgres_database(args.database_url) as url:
                    results[backend] = run_backend(args, backend, url, procs, workdir)
    except KeyboardInterrupt:
        return interrupted()
    finally:
        clean_up(procs, workdir, keep=args.keep)
    print()
    for backend, ok in results.items():
        print(f"{backend:12} {'every request signed and stored, or clearly refused' if ok else 'FAILED  <<<'}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
