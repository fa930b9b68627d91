"""Benchmark of the case export at scale (issue 19: "Export of 1M cases
≤ 60 s with flat memory").

Times, in one run, the CSV and Excel export of every case a synthetic
province admin sees, by the old path (``case_rows`` into the csv module /
openpyxl write-only: what the worker ran before) and by the new one
(PostgreSQL writes each row's text, ``exports.write_cases``), each in a
fresh process like a worker's, and prints seconds, rows per second, file
size and the process's peak RSS, sampled at each progress report (so a
flat line shows as the same figure at 10 % and at the end).

The database is one ``generate_cases`` filled (``bench/scale.py`` makes
them); the bench only reads it. Usage (by hand, not CI; loopback only)::

    nice .venv/bin/python bench/export.py --db bench_i19_large
    nice .venv/bin/python bench/export.py --db h36_scale_100k --paths new --profile new:xlsx

``--profile path:fmt`` prints that run's top functions (cProfile; the
times then include the profiler's overhead).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432/"


def child(path: str, fmt: str, username: str, profile: bool) -> None:
    import django

    django.setup()
    import resource
    import tempfile
    import time

    from django.db import connection
    from django.utils import translation
    from django.utils.translation import gettext as _

    from accounts.models import User
    from dashboard import exports

    translation.activate("zh-hans")
    user = User.objects.get(username=username)
    qs = exports.case_export_queryset(user=user, filters={})
    total = qs.count()
    samples = []

    def progress(n: int) -> None:
        # The worker's progress report is one UPDATE of the export row; a
        # round trip stands in for it (the bench writes nothing).
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s", [n])
        samples.append((n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))

    def run(out):
        if path == "old":
            return exports.WRITERS[fmt](out, [(_("Cases"), exports.case_headers(), exports.case_rows(qs))], progress)
        return exports.write_cases(out, fmt, qs, progress)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryFile() as out:
        db_cpu = backend_cpu(backend)
        cpu = time.process_time()
        t = time.perf_counter()
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            rows = profiler.runcall(run, out)
        else:
            rows = run(out)
        seconds = time.perf_counter() - t
        cpu = time.process_time() - cpu
        db_cpu = backend_cpu(backend) - db_cpu
        size = out.seek(0, 2)
    at_10 = next((rss for n, rss in samples if n >= total / 10), rss_start)
    result = {"rows": rows, "total": total, "seconds": round(seconds, 1), "cpu": round(cpu, 1),
              "db_cpu": round(db_cpu, 1), "mb": round(size / 2**20, 1),
              "rss_start": round(rss_start / 1024), "rss_10pct": round(at_10 / 1024),
              "rss_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
              "reports": len(samples)}
    print("RESULT" + json.dumps(result), flush=True)
    if profile:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def backend_cpu(pid: int) -> float:
    """CPU seconds the PostgreSQL backend ``pid`` has used (user + system,
    /proc: the bench runs beside its database). With the process's own CPU
    time, a figure the other loads of a shared machine do not inflate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def env_for(db: str) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="bench.scale_settings", DATABASE_URL=PG + db, DJANGO_SECRET_KEY="bench-only",
               DJANGO_ALLOWED_HOSTS="127.0.0.1", REDIS_URL="redis://127.0.0.1:6379/13", BENCH_NAME="export",
               DJANGO_SECURE_SSL_REDIRECT="false", PYTHONPATH=str(ROOT), DJANGO_SECOND_FACTOR_FOR_STAFF="false")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a database generate_cases filled (read only)")
    parser.add_argument("--user", default="synthetic-admin")
    parser.add_argument("--paths", default="old,new", help="old, new or both")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--profile", default="", help="path:fmt to profile, e.g. new:xlsx")
    parser.add_argument("--child", nargs=2, metavar=("PATH", "FMT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.user, args.profile == ":".join(args.child))
        return
    results = []
    for fmt in args.formats.split(","):
        for path in args.paths.split(","):  # old and new side by side, per format
            proc = subprocess.run([sys.executable, __file__, "--db", args.db, "--user", args.user,
                                   "--profile", args.profile, "--child", path, fmt],
                                  cwd=ROOT, env=env_for(args.db), text=True, capture_output=True, check=False)
            if proc.returncode or "RESULT" not in proc.stdout:
                sys.exit(f"{path} {fmt} failed:\n{proc.stdout}\n{proc.stderr}")
            r = json.loads(proc.stdout.split("RESULT", 1)[1])
            if args.profile == f"{path}:{fmt}":
                print(proc.stderr)
            results.append((path, fmt, r))
            print(f"{fmt} {path}: {r['rows']} rows in {r['seconds']} s ({r['rows'] / max(r['seconds'], 0.01):,.0f}"
                  f" rows/s; CPU {r['cpu']} s here, {r['db_cpu']} s in PostgreSQL), {r['mb']} MB; RSS {r['rss_start']} MB before, {r['rss_10pct']} MB at 10 %, "
                  f"peak {r['rss_peak']} MB; {r['reports']} progress reports", flush=True)
    print()
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} CPUs: the seconds are wall-clock on this machine as "
          "it is; the CPU columns are what the export itself used)")
    print("| format | path | rows | seconds | per 1M rows | CPU worker / PostgreSQL | CPU per 1M rows | file MB "
          "| RSS at 10 % | peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path, fmt, r in results:
        scale = 1_000_000 / max(r["rows"], 1)
        print(f"| {fmt} | {path} | {r['rows']:,} | {r['seconds']} | {r['seconds'] * scale:.0f} s | "
              f"{r['cpu']} s / {r['db_cpu']} s | {r['cpu'] * scale:.0f} s / {r['db_cpu'] * scale:.0f} s | {r['mb']} | "
              f"{r['rss_10pct']} MB | {r['rss_peak']} MB |")


if __name__ == "__main__":
    main()
