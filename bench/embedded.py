"""Benchmark of make run's embedded set-up against production's (issue 14).

For each set-up, from a fresh runtime folder: ``manage.py bootstrap``, then
``scripts/run.sh`` (server, worker, beat) exactly as ``make run`` starts
them, then N times (default 20): file a case over the REST API, forward
it, accept it (the step that issues the acceptance letter) and time from
the moment the acceptance answered (its transaction committed) to the
letter being ready, polled through the API every 20 ms. Meanwhile a second
client drives whole cases through the workflow, one after another with a
pause of ``--load-pause`` seconds (concurrent writes), and
beat runs every sweep every five seconds (``--beat-every``), the load under
which SQLite used to say "database is locked".

Set-ups, side by side in one run:

- embedded: SQLite (WAL, BEGIN IMMEDIATE) + Kombu's filesystem broker;
- production: PostgreSQL (``--database-url``, created and dropped) + Redis
  (``--redis-url``).

Prints, per set-up, the median and p95 of the times, their ratio, and the
number of "database is locked" lines in the server, worker and beat logs
(target 0).

Usage::

    .venv/bin/python bench/embedded.py
    .venv/bin/python bench/embedded.py --runs 50 --port 8145
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.embedded import workflow as w  # noqa: E402


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(name: str, env: dict, var: Path, port: int, runs: int, beat_every: int, load_pause: float) -> dict:
    t0 = time.monotonic()
    w.bootstrap(env)
    if beat_every:
        w.busy_beat(env, every=beat_every)
    setup = time.monotonic() - t0
    system = w.start(env, var, port)
    times, load_cases, load_errors = [], [], []
    try:
        w.prepare(system)
        done = threading.Event()

        def load():
            i = 0
            while not done.is_set():
                i += 1
                try:
                    load_cases.append(w.whole_workflow(system, f"负载案件{i}"))
                except Exception as exc:  # noqa: BLE001 - counted and printed
                    load_errors.append(str(exc)[:300])
                # Unthrottled, the load outruns any two worker processes
                # (each case queues dozens of notification tasks) and the
                # timed letter waits behind the backlog.
                done.wait(load_pause)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        for i in range(runs):
            case_id, committed = w.file_and_accept(system, f"计时案件{i}")
            give_up = time.monotonic() + 120
            while True:
                found = [x for x in w.letters(system, case_id) if x["kind"] == "acceptance"]
                if found and found[0]["status"] != "pending":
                    break
                if time.monotonic() > give_up:
                    raise SystemExit(f"{name}: letter of case {case_id} not ready in 120 s")
                time.sleep(0.02)
            if found[0]["status"] != "ready":
                raise SystemExit(f"{name}: letter failed: {found[0]['error']}")
            times.append(time.monotonic() - committed)
            print(f"{name}: run {i + 1}: {times[-1]:.3f} s", file=sys.stderr, flush=True)
        done.set()
        loader.join(timeout=120)
    finally:
        system.stop()
    logs = system.logs()
    return {
        "name": name, "setup": setup, "median": statistics.median(times), "p95": _p95(times),
        "max": max(times), "locked": sum(text.count(w.LOCK_ERROR) for text in logs.values()),
        "errors": len(w.server_errors(logs)), "load_cases": len(load_cases), "load_errors": load_errors,
    }


def _database(url: str, *, drop: bool) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--port", type=int, default=8143, help="the embedded server; production uses the next")
    parser.add_argument("--beat-every", type=int, default=5, help="seconds between sweeps (0: the real schedule)")
    parser.add_argument("--load-pause", type=float, default=5.0,
                        help="seconds between the load's whole cases (at 1 s the load's notification tasks "
                             "outrun the embedded worker: about 18 tasks/s on 2 busy cores)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/rongcuo_bench_embedded")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--only", choices=["embedded", "production"])
    args = parser.parse_args()

    results = []
    work = Path(tempfile.mkdtemp(prefix="bench-embedded-"))
    try:
        if args.only != "production":
            var = work / "embedded"
            results.append(measure("embedded (SQLite + filesystem broker)", w.embedded_env(var), var,
                                   w.free_port(args.port), args.runs, args.beat_every, args.load_pause))
        if args.only != "embedded":
            _database(args.database_url, drop=False)
            try:
                var = work / "production"
                env = w.embedded_env(var, DATABASE_URL=args.database_url, REDIS_URL=args.redis_url)
                results.append(measure("production (PostgreSQL + Redis)", env, var, w.free_port(args.port + 1),
                                       args.runs, args.beat_every, args.load_pause))
            finally:
                _database(args.database_url, drop=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nCommitted step (acceptance) to its letter ready, {args.runs} runs, while a second client drives "
          f"whole cases and beat sweeps every {args.beat_every or 'scheduled'} s:\n")
    print(f"{'set-up':42} {'median':>8} {'p95':>8} {'max':>8} {'locked':>7} {'500s':>5} {'load cases':>11}")
    for r in results:
        print(f"{r['name']:42} {r['median']:7.3f}s {r['p95']:7.3f}s {r['max']:7.3f}s {r['locked']:7d} "
              f"{r['errors']:5d} {r['load_cases']:11d}")
        for err in r["load_errors"][:5]:
            print(f"    load error: {err}")
    if len(results) == 2:
        print(f"\nembedded / production: median {results[0]['median'] / results[1]['median']:.1f}x, "
              f"p95 {results[0]['p95'] / results[1]['p95']:.1f}x")


if __name__ == "__main__":
    main()
