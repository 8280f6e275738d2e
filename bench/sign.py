"""Measure petition signing and the campaign page against a bare Flask ceiling.

One run, all on 127.0.0.1: a temporary instance (migrated, demo directory loaded), the
real app, bench/ceiling.py and bench/stack.py (the ceiling's work on the libraries the app
must use: Flask-WTF with CSRF, SQLAlchemy's ORM) each under gunicorn with the same worker settings, driven
by wrk (or a bounded Python client when wrk is missing) at a fixed concurrency for a
bounded time and request count. It prints the figures next to their targets; a missed
target is reported, not fatal: this is a measurement, not a test.

    .venv/bin/python bench/sign.py [--duration 10] [--concurrency 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: import the working tree's advocacy

from advocacy.db import SQLITE_BUSY_TIMEOUT_MS, make_engine  # noqa: E402

sys.path.insert(0, str(BENCH_DIR))
import ceiling  # noqa: E402
import stack  # noqa: E402

SLUG = "the-rich-and-the-rest-of-us"
CAMPAIGN_PATH = f"/campaigns/{SLUG}"
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}

# Targets: signing keeps >= 70% of the ceiling's rate with p99 under 100 ms, the page keeps
# half of a bare Jinja page, and a web worker stays within 60 MiB.
SIGN_RATIO_MIN = 0.7
SIGN_P99_MAX_MS = 100.0
PAGE_RATIO_MIN = 0.5
RSS_MAX_MIB = 60.0
MIN_FILL_SECONDS = 3.5  # a little over ADVOCACY_MIN_FILL_SECONDS's default


@dataclass
class Result:
    """One bounded load run."""

    requests: int = 0  # complete responses
    seconds: float = 0.0
    accepted: int = 0  # 303
    ok: int = 0  # other 2xx/3xx
    errors: int = 0  # non-2xx/3xx responses
    socket_errors: int = 0  # connect/read/write errors and timeouts: no response at all
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    unanswered: list[str] = field(default_factory=list)  # emails sent without a response
    cpu_ms: float = 0.0  # the server's worker CPU time per response
    others: float = 0.0  # cores kept busy by processes outside this run, on average

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def accepted_rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


# -- processes -------------------------------------------------------------------
class Processes:
    """Every process this run starts, each in its own session so that one killpg ends it and its children."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, argv: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(argv, start_new_session=True, **kwargs)  # type: ignore[call-overload]
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            # SIGINT is gunicorn's quick shutdown (SIGTERM would wait for the graceful timeout).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # The workers share the master's process group: make sure none outlives it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(proc: subprocess.Popen[bytes], port: int, path: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready on port {port} after {timeout:.0f} s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def gunicorn_argv(args: argparse.Namespace, port: int, spec: str, log: Path, chdir: Path) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", spec, "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--worker-class", args.worker_class, "--chdir", str(chdir), "--error-logfile", str(log),
            "--log-level", "warning", "--timeout", "60"]
    if args.worker_class == "gthread":
        argv += ["--threads", str(args.threads)]
    return argv


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the master's children (read from /proc, which every Linux has)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the fields start after the last ")".
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == master:
            children.append(int(entry.name))
    return sorted(children)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processes on the machine have used (the busy columns of /proc/stat's cpu line)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This script and the children it has waited for (wrk, the migrations)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def pss_mib(pid: int) -> float:
    """Proportional set size now: each shared page divided among the processes sharing it."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for {pid}")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


# -- load generators ---------------------------------------------------------------
def get_form(port: int, path: str = CAMPAIGN_PATH) -> tuple[str, str]:
    """One GET of the form's page: its hidden fields, URL-encoded (the CSRF token and, on the campaign page,
    the form's timing token), and the session cookie the CSRF token is bound to."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    html = resp.read().decode()
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"GET {path} answered {resp.status}")
    hidden = {}
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value:
            hidden[name.group(1)] = value.group(1)
    cookie = resp.getheader("Set-Cookie") or ""
    if "csrf_token" not in hidden or not cookie:
        raise RuntimeError(f"{path} has no csrf_token input or no session cookie")
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in hidden.items()), cookie.split(";", 1)[0]


def run_wrk(args: argparse.Namespace, url: str, mode: str, tag: str, seconds: float, hidden: str = "",
            cookie: str = "") -> Result:
    # One wrk thread per connection: each connection then has at most one request in flight,
    # so the script knows exactly which email (if any) was cut off when the run stopped.
    per_thread = max(1, args.max_requests // args.concurrency)
    argv = ["wrk", "-t", str(args.concurrency), "-c", str(args.concurrency), "-d", f"{seconds:g}s",
            "--timeout", f"{args.timeout:g}s", "-s", str(BENCH_DIR / "sign.lua"), url, "--",
            mode, tag, str(per_thread), hidden, cookie]
    # wrk stops itself after -d; the extra margin only guards against a hung wrk.
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False,
                         start_new_session=True)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    fields: dict[str, str] = {}
    for line in out.stdout.splitlines():
        if line.startswith("BENCH "):
            for pair in line[6:].split(" "):
                key, _, value = pair.partition("=")
                fields[key] = value
    return Result(
        requests=int(fields["requests"]), seconds=(int(fields["span_us"]) or int(fields["duration_us"])) / 1e6,
        accepted=int(fields["accepted"]), ok=int(fields["ok"]), errors=int(fields["errors"]),
        socket_errors=sum(int(fields[k]) for k in ("socket_connect", "socket_read", "socket_write",
                                                     "socket_timeout")),
        p50_ms=int(fields["p50_us"]) / 1000, p99_ms=int(fields["p99_us"]) / 1000,
        unanswered=[e for e in fields["unanswered"].split(",") if e],
    )


def run_python(args: argparse.Namespace, url: str, mode: str, tag: str, seconds: float, hidden: str = "",
               cookie: str = "") -> Result:
    """The fallback client: one thread and one connection per concurrent user, bounded in time and count."""
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
    per_thread = max(1, args.max_requests // args.concurrency)
    lock = threading.Lock()
    total = Result()
    latencies: list[float] = []
    start = time.monotonic()
    deadline = start + seconds

    def user(number: int) -> None:
        mine: list[float] = []
        counts = Result()
        headers = {"Cookie": cookie} if cookie else {}
        if mode == "post":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)
        sent = 0
        while sent < per_thread and time.monotonic() < deadline:
            sent += 1
            email = f"bench-{tag}-{number}-{sent}@example.org"
            body = None
            if mode == "post":
                body = (f"first_name=Bench&last_name=Signer&postal_code=K1P+5J2&{hidden}"
                        f"&email={quote(email, safe='')}")
            began = time.perf_counter()
            try:
                conn.request("POST" if mode == "post" else "GET", path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                counts.socket_errors += 1
                if mode == "post":
                    counts.unanswered.append(email)
                conn.close()
                continue
            mine.append((time.perf_counter() - began) * 1000)
            counts.requests += 1
            if resp.status == 303:
                counts.accepted += 1
            elif 200 <= resp.status < 400:
                counts.ok += 1
            else:
                counts.errors += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for name in ("requests", "accepted", "ok", "errors", "socket_errors"):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
            total.unanswered.extend(counts.unanswered)

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(1, args.concurrency + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + args.timeout + 5)
    total.seconds = time.monotonic() - start
    latencies.sort()
    if latencies:
        total.p50_ms = latencies[int(0.50 * (len(latencies) - 1))]
        total.p99_ms = latencies[int(0.99 * (len(latencies) - 1))]
    return total


# -- the database afterwards -----------------------------------------------------
def stored_rows(db: Path, table: str, column: str, tag: str, unanswered: list[str], where: str = "") -> tuple[int, int]:
    """Rows this run stored (by its email tag), split into answered and cut-off requests."""
    conn = sqlite3.connect(db, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        rows = {r[0] for r in conn.execute(f"SELECT {column} FROM {table} WHERE {column} LIKE ? {where}",  # noqa: S608
                                           (f"bench-{tag}-%",))}
    finally:
        conn.close()
    cut_off = rows & {e.lower() for e in unanswered}
    return len(rows) - len(cut_off), len(cut_off)


def campaign_rows(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        return conn.execute("SELECT count(*) FROM actions WHERE campaign_slug = ?", (SLUG,)).fetchone()[0]
    finally:
        conn.close()


def pragmas_app(url: str) -> tuple[str, int, int]:
    """Read the settings back through the app's own engine, so the figures name what it really uses."""
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return (conn.execute(text("PRAGMA journal_mode")).scalar_one(),
                    conn.execute(text("PRAGMA synchronous")).scalar_one(),
                    conn.execute(text("PRAGMA busy_timeout")).scalar_one())
    finally:
        engine.dispose()


def pragmas_ceiling(path: Path) -> tuple[str, int, int]:
    conn = ceiling.connect(str(path), SQLITE_BUSY_TIMEOUT_MS)
    try:
        return tuple(conn.execute(f"PRAGMA {name}").fetchone()[0]  # type: ignore[return-value]
                     for name in ("journal_mode", "synchronous", "busy_timeout"))
    finally:
        conn.close()


# -- report ------------------------------------------------------------------------
def _cpu_ratio(app: Result, ceiling_run: Result) -> float:
    """What the rate ratio would be if both servers were bound by worker CPU alone."""
    return ceiling_run.cpu_ms / app.cpu_ms if app.cpu_ms else 0.0


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED  <<<"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up before each run (default 2)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="request bound per run, across all connections (default 200000)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for each server (default 2)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with --worker-class gthread")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (default: wrk when installed)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance directory")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120 or args.warmup < 0 or args.warmup > 30:
        parser.error("--duration must be 1-120 s and --warmup 0-30 s: every run is bounded")

    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed")
    drive = run_wrk if use_wrk else run_python

    # Stop cleanly on Ctrl-C, kill or a closed terminal; SIGINT is set explicitly because a
    # shell starting this in the background makes the script ignore it.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="advocacy-signbench-"))
    try:
        return _run(args, drive, "wrk" if use_wrk else "python", procs, workdir)
    except KeyboardInterrupt:
        return interrupted()
    finally:
        clean_up(procs, workdir, keep=args.keep)


def interrupted() -> int:
    print("\ninterrupted: stopping the servers", file=sys.stderr)
    return 130


def clean_up(procs: Processes, workdir: Path, *, keep: bool) -> None:
    """Stop every server this run started, and remove its files unless asked to keep them (--keep)."""
    procs.stop_all()
    if keep:
        print(f"kept {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, drive: Callable[..., Result], client: str, procs: Processes,
         workdir: Path) -> int:
    instance = workdir / "instance"
    app_db = instance / "advocacy.db"
    ceiling_db = workdir / "ceiling.db"
    stack_db = workdir / "stack.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVOCACY_")}
    env.update(
        ADVOCACY_ENV="production",  # the settings a deployment runs with
        ADVOCACY_INSTANCE_DIR=str(instance),
        ADVOCACY_SECRET_KEY=secrets.token_hex(32),  # one key for both workers: either can check the token
        ADVOCACY_BASE_URL="http://127.0.0.1",
        ADVOCACY_ORG_ADDRESS="1 Bench Street, Toronto ON M5V 1A1",
        # One address sends every request: the per-client limits would answer 429 after the first few.
        ADVOCACY_RATE_LIMITS="off",
        BENCH_CEILING_DB=str(ceiling_db),
        BENCH_STACK_DB=str(stack_db),
        BENCH_BUSY_TIMEOUT_MS=str(SQLITE_BUSY_TIMEOUT_MS),
    )
    cli = [sys.executable, "-c", "from advocacy.cli import main; main()"]
    for step in (["db", "upgrade"], ["directory", "load", "--demo"]):
        out = subprocess.run(cli + step, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                             check=False)
        if out.returncode != 0:
            raise RuntimeError(f"advocacy {' '.join(step)} failed:\n{out.stdout}{out.stderr}")
    ceiling.create_schema(str(ceiling_db), SQLITE_BUSY_TIMEOUT_MS)
    stack.create_schema(str(stack_db))

    app_port, ceiling_port, stack_port = free_port(), free_port(), free_port()
    app_log, ceiling_log, stack_log = workdir / "app.log", workdir / "ceiling.log", workdir / "stack.log"
    app = procs.start(gunicorn_argv(args, app_port, "advocacy:create_app()", app_log, ROOT), env=env,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ceil = procs.start(gunicorn_argv(args, ceiling_port, "ceiling:app", ceiling_log, BENCH_DIR), env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    floor = procs.start(gunicorn_argv(args, stack_port, "stack:app", stack_log, BENCH_DIR), env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(app, app_port, CAMPAIGN_PATH, app_log)
    wait_ready(ceil, ceiling_port, "/", ceiling_log)
    wait_ready(floor, stack_port, "/", stack_log)
    time.sleep(0.5)  # let every worker finish booting before the pids are read
    app_workers = worker_pids(app.pid)

    hidden, cookie = get_form(app_port)
    stack_hidden, stack_cookie = get_form(stack_port, "/")
    form_shown = time.monotonic()
    app_url = f"http://127.0.0.1:{app_port}{CAMPAIGN_PATH}"
    ceiling_url = f"http://127.0.0.1:{ceiling_port}/"
    stack_url = f"http://127.0.0.1:{stack_port}/"
    print(f"advocacy bench: {args.workers} gunicorn {args.worker_class} workers per server"
          f"{f' x {args.threads} threads' if args.worker_class == 'gthread' else ''}, "
          f"client {client}, concurrency {args.concurrency}, {args.duration:g} s per run after "
          f"{args.warmup:g} s warm-up, at most {args.max_requests} requests per run", flush=True)

    def measure(master: int, url: str, mode: str, tag: str, **kw: str) -> Result:
        if args.warmup:
            drive(args, url, mode, f"w{tag}", args.warmup, **kw)
        # CPU time per response depends less on a busy neighbour than the rates do (shared
        # cores still inflate it): with the neighbours' load beside it, it tells a slow app
        # from a busy machine.
        servers = worker_pids(app.pid) + worker_pids(ceil.pid) + worker_pids(floor.pid)
        workers = worker_pids(master)
        before, machine, own, ours = cpu_seconds(workers), machine_busy_seconds(), own_cpu_seconds(), \
            cpu_seconds(servers)
        started = time.monotonic()
        result = drive(args, url, mode, tag, args.duration, **kw)
        elapsed = time.monotonic() - started
        result.cpu_ms = (cpu_seconds(workers) - before) * 1000 / max(result.requests, 1)
        # Whatever the machine did beyond the servers and the client is a neighbour's load.
        result.others = max(0.0, (machine_busy_seconds() - machine) - (own_cpu_seconds() - own)
                            - (cpu_seconds(servers) - ours)) / elapsed
        return result

    # Signing first, the page after: the page then counts a realistic number of signatures.
    # A person takes a while to fill the form in: a signature sent sooner is kept but sent to review
    # (services/abuse.py), which is not the path to measure.
    time.sleep(max(0.0, form_shown + MIN_FILL_SECONDS - time.monotonic()))
    sign = measure(app.pid, app_url, "post", "a", hidden=hidden, cookie=cookie)
    sign_ceiling = measure(ceil.pid, ceiling_url, "post", "c")
    sign_stack = measure(floor.pid, stack_url, "post", "s", hidden=stack_hidden, cookie=stack_cookie)
    page = measure(app.pid, app_url, "get", "pa")
    page_ceiling = measure(ceil.pid, ceiling_url, "get", "pc")
    page_stack = measure(floor.pid, stack_url, "get", "ps")

    stored, cut_off = stored_rows(app_db, "actions", "email_key", "a", sign.unanswered,
                                  f"AND campaign_slug = '{SLUG}'")
    lost = sign.accepted - stored
    c_stored, c_cut_off = stored_rows(ceiling_db, "signatures", "email", "c", sign_ceiling.unanswered)
    c_lost = sign_ceiling.accepted - c_stored
    s_stored, s_cut_off = stored_rows(stack_db, "signatures", "email", "s", sign_stack.unanswered)
    s_lost = sign_stack.accepted - s_stored
    total_rows = campaign_rows(app_db)

    now_workers = worker_pids(app.pid)
    # Each server's workers: (pid, peak RSS, PSS) in MiB.
    memory = {name: [(pid, peak_rss_mib(pid), pss_mib(pid)) for pid in worker_pids(master.pid)]
              for name, master in (("app", app), ("ceiling", ceil), ("stack", floor))}
    app_pragmas = pragmas_app(f"sqlite:///{app_db}")
    ceiling_pragmas = pragmas_ceiling(ceiling_db)

    sign_ratio = sign.accepted_rate / sign_ceiling.accepted_rate if sign_ceiling.accepted_rate else 0.0
    stack_ratio = sign_stack.accepted_rate / sign_ceiling.accepted_rate if sign_ceiling.accepted_rate else 0.0
    page_ratio = page.rate / page_ceiling.rate if page_ceiling.rate else 0.0
    page_stack_ratio = page_stack.rate / page_ceiling.rate if page_ceiling.rate else 0.0
    worst_rss = max((rss for _pid, rss, _pss in memory["app"]), default=float("inf"))

    def settings(name: str, p: tuple[str, int, int]) -> str:
        return (f"  {name:8} journal_mode={p[0]}  synchronous={p[1]} ({SYNCHRONOUS.get(p[1], '?')})  "
                f"busy_timeout={p[2]} ms")

    print()
    print("SQLite settings, read back from each server's own connection code:")
    print(settings("app", app_pragmas))
    print(settings("ceiling", ceiling_pragmas))
    print("  Durability: WAL with synchronous=NORMAL does not fsync on every commit. A committed")
    print("  signature survives a crash of the app, a worker or gunicorn; the last transactions")
    print("  before a power failure or an OS crash may be lost (the database stays consistent).")
    print()
    print(f"Signing  POST {CAMPAIGN_PATH}")
    print("  app: one GET beforehand for the session cookie and csrf_token, reused by every POST")
    print("  ceiling: POST / validates the 4 fields with the app's own rules (advocacy/validation.py: email-validator")
    print("  with the same options, the postal-code normaliser, the name checks) and inserts one row (no CSRF,")
    print("  session or ORM)")
    print("  stack: the ceiling's work with the libraries the app must use (bench/stack.py): a Flask-WTF form with")
    print("  CSRF and its session cookie, one row through a SQLAlchemy ORM session; the most the app could reach")
    runs = (sign, sign_ceiling, sign_stack)

    def row(label: str, values: tuple[object, ...], fmt: str) -> None:
        print(f"  {label:34}" + "".join(f"{value:{fmt}}" for value in values))

    def timing_rows(results: tuple[Result, ...]) -> None:
        row("p50 latency (ms)", tuple(r.p50_ms for r in results), "12.1f")
        row("p99 latency (ms)", tuple(r.p99_ms for r in results), "12.1f")
        row("worker CPU per request (ms)", tuple(r.cpu_ms for r in results), "12.2f")
        row("cores busy with other processes", tuple(r.others for r in results), "12.2f")

    row("", ("app", "ceiling", "stack"), ">12")
    row("signatures/s (303 responses)", tuple(r.accepted_rate for r in runs), "12.1f")
    timing_rows(runs)
    row("accepted (303)", tuple(r.accepted for r in runs), "12d")
    row("stored rows for those requests", (stored, c_stored, s_stored), "12d")
    row("lost = accepted - stored", (lost, c_lost, s_lost), "12d")
    row("errors (non-2xx/3xx responses)", tuple(r.errors for r in runs), "12d")
    row("other 2xx/3xx (not a signature)", tuple(r.ok for r in runs), "12d")
    row("socket errors/timeouts", tuple(r.socket_errors for r in runs), "12d")
    row("cut off in flight at the end", tuple(len(r.unanswered) for r in runs), "12d")
    row("  of which stored anyway", (cut_off, c_cut_off, s_cut_off), "12d")
    print(f"  ratio to the ceiling: {sign_ratio:.2f}   (by CPU per request: {_cpu_ratio(sign, sign_ceiling):.2f}; "
          f"{total_rows} rows in actions for the campaign, warm-up included)")
    print(f"  the stack's ratio to the ceiling: {stack_ratio:.2f}   (by CPU per request: "
          f"{_cpu_ratio(sign_stack, sign_ceiling):.2f}); the app's ratio to the stack: "
          f"{sign.accepted_rate / sign_stack.accepted_rate if sign_stack.accepted_rate else 0.0:.2f}")
    print()
    print(f"Campaign page  GET {CAMPAIGN_PATH}  (ceiling: a bare Jinja page; stack: its FlaskForm with a CSRF")
    print("  token and the session cookie it sets, as the app sends every new visitor)")
    pages = (page, page_ceiling, page_stack)
    row("", ("app", "ceiling", "stack"), ">12")
    row("requests/s", tuple(r.rate for r in pages), "12.1f")
    timing_rows(pages)
    row("errors (non-2xx/3xx responses)", tuple(r.errors for r in pages), "12d")
    print(f"  ratio to the ceiling: {page_ratio:.2f}   (by CPU per request: {_cpu_ratio(page, page_ceiling):.2f}); "
          f"the stack's: {page_stack_ratio:.2f}   (by CPU per request: {_cpu_ratio(page_stack, page_ceiling):.2f})")
    print()
    print("Peak RSS per web worker (VmHWM after the runs: every page the worker touched, shared ones included;")
    print("the target is on this figure). PSS after the runs beside it: shared pages divided among their sharers.")
    for name, workers in memory.items():
        print(f"  {name + ':':9}" + ", ".join(f"pid {pid} {rss:.1f} MiB (PSS {pss:.1f})" for pid, rss, pss in workers))
    if now_workers != app_workers:
        print(f"  NOTE: the app's workers changed during the run ({app_workers} -> {now_workers}): "
              f"a worker was restarted, see {app_log} (use --keep)")

    checks = [
        (f"signing ratio >= {SIGN_RATIO_MIN}", f"{sign_ratio:.2f}", sign_ratio >= SIGN_RATIO_MIN),
        (f"signing p99 < {SIGN_P99_MAX_MS:g} ms", f"{sign.p99_ms:.1f} ms", sign.p99_ms < SIGN_P99_MAX_MS),
        ("lost signatures = 0", str(lost), lost == 0),
        ("signing errors = 0", str(sign.errors + sign.socket_errors), sign.errors + sign.socket_errors == 0),
        (f"page ratio >= {PAGE_RATIO_MIN}", f"{page_ratio:.2f}", page_ratio >= PAGE_RATIO_MIN),
        (f"peak RSS <= {RSS_MAX_MIB:g} MiB per worker", f"{worst_rss:.1f} MiB", worst_rss <= RSS_MAX_MIB),
    ]
    print()
    print("Targets")
    for name, value, ok in checks:
        print(f"  {name:34}{value:>12}   {verdict(ok)}")
    missed = [name for name, _value, ok in checks if not ok]
    busiest = max(r.others for r in (sign, sign_ceiling, sign_stack, page, page_ceiling, page_stack))
    if busiest > 0.25:
        print()
        print(f"NOTE: other processes kept up to {busiest:.1f} of {os.cpu_count()} cores busy during the runs:")
        print("the rates and latencies are lower and noisier than on an idle machine; CPU per request is steadier.")
    print()
    print(f"MISSED {len(missed)} of {len(checks)} targets: {'; '.join(missed)}" if missed
          else f"all {len(checks)} targets met")
    return 0  # a measurement: a missed target is printed, not an error


if __name__ == "__main__":
    sys.exit(main())
