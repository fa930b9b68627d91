"""Benchmark of the reminder sweep's selection (issue 7).

Builds N open clocks with ``generate_cases`` (default 1,000,000) in a
database of its own, then times, on the same day and window:

- the bare indexed SQL that selects the due clocks
  (``status = 'running' AND due_date <= window end`` on clock_sweep_idx),
  fetched in full by the client;
- the sweep's selection: ``deadlines.selectors.reminder_candidates``, i.e.
  the same query through a server-side cursor in batches plus the decision
  of each clock's current reminder, calendar loading included;

and prints both, and the ratio (target: within 1.5x). ``--full`` also times
a real sweep (reminder rows and notifications written) and a second run
that finds everything sent.

Usage::

    .venv/bin/python bench/reminders.py                # 1,000,000 clocks
    .venv/bin/python bench/reminders.py --count 100000 --full

The database (``--database-url``, default rongcuo_bench on the local
PostgreSQL) is created if missing, migrated, and topped up to N synthetic
clocks; existing synthetic rows are reused.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/rongcuo_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--full", action="store_true",
                        help="also time a real sweep (empties and writes the reminder tables of that database)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    _ensure_database(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.DEBUG = False
    call_command("migrate", verbosity=0)

    from deadlines.models import Clock
    from deadlines.selectors import reminder_candidates, reminder_offsets, sweep_window_end
    from policies.calendar import WorkCalendar

    have = Clock.objects.filter(case__jurisdiction__code__startswith="synthetic-bench").count()
    if have < args.count:
        print(f"generating {args.count - have} cases and clocks (have {have}) ...", flush=True)
        t = time.perf_counter()
        call_command("generate_cases", count=args.count - have)
        print(f"  generated in {time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE deadlines_clock")

    today = timezone.localdate()
    offsets = reminder_offsets()
    window_end = sweep_window_end(today=today, calendar=WorkCalendar(), offsets=offsets)
    total = Clock.objects.count()
    sql = "SELECT id, due_date FROM deadlines_clock WHERE status = %s AND due_date <= %s"
    params = [Clock.Status.RUNNING, window_end]
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n    ".join(r[0] for r in cur.fetchall())

    def bare() -> int:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return len(cur.fetchall())

    def sweep_selection() -> int:
        cal = WorkCalendar()
        n = 0
        for batch in reminder_candidates(today=today, calendar=cal, offsets=offsets, batch_size=args.batch_size):
            n += len(batch)
        return n

    def timed(fn):
        fn()  # warm-up: caches and plans, not measured
        runs, rows = [], 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            rows = fn()
            runs.append(time.perf_counter() - t)
        return statistics.median(runs), rows

    t_bare, n_bare = timed(bare)
    t_sweep, n_sweep = timed(sweep_selection)
    print(f"clocks in table:        {total:,}")
    print(f"today / window end:     {today} / {window_end} (offsets {list(offsets)} working days)")
    print(f"due clocks selected:    {n_bare:,}")
    print(f"plan:\n    {plan}")
    print(f"bare indexed SQL:       {t_bare * 1000:9.1f} ms  (median of {args.repeat})")
    print(f"sweep selection:        {t_sweep * 1000:9.1f} ms  ({n_sweep:,} reminders due, batches of {args.batch_size})")
    ratio = t_sweep / t_bare if t_bare else float("inf")
    print(f"ratio sweep / bare:     {ratio:9.2f}x  (target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})")

    if args.full:
        from deadlines.services import reminder_sweep

        # The benchmark database is its own: start the real sweep from
        # "nothing sent yet today".
        with connection.cursor() as cur:
            cur.execute("TRUNCATE deadlines_reminder_recipients, deadlines_reminder, notifications_notification")

        t = time.perf_counter()
        first = reminder_sweep(today=today, batch_size=args.batch_size)
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        second = reminder_sweep(today=today, batch_size=args.batch_size)
        t_second = time.perf_counter() - t
        print(f"full sweep, first run:  {t_first:9.1f} s  ({first['sent']:,} reminders sent)")
        print(f"full sweep, second run: {t_second:9.1f} s  ({second['sent']:,} sent: everything was)")


def _ensure_database(url: str) -> None:
    """CREATE DATABASE if it does not exist (connects to ``postgres``)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
