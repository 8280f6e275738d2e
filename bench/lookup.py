"""Representative lookups under load, against a local stand-in for Represent (loopback only, bounded).

1. Burst: LOOKUPS lookups over CODES distinct postal codes from THREADS threads, with Represent's
   rate limit shared through the database. Prints the calls Represent received in its busiest minute
   and where every supporter's answer came from (Represent, stale cache, directory, or the chooser).
2. Cached: every code cached; PROCESSES processes (one per core, as gunicorn runs) look codes up
   as fast as they can for SECONDS seconds; prints p50/p95/p99 of one lookup.

    .venv/bin/python bench/lookup.py [--codes 1000] [--lookups 10000] [--threads 4] [--processes 2]
                                     [--seconds 10] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advocacy import migrate  # noqa: E402
from advocacy.config import Settings  # noqa: E402
from advocacy.db import Database  # noqa: E402
from advocacy.domain.errors import InvalidPostalCode  # noqa: E402
from advocacy.models import PostcodeLookup  # noqa: E402
from advocacy.models.base import utcnow  # noqa: E402
from advocacy.providers import build_chain  # noqa: E402
from advocacy.services.directory import load_csv  # noqa: E402
from advocacy.services.lookup import find_representatives  # noqa: E402
from tests.lookup import payloads as p  # noqa: E402
from tests.lookup.represent_server import FakeRepresent, Reply  # noqa: E402

DEMO = ROOT / "advocacy" / "data" / "demo_directory.csv"
# K1P, M5V and P7B are in the demo directory; N6A and L5G are not, so their supporters need the chooser.
AREAS = ("K1P", "M5V", "P7B", "N6A", "L5G")
LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


def postal_codes(count: int) -> list[str]:
    codes = []
    for n in range(count):
        area = AREAS[n % len(AREAS)]
        rest = n // len(AREAS)
        codes.append(f"{area}{rest % 10}{LETTERS[rest // 10 % 20]}{rest // 200 % 10}")
    return codes


def busiest_minute(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 60:
            start += 1
        best = max(best, end - start + 1)
    return best


def run_threads(threads: int, work, deadline: float) -> None:
    workers = [threading.Thread(target=work, args=(n, deadline), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.1, deadline - time.monotonic() + 5))


def burst(chain, db: Database, codes: list[str], lookups: int, threads: int, seconds: float) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    queue = iter(range(lookups))

    def work(_n: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            with lock:
                i = next(queue, None)
            if i is None:
                return
            with db.session() as session:
                try:
                    finding = find_representatives(session, chain, codes[(i * 7919) % len(codes)])
                except InvalidPostalCode:
                    outcome = "invalid"
                else:
                    found = finding.lookup
                    outcome = "chooser" if found is None else "stale cache" if found.stale else found.source
            with lock:
                outcomes[outcome] += 1

    run_threads(threads, work, time.monotonic() + seconds)
    return outcomes


def _cached_worker(url: str, represent_url: str, codes: list[str], offset: int, seconds: float, memo: float,
                   out) -> None:
    settings = Settings(env="test", database_url=url, represent_url=represent_url,
                        providers=("represent", "directory"), lookup_memo_seconds=memo)
    chain, db = build_chain(settings), Database(url)
    samples, i = [], offset
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db.session() as session:
            started = time.perf_counter()
            finding = find_representatives(session, chain, codes[i % len(codes)])
            samples.append(time.perf_counter() - started)
        assert finding.lookup is not None and not finding.lookup.stale
        i += 7
    out.put(samples)


def cached(url: str, represent_url: str, codes: list[str], processes: int, seconds: float,
           memo: float) -> list[float]:
    """Lookups from ``processes`` processes at once (one per core, as gunicorn would run them)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [context.Process(target=_cached_worker, args=(url, represent_url, codes, n, seconds, memo, out))
               for n in range(processes)]
    for worker in workers:
        worker.start()
    samples = [s for _ in workers for s in out.get(timeout=seconds + 60)]
    for worker in workers:
        worker.join(10)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codes", type=int, default=1000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4, help="threads in the burst phase")
    parser.add_argument("--processes", type=int, default=2, help="processes in the cached phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the cached phase")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="bound on the burst phase")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="advocacy-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    represent = FakeRepresent().start()
    represent.default = Reply(200, json.dumps(p.k1p1a4()))
    settings = Settings(env="test", database_url=url, instance_dir=workdir, represent_url=represent.url,
                        providers=("represent", "directory"))
    db = Database(url)
    migrate.upgrade(db)
    codes = postal_codes(args.codes)
    now = utcnow()
    with db.transaction() as session, DEMO.open(encoding="utf-8", newline="") as stream:
        load_csv(session, stream, name=DEMO.name, now=now)
        # A tenth of the codes were looked up four months ago: past the 90-day freshness, still useful.
        for code in codes[::10]:
            session.merge(PostcodeLookup(code=code, status="ok", city="OTTAWA", province="ON",
                                         fetched_at=now - timedelta(days=120),
                                         boundaries=[{"key": f"{p.PROV}/ottawa-centre", "name": "Ottawa Centre",
                                                      "level": "provincial", "match": "centroid"}]))
    chain = build_chain(settings)
    chain.lookup(db.session(), "K1P1A4")  # one live answer puts Ottawa Centre's people in the directory

    started = time.monotonic()
    outcomes = burst(chain, db, codes, args.lookups, args.threads, args.max_seconds)
    took = time.monotonic() - started
    calls = [s.at for s in represent.seen]
    answered = sum(outcomes.values())
    print(f"burst: {answered} lookups over {len(codes)} postal codes in {took:.1f} s "
          f"({answered / took:.0f}/s, {args.threads} threads)")
    print(f"  calls to Represent: {len(calls)} in all, {busiest_minute(calls)} in the busiest minute (limit 60)")
    print("  answers: " + ", ".join(f"{name} {count}" for name, count in outcomes.most_common())
          + f"; unanswered {args.lookups - answered}")

    with db.transaction() as session:  # now every code is freshly cached
        for code in codes:
            session.merge(PostcodeLookup(code=code, status="ok", city="OTTAWA", province="ON", fetched_at=utcnow(),
                                         boundaries=[{"key": b.key, "name": b.name,
                                                      "level": b.level.value if b.level else "",
                                                      "match": b.match.value, "external_id": b.external_id}
                                                     for b in _k1p1a4_boundaries()]))
    before = len(represent.seen)
    for label, memo in (("database cache", 0.0), ("with the 30 s in-process memo", 30.0)):
        ms = sorted(1000 * s for s in cached(url, represent.url, codes, args.processes, args.seconds, memo))
        q = statistics.quantiles(ms, n=100)
        print(f"cached, {label}: {len(ms)} lookups in {args.seconds:.0f} s ({len(ms) / args.seconds:.0f}/s, "
              f"{args.processes} processes); p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, p99 {q[98]:.2f} ms, "
              f"max {ms[-1]:.2f} ms")
    print(f"  calls to Represent while cached: {len(represent.seen) - before}")
    represent.stop()


def _k1p1a4_boundaries():
    from advocacy.providers.represent_json import parse_postcode

    return parse_postcode(p.k1p1a4(), fetched_at=utcnow(), api_url="").boundaries


if __name__ == "__main__":
    main()
