"""Delivery throughput: letters per second per worker into a local SMTP server, one connection per batch.

1. SQLite: LETTERS deliveries queued through the real services, one ``advocacy worker`` process
   draining them into an aiosmtpd sink running in its own process. Prints letters/s per worker (wall
   clock, from the first message the sink accepted to the last) and per CPU-second of the worker (what
   the code costs, whatever else the machine is doing), and the SMTP connections used. Target: 300/s.
2. Where the time goes: the same drain in this process on BREAKDOWN letters, with the CPU time of
   each step (claim, build the email, SMTP, record the outcome) per letter.
3. PostgreSQL, when --database-url or ADVOCACY_TEST_DATABASE_URL names a server: PG_LETTERS deliveries
   drained by WORKERS worker processes; total and per-worker letters/s, and Message-IDs received twice
   (must be 0). Runs in a temporary schema that is dropped afterwards.

Every wait is bounded (--max-seconds per phase); every process started here is stopped here. The load
average is printed with the figures: on a shared 2-core machine the wall-clock rates move with it.

    .venv/bin/python bench/deliver.py [--letters 3000] [--breakdown 1000] [--pg-letters 10000]
                                      [--workers 4] [--batch 50] [--max-seconds 300]
                                      [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import multiprocessing
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: import the working tree's advocacy

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from advocacy.cli import CliState  # noqa: E402
from advocacy.config import Settings  # noqa: E402
from advocacy.models import Delivery  # noqa: E402
from advocacy.models.base import utcnow  # noqa: E402
from tests.conftest import prepare_database  # noqa: E402
from tests.faults.conftest import write_drill_campaign, write_letters  # noqa: E402

TARGET_PER_WORKER = 300.0
LETTERS_PER_SUPPORTER = 50  # the drill campaign writes to 50 offices at once
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.I | re.M)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- the SMTP sink, in its own process so its work is not charged to the worker ----------

def _free_port() -> int:
    # aiosmtpd 1.4.6 cannot bind port 0 itself.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sink_main(port: int, counters, times, ready, stop) -> None:  # noqa: ANN001 - shared-memory objects
    """Accept everything; count messages, distinct Message-IDs and connections (one EHLO per connection)."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.seen: set[bytes] = set()

        async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
            counters[2] += 1  # only the server's event-loop thread writes these
            session.host_name = hostname
            return responses

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            head = envelope.content.split(b"\r\n\r\n", 1)[0]
            found = MESSAGE_ID.search(head)
            key = found.group(1) if found else b""
            now = time.monotonic()
            if counters[0] == 0:
                times[0] = now
            times[1] = now
            if key not in self.seen:
                self.seen.add(key)
                counters[1] += 1
            counters[0] += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait(3600)  # the parent always sets it; the bound only guards against an orphaned sink
    controller.stop()


@dataclass
class Sink:
    port: int = field(default_factory=_free_port)

    def __post_init__(self) -> None:
        mp = multiprocessing.get_context("spawn")
        self.counters = mp.Array("q", 3, lock=False)  # messages, distinct Message-IDs, connections
        self.times = mp.Array("d", 2, lock=False)  # monotonic time of the first and the last message
        self.ready, self.stop_event = mp.Event(), mp.Event()
        self.process = mp.Process(target=_sink_main, daemon=True,
                                  args=(self.port, self.counters, self.times, self.ready, self.stop_event))

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> Sink:
        self.process.start()
        if not self.ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def reset(self) -> None:
        for i in range(3):
            self.counters[i] = 0

    @property
    def messages(self) -> int:
        return self.counters[0]

    @property
    def duplicates(self) -> int:
        return self.counters[0] - self.counters[1]

    @property
    def connections(self) -> int:
        return self.counters[2]

    @property
    def sending_seconds(self) -> float:
        return self.times[1] - self.times[0]

    def close(self) -> None:
        self.stop_event.set()
        self.process.join(15)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


# -- worker processes ----------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a live process (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def worker_env(settings: Settings, smtp_url: str, batch: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env.update(ADVOCACY_ENV="test", ADVOCACY_INSTANCE_DIR=str(settings.instance_dir),
               ADVOCACY_CAMPAIGNS_DIR=str(settings.campaigns_dir), ADVOCACY_DATABASE_URL=settings.database_url,
               ADVOCACY_FROM_ADDRESS=settings.from_address, ADVOCACY_ORG_NAME=settings.org_name,
               ADVOCACY_SMTP_URL=smtp_url, ADVOCACY_WORKER_BATCH=str(batch), ADVOCACY_WORKER_POLL_SECONDS="0.2",
               PYTHONPATH=str(ROOT))
    return env


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-c", "from advocacy.cli import main; main(['worker'])"],
                                env=env, cwd=log.parent, stdout=out, stderr=out)


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@dataclass
class Drain:
    letters: int
    workers: list[subprocess.Popen]
    wall: float = 0.0  # from starting the workers until every row is sent
    cpu_sending: list[float] = field(default_factory=list)  # each worker's CPU while the sink was receiving
    finished: bool = False


def drain(state: CliState, sink: Sink, env: dict[str, str], workdir: Path, count: int, letters: int,
          max_seconds: float) -> Drain:
    """Start ``count`` workers, sample their CPU until the sink has every letter and the outbox is empty."""
    sink.reset()
    started = time.monotonic()
    workers = [spawn(env, workdir / f"worker-{n}.log") for n in range(count)]
    result = Drain(letters, workers)
    cpu_first: list[float] | None = None
    cpu_last = [0.0] * count
    try:
        deadline = started + max_seconds
        while time.monotonic() < deadline and all(w.poll() is None for w in workers):
            cpu_now = [cpu_seconds(w.pid) for w in workers]
            received = sink.messages
            if received and cpu_first is None:
                cpu_first = cpu_now  # the workers' start-up (imports, first claim) is left out
            if received < letters:
                cpu_last = cpu_now
            elif done(state):
                result.finished = True
                cpu_last = cpu_now
                break
            time.sleep(0.05)
        result.wall = time.monotonic() - started
        result.cpu_sending = [last - first for first, last in zip(cpu_first or cpu_last, cpu_last, strict=True)]
    finally:
        stop(workers)
    if not result.finished:  # say why before the temporary directory (and the logs) are removed
        print(f"  NOT DRAINED within {max_seconds:.0f} s: {sink.messages} of {letters} received")
        for n in range(count):
            tail = (workdir / f"worker-{n}.log").read_text(errors="replace").splitlines()[-5:]
            print(f"  worker {n} (exit {workers[n].returncode}): " + "\n    ".join(tail))
    return result


def done(state: CliState) -> bool:
    with state.db.session() as session:  # a reader: never queue behind the worker for SQLite's write lock
        return not session.scalar(select(func.count()).where(Delivery.status != "sent"))


def sent_by(state: CliState) -> Counter[str]:
    with state.db.session() as session:
        return Counter(dict(session.execute(select(Delivery.claimed_by, func.count())
                                            .where(Delivery.status == "sent").group_by(Delivery.claimed_by)).all()))


def prepare(workdir: Path, database_url: str, letters: int) -> tuple[CliState, float]:
    campaigns = write_drill_campaign(workdir / "campaigns")
    (workdir / "instance").mkdir(exist_ok=True)
    settings = Settings(env="test", database_url=database_url, instance_dir=workdir / "instance",
                        campaigns_dir=campaigns, from_address="letters@union.test", org_name="Bench Union")
    prepare_database(settings.sqlalchemy_url).dispose()
    state = CliState(settings)
    started = time.monotonic()
    queued = write_letters(state.ctx, letters // LETTERS_PER_SUPPORTER, now=utcnow())
    assert queued == letters, (queued, letters)
    return state, time.monotonic() - started


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# -- phases ----------------------------------------------------------------------------

def sqlite_phase(sink: Sink, letters: int, batch: int, max_seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="advocacy-bench-deliver-"))
    try:
        state, queue_seconds = prepare(workdir, f"sqlite:///{workdir / 'bench.db'}", letters)
        env = worker_env(state.settings, sink.url, batch)
        print(f"sqlite: {letters} letters queued in {queue_seconds:.1f} s; 1 worker, batch {batch}; {load()}")
        result = drain(state, sink, env, workdir, 1, letters, max_seconds)
        rate = (sink.messages - 1) / sink.sending_seconds if sink.sending_seconds > 0 else 0.0
        per_cpu = sink.messages / result.cpu_sending[0] if result.cpu_sending[0] > 0 else 0.0
        def verdict(value: float) -> str:
            return "meets" if value >= TARGET_PER_WORKER else "MISSES"

        print(f"  {sink.messages} received in {sink.sending_seconds:.2f} s: {rate:.0f} letters/s per worker "
              f"(wall clock: {verdict(rate)} the {TARGET_PER_WORKER:.0f}/s target); {per_cpu:.0f} letters per "
              f"CPU-second of the worker, {1000 / per_cpu if per_cpu else 0:.2f} ms CPU each "
              f"(on an idle core: {verdict(per_cpu)} it)")
        print(f"  {sink.connections} SMTP connections ({sink.messages / max(sink.connections, 1):.0f} letters "
              f"each); {sink.duplicates} Message-IDs received twice; all sent: {result.finished}; "
              f"{result.wall:.1f} s from start-up to {'an empty outbox' if result.finished else 'giving up'}; {load()}")
        state.db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def breakdown_phase(sink: Sink, letters: int, batch: int) -> None:
    """The same drain in this process, timing each step's CPU, so the report can say where time goes."""
    import advocacy.channels.smtp as smtp_module
    from advocacy.channels.smtp import SmtpChannel, SmtpTarget
    from advocacy.worker import Worker

    workdir = Path(tempfile.mkdtemp(prefix="advocacy-bench-deliver-"))
    spent: Counter[str] = Counter()

    def timed(name: str, function):  # noqa: ANN001, ANN202
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            began = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - began
        return wrapper

    # Patched for this measurement only, in this process: the workers above ran the code untouched.
    patches = [(Worker, "_claim", "claim (pacing query, load rows)"),
               (smtp_module, "build_email", "build the email (+ header round-trip check)"),
               (smtplib.SMTP, "sendmail", "SMTP MAIL/RCPT/DATA"),
               (SmtpChannel, "connect", "connect (TLS context, EHLO)"),
               (Worker, "_record", "record the outcome (1 transaction)")]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _label in patches]
    try:
        state, _queue = prepare(workdir, f"sqlite:///{workdir / 'bench.db'}", letters)
        for owner, name, label in patches:
            setattr(owner, name, timed(label, getattr(owner, name)))
        sink.reset()
        ctx = dataclasses.replace(state.ctx, settings=state.settings.with_(worker_batch=batch))
        worker = Worker(ctx, SmtpChannel(SmtpTarget.parse(sink.url)))
        began, began_wall = time.process_time(), time.monotonic()
        report = worker.run_once()
        total, wall = time.process_time() - began, time.monotonic() - began_wall
        state.db.dispose()
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"where the time goes (SQLite, {report.sent} letters in one process, batch {batch}): "
          f"{1000 * total / report.sent:.2f} ms CPU per letter, {report.sent / wall:.0f} letters/s wall")
    for label, seconds in spent.most_common():
        print(f"  {label:45} {1000 * seconds / report.sent:6.2f} ms  {100 * seconds / total:4.0f}%")
    other = total - sum(spent.values())
    print(f"  {'the rest (loop, outgoing_message, logging)':45} {1000 * other / report.sent:6.2f} ms  "
          f"{100 * other / total:4.0f}%")


@contextlib.contextmanager
def temporary_schema(server_url: str):  # noqa: ANN201
    url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in url else "?"
        yield url + f"{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def postgres_phase(sink: Sink, server_url: str, letters: int, workers: int, batch: int, max_seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="advocacy-bench-deliver-"))
    try:
        with temporary_schema(server_url) as url:
            state, queue_seconds = prepare(workdir, url, letters)
            env = worker_env(state.settings, sink.url, batch)
            print(f"postgresql: {letters} letters queued in {queue_seconds:.1f} s; {workers} workers, "
                  f"batch {batch}; {load()}")
            result = drain(state, sink, env, workdir, workers, letters, max_seconds)
            by_worker = sent_by(state)
            state.db.dispose()
        seconds = sink.sending_seconds
        total = (sink.messages - 1) / seconds if seconds > 0 else 0.0
        shares = sorted(by_worker.values(), reverse=True)
        cpu = sum(result.cpu_sending)
        print(f"  {sink.messages} received in {seconds:.2f} s: {total:.0f} letters/s in all, "
              f"{total / workers:.0f} per worker; each worker sent {'/'.join(map(str, shares))} "
              f"({', '.join(f'{n / seconds:.0f}/s' for n in shares)})")
        print(f"  {sink.messages / cpu if cpu else 0:.0f} letters per CPU-second of the workers "
              f"(PostgreSQL's own CPU not included); {sink.connections} SMTP connections; "
              f"{sink.duplicates} Message-IDs received twice; all sent: {result.finished}; {load()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=3000, help="SQLite phase (a multiple of 50)")
    parser.add_argument("--breakdown", type=int, default=1000, help="letters in the where-the-time-goes phase; 0 skips")
    parser.add_argument("--pg-letters", type=int, default=10_000, help="PostgreSQL phase (a multiple of 50)")
    parser.add_argument("--workers", type=int, default=4, help="worker processes in the PostgreSQL phase")
    parser.add_argument("--batch", type=int, default=Settings().worker_batch, help="ADVOCACY_WORKER_BATCH")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="bound on each drain")
    parser.add_argument("--database-url", default=os.environ.get("ADVOCACY_TEST_DATABASE_URL", ""),
                        help="a PostgreSQL server (default: ADVOCACY_TEST_DATABASE_URL)")
    args = parser.parse_args()
    for name in ("letters", "pg_letters", "breakdown"):
        if getattr(args, name) % LETTERS_PER_SUPPORTER:
            parser.error(f"--{name.replace('_', '-')} must be a multiple of {LETTERS_PER_SUPPORTER}")

    sink = Sink().start()
    try:
        sqlite_phase(sink, args.letters, args.batch, args.max_seconds)
        if args.breakdown:
            breakdown_phase(sink, args.breakdown, args.batch)
        if args.database_url:
            postgres_phase(sink, args.database_url, args.pg_letters, args.workers, args.batch, args.max_seconds)
        else:
            print("postgresql: skipped (no --database-url and ADVOCACY_TEST_DATABASE_URL is not set)")
    finally:
        sink.close()


if __name__ == "__main__":
    main()
