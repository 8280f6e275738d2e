"""Dashboard and export speed at a million signatures.

Builds a temporary SQLite database with the migrations, inserts ACTIONS actions (most on one petition)
and LETTERS letter deliveries with bulk inserts in a bounded loop, then times each dashboard query
(the median of --repeat runs) and a full streamed CSV export, printing each with SQLite's query plan.
A page of a campaign that large reuses its breakdowns for a minute (services/dashboard.py, SLOW_SECONDS):
the figure "page again within the minute" is what staff wait for then.
``--extra-indexes`` adds candidate indexes afterwards and times everything again, to show what they buy.

    .venv/bin/python bench/dashboard.py [--actions 1000000] [--letters 200000] [--repeat 3] [--extra-indexes]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: import the working tree's advocacy

from advocacy import migrate  # noqa: E402
from advocacy.db import Database  # noqa: E402
from advocacy.services import dashboard, exports  # noqa: E402

BIG, OTHER, LETTER = "big-petition", "small-petition", "letter-campaign"
CHUNK = 50_000  # rows per executemany
START = datetime(2026, 8, 1, tzinfo=UTC)
RIDINGS = [f"Riding {n:03d}" for n in range(124)]
SOURCES = ["", "", "", "newsletter", "facebook", "ally:friends"]
TARGET_SECONDS = 0.5  # a dashboard page should stay well under a second
CANDIDATE_INDEXES = (
    "CREATE INDEX ix_bench_actions_day ON actions (campaign_slug, status, review, created_at)",
    "CREATE INDEX ix_bench_actions_riding ON actions (campaign_slug, status, review, district)",
    "CREATE INDEX ix_bench_deliveries_campaign ON deliveries (campaign_slug, kind, status)",
)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores UTC datetimes in SQLite


def insert_actions(db: Database, total: int, rng: random.Random) -> None:
    sql = ("INSERT INTO actions (campaign_slug, kind, status, email_key, first_name, last_name, postal_code, "
           "district, opt_in, source, lang, created_at, review, review_reason, review_note) "
           "VALUES (?, 'signature', ?, ?, 'Ann', 'Lee', 'K1P5J2', ?, 0, ?, 'en', ?, ?, '', '')")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for first in range(0, total, CHUNK):  # bounded: total / CHUNK rounds
            size = min(first + CHUNK, total) - first
            ridings, sources = rng.choices(RIDINGS, k=size), rng.choices(SOURCES, k=size)
            seconds = [rng.randrange(90 * 86400) for _ in range(size)]
            rows = []
            for i, n in enumerate(range(first, first + size)):
                slug = BIG if n % 10 < 8 else (OTHER if n % 10 == 8 else LETTER)
                roll = n % 50  # 8% pending, 2% in review
                status, review = ("pending", "") if roll < 4 else ("confirmed", "pending" if roll < 5 else "")
                rows.append((slug, status, f"s{n}@example.com", ridings[i], sources[i],
                             stamp(START + timedelta(seconds=seconds[i])), review))
            cursor.execute("BEGIN")
            cursor.executemany(sql, rows)
            cursor.execute("COMMIT")
    finally:
        raw.close()


def insert_letters(db: Database, total: int, rng: random.Random) -> None:
    sql = ("INSERT INTO deliveries (campaign_slug, status, kind, target_group, policy, office_key, hold_reason, "
           "recipient_name, recipient_email, recipient_office, recipient_district, recipient_level, district_key, "
           "match, source, confidence, recipient_source_url, letter_key, reply_to_name, reply_to_address, subject, "
           "body, message_id, attempts, next_attempt_at, claimed_by, last_error, created_at) "
           "VALUES (?, ?, 'letter', 0, 'individual', ?, '', ?, ?, 'MPP', ?, 'provincial', '', 'postal', '', '', '', "
           "'default', 'Ann Lee', 'ann@example.com', 'Subject', 'Body', ?, 0, ?, '', ?, ?)")
    states = ["sent"] * 90 + ["queued"] * 5 + ["held"] * 3 + ["failed"] * 2
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for first in range(0, total, CHUNK):
            rows = []
            for n in range(first, min(first + CHUNK, total)):
                office = rng.randrange(200)
                status = rng.choice(states)
                when = stamp(START + timedelta(seconds=rng.randrange(90 * 86400)))
                rows.append((LETTER, status, f"mpp{office}@demo.invalid", f"Member {office}",
                             f"mpp{office}@demo.invalid", RIDINGS[office % len(RIDINGS)], f"<{n}@bench>", when,
                             "550 no such user" if status == "failed" else "", when))
            cursor.execute("BEGIN")
            cursor.executemany(sql, rows)
            cursor.execute("COMMIT")
    finally:
        raw.close()


def timed(db: Database, repeat: int, work: Callable[..., object]) -> float:
    times = []
    for _ in range(repeat):
        with db.session() as session:
            began = time.perf_counter()
            work(session)
            times.append(time.perf_counter() - began)
    return statistics.median(times)


def export_all(db: Database) -> tuple[int, int, float]:
    """Stream the big petition's whole export; rows, bytes and seconds."""
    began = time.perf_counter()
    size = rows = 0
    with db.session() as session:
        for chunk in exports.csv_chunks(exports.SIGNATURE_COLUMNS,
                                        exports.signature_rows(session, BIG, exports.ExportFilter())):
            size += len(chunk)
            rows += chunk.count(b"\n")
    return rows - 1, size, time.perf_counter() - began


QUERIES: dict[str, Callable[..., object]] = {
    "counts, every campaign (index page)": lambda s: dashboard.campaign_counts(s),
    "counts, one campaign": lambda s: dashboard.campaign_counts(s, BIG),
    "actions per day": lambda s: dashboard.actions_per_day(s, BIG),
    "by riding": lambda s: dashboard.by_riding(s, BIG),
    "by source and ally": lambda s: dashboard.by_source(s, BIG),
    "letters per office": lambda s: dashboard.letters_per_office(s, LETTER),
    "delivery states": lambda s: dashboard.delivery_states(s, LETTER),
    "dead letters (100 newest)": lambda s: dashboard.dead_letters(s, LETTER),
}


def report(db: Database, repeat: int, title: str) -> float:
    print(f"\n{title}")
    page = 0.0
    for name, work in QUERIES.items():
        seconds = timed(db, repeat, work)
        page += seconds
        print(f"  {name:38} {seconds * 1000:8.1f} ms")
    print(f"  {'one campaign page, all queries':38} {page * 1000:8.1f} ms "
          f"({'within' if page <= TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS * 1000:.0f} ms target)")
    now = datetime.now(UTC)
    with db.session() as session:
        dashboard.forget_breakdowns(session, BIG)
        dashboard.breakdowns(session, BIG, now=now)  # slow: kept for the next minute
    kept = timed(db, repeat, lambda s: (dashboard.campaign_counts(s, BIG), dashboard.breakdowns(s, BIG, now=now),
                                        dashboard.dead_letters(s, BIG)))
    print(f"  {'page again within the minute (kept)':38} {kept * 1000:8.1f} ms "
          f"({'within' if kept <= TARGET_SECONDS else 'OVER'} the target; the counts are counted afresh)")
    rows, size, seconds = export_all(db)
    print(f"  CSV export of {rows:,} signatures: {size / 1e6:.1f} MB in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--letters", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--extra-indexes", action="store_true", help="time again with the candidate indexes")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="advocacy-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(db)
        began = time.perf_counter()
        insert_actions(db, args.actions, rng)
        insert_letters(db, args.letters, rng)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"inserted {args.actions:,} actions and {args.letters:,} letters in {time.perf_counter() - began:.1f} s "
              f"(SQLite, {BIG}: {args.actions * 8 // 10:,} actions)")
        report(db, args.repeat, "existing indexes:")
        if args.extra_indexes:
            with db.engine.begin() as conn:
                for statement in CANDIDATE_INDEXES:
                    conn.exec_driver_sql(statement)
                conn.exec_driver_sql("ANALYZE")
            report(db, args.repeat, "with " + ", ".join(s.split()[2] for s in CANDIDATE_INDEXES) + ":")
        db.dispose()


if __name__ == "__main__":
    main()
