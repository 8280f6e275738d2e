"""Dashboard and export speed at a million signatures, and what the counters' triggers cost a signature.

Builds a temporary SQLite database migrated to 0013, inserts ACTIONS actions (most on one petition) and
LETTERS letter deliveries with bulk inserts in a bounded loop, then upgrades to 0014, whose backfill counts
them into the dashboard's running totals as a real upgrade would (loading through the triggers row by row
would only be slower). It then times each dashboard query (the median of --repeat runs), a whole campaign
page's queries, and a full streamed CSV export; then writes --unfolded more signatures through the triggers
(a busy minute's change-log rows, not folded yet), times the campaign page again, and times the fold.

``--trigger-cost`` instead times TRIGGER_ROWS signature inserts with and without the triggers (0014 vs 0013),
each in its own transaction as a signing request writes it, and all in one, and prints the microseconds
the triggers add per insert.

    .venv/bin/python bench/dashboard.py [--actions 1000000] [--letters 200000] [--repeat 3] [--unfolded 5000]
        [--trigger-cost]
"""

from __future__ import annotations

import argparse
import random
import shutil
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
from advocacy.services.counters import fold_counters  # noqa: E402

BIG, OTHER, LETTER = "big-petition", "small-petition", "letter-campaign"
CHUNK = 50_000  # rows per executemany
START = datetime(2026, 8, 1, tzinfo=UTC)
RIDINGS = [f"Riding {n:03d}" for n in range(124)]
SOURCES = ["", "", "", "newsletter", "facebook", "ally:friends"]
TARGET_SECONDS = 0.5  # a dashboard page should stay well under a second
TRIGGER_ROWS, TRIGGER_ROUNDS = 20_000, 3


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores UTC datetimes in SQLite


ACTION_SQL = ("INSERT INTO actions (campaign_slug, kind, status, email_key, canonical_key, first_name, last_name, "
              "postal_code, district, opt_in, source, lang, created_at, review, review_reason, review_note) "
              "VALUES (?, 'signature', ?, ?, ?, 'Ann', 'Lee', 'K1P5J2', ?, 0, ?, 'en', ?, ?, '', '')")


def action_row(n: int, rng: random.Random) -> tuple[object, ...]:
    """Signature n: 80% on the big petition; 8% pending, 2% in review."""
    slug = BIG if n % 10 < 8 else (OTHER if n % 10 == 8 else LETTER)
    roll = n % 50
    status, review = ("pending", "") if roll < 4 else ("confirmed", "pending" if roll < 5 else "")
    return (slug, status, f"s{n}@example.com", f"s{n}@example.com", rng.choice(RIDINGS), rng.choice(SOURCES),
            stamp(START + timedelta(seconds=rng.randrange(90 * 86400))), review)


def insert_actions(db: Database, total: int, rng: random.Random, first_number: int = 0) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for first in range(first_number, first_number + total, CHUNK):  # bounded: total / CHUNK rounds
            rows = [action_row(n, rng) for n in range(first, min(first + CHUNK, first_number + total))]
            cursor.execute("BEGIN")
            cursor.executemany(ACTION_SQL, rows)
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


def campaign_page(session: object) -> object:
    return (dashboard.campaign_counts(session, BIG), dashboard.breakdowns(session, BIG),
            dashboard.dead_letters(session, BIG))


def report_unfolded(db: Database, repeat: int, unfolded: int, first_number: int, rng: random.Random) -> None:
    """The campaign page while a busy minute's changes wait in the logs, and the fold that adds them in."""
    insert_actions(db, unfolded, rng, first_number)  # through the triggers: one change-log row each
    whole = timed(db, repeat, campaign_page)
    print(f"  {'the page with ' + format(unfolded, ',') + ' unfolded changes':38} {whole * 1000:8.1f} ms")
    began = time.perf_counter()
    with db.transaction() as session:
        folded = fold_counters(session)
    print(f"  {'fold of ' + format(folded, ',') + ' changes':38} {(time.perf_counter() - began) * 1000:8.1f} ms")


def report(db: Database, repeat: int) -> None:
    page = 0.0
    for name, work in QUERIES.items():
        seconds = timed(db, repeat, work)
        page += seconds
        print(f"  {name:38} {seconds * 1000:8.1f} ms")
    whole = timed(db, repeat, campaign_page)
    print(f"  {'one campaign page, all queries':38} {whole * 1000:8.1f} ms "
          f"({'within' if whole <= TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS * 1000:.0f} ms target)")
    rows, size, seconds = export_all(db)
    print(f"  CSV export of {rows:,} signatures: {size / 1e6:.1f} MB in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")


def insert_seconds(path: Path, rows: list[tuple[object, ...]], *, each_committed: bool) -> float:
    """CPU seconds (this process's, so other work on a shared machine barely moves it) to insert ``rows``."""
    db = Database(f"sqlite:///{path}")
    raw = db.engine.raw_connection()  # the engine's pragmas: WAL, synchronous=NORMAL
    try:
        cursor = raw.cursor()
        began = time.process_time()
        if each_committed:
            for row in rows:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute(ACTION_SQL, row)
                cursor.execute("COMMIT")
        else:
            cursor.execute("BEGIN IMMEDIATE")
            for row in rows:
                cursor.execute(ACTION_SQL, row)
            cursor.execute("COMMIT")
        return time.process_time() - began
    finally:
        raw.close()
        db.dispose()


def trigger_cost(tmp: Path) -> None:
    """Microseconds per signature insert without (0013) and with (0014) the counters' triggers."""
    rng = random.Random(7)
    rows = [action_row(n, rng) for n in range(TRIGGER_ROWS)]
    templates = {}
    for revision in ("0013", "0014"):
        templates[revision] = tmp / f"empty-{revision}.db"
        db = Database(f"sqlite:///{templates[revision]}")
        migrate.upgrade(db, revision)
        db.dispose()
    best: dict[tuple[bool, str], float] = {}
    for round_ in range(TRIGGER_ROUNDS):  # alternated, the best of each: the machine is shared
        for each_committed in (True, False):
            for revision, template in templates.items():
                path = tmp / f"round{round_}-{revision}-{each_committed}.db"
                shutil.copy(template, path)
                seconds = insert_seconds(path, rows, each_committed=each_committed) / len(rows)
                key = (each_committed, revision)
                best[key] = min(best.get(key, seconds), seconds)
    print(f"{TRIGGER_ROWS:,} signature inserts (SQLite WAL, synchronous=NORMAL; 8% pending, 2% in review), "
          f"CPU time, best of {TRIGGER_ROUNDS}:")
    for each_committed, label in ((True, "each in its own transaction"), (False, "all in one transaction")):
        without, with_ = best[(each_committed, "0013")] * 1e6, best[(each_committed, "0014")] * 1e6
        print(f"  {label:30} without triggers {without:6.1f} us, with {with_:6.1f} us: "
              f"+{with_ - without:.1f} us per insert (+{(with_ - without) / without:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--letters", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--unfolded", type=int, default=5_000, help="signatures written after the upgrade")
    parser.add_argument("--trigger-cost", action="store_true", help="time signature inserts with and without")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="advocacy-bench-") as tmp:
        if args.trigger_cost:
            trigger_cost(Path(tmp))
            return
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(db, "0013")
        began = time.perf_counter()
        insert_actions(db, args.actions, rng)
        insert_letters(db, args.letters, rng)
        print(f"inserted {args.actions:,} actions and {args.letters:,} letters in {time.perf_counter() - began:.1f} s "
              f"(SQLite, {BIG}: {args.actions * 8 // 10:,} actions)")
        began = time.perf_counter()
        migrate.upgrade(db)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"upgrade to 0014 (counters backfilled from those rows) in {time.perf_counter() - began:.1f} s")
        report(db, args.repeat)
        report_unfolded(db, args.repeat, args.unfolded, args.actions, rng)
        db.dispose()


if __name__ == "__main__":
    main()
