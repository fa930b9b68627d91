"""Benchmark of the pages at scale (issue 19): a small and a large database
served side by side, measured in one run.

- builds (or reuses and tops up) two PostgreSQL databases with
  ``generate_cases`` (default 1,000 and 1,000,000 cases);
- serves each with gunicorn (2 workers, production settings on loopback:
  bench/scale_settings.py);
- requests every list, queue, search, workbench, dashboard, portal and
  detail page as the synthetic province's staff (and an applicant),
  interleaved (page by page, small then large, ``--rounds`` times), and
  prints p50 / p99 per page and the ratio large / small;
- measures the case list API's requests per second against a bare view
  that runs one SQL query for the same page of rows and returns
  ``json.dumps`` of them (bench/scale_urls.py), on both databases;
- with ``--export``, times the CSV and Excel export of every case of the
  large database in a worker-like process (seconds, peak memory).

Usage (by hand, not CI; only loopback)::

    nice .venv/bin/python bench/scale.py                      # 1k and 1M
    nice .venv/bin/python bench/scale.py --large 200000 --rounds 20 --export

The databases are ``--small-db`` / ``--large-db`` on the local PostgreSQL;
existing synthetic cases are reused, so a second run only measures.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = "postgres://postgres@127.0.0.1:5432/"

# (label, path, user): users are generate_cases' synthetic staff of the
# whole province (they see every synthetic case) and one applicant.
PAGES = [
    ("case list API", "/api/v1/cases/", "intake"),
    ("case list HTML", "/cases/search/", "intake"),
    ("intake queue API", "/api/v1/cases/?queue=intake", "intake"),
    ("intake queue HTML", "/cases/intake/", "intake"),
    ("supervisor queue", "/reviews/supervisor/", "supervisor"),
    ("inspector queue", "/reviews/inspector/", "inspector"),
    ("committee queue", "/reviews/committee/", "committee"),
    ("workbench intake", "/", "intake"),
    ("workbench inspector", "/", "inspector"),
    ("workbench supervisor", "/", "supervisor"),
    ("workbench committee", "/", "committee"),
    ("dashboard HTML", "/dashboard/", "admin"),
    ("stats API", "/api/v1/stats/", "admin"),
    ("search ?q=校舍 (2 chars)", "/cases/search/?q=%E6%A0%A1%E8%88%8D", "intake"),
    ("search ?q=校舍改造 (4 chars)", "/cases/search/?q=%E6%A0%A1%E8%88%8D%E6%94%B9%E9%80%A0", "intake"),
    # A rare term of four characters (a name and 在: a few cases at 1M),
    # read off the bigram index by its pairs (cases.selectors.search_q).
    ("search ?q=王伟芳在 (4 chars, rare)", "/cases/search/?q=%E7%8E%8B%E4%BC%9F%E8%8A%B3%E5%9C%A8", "intake"),
    ("search API ?q=王", "/api/v1/cases/?q=%E7%8E%8B", "intake"),
    # A character in no generated case: outside the planner's statistics.
    ("search API ?q=琰 (in no case)", "/api/v1/cases/?q=%E7%90%B0", "intake"),
    ("my cases (applicant)", "/cases/mine/", "applicant"),
    ("case detail", "/cases/{case}/", "intake"),
    ("portal", "/public/outcomes/", None),
]

SESSIONS_SCRIPT = r"""
import json
from django.test import Client
from accounts.models import User
from cases.models import Case
out = {"count": 0}
if not User.objects.filter(username="synthetic-intake").exists():
    # A new database: generate_cases has not made the synthetic staff yet.
    print("SESSIONS" + json.dumps(out))
    raise SystemExit(0)
for role in ("intake", "inspector", "supervisor", "committee", "admin"):
    c = Client()
    c.force_login(User.objects.get(username=f"synthetic-{role}"))
    out[role] = c.cookies["sessionid"].value
applicant = (Case.objects.filter(jurisdiction__code__startswith="synthetic-bench")
             .order_by("-id").values_list("applicant_id", flat=True).first())
c = Client()
c.force_login(User.objects.get(pk=applicant))
out["applicant"] = c.cookies["sessionid"].value
out["case"] = (Case.objects.filter(jurisdiction__code__startswith="synthetic-bench")
               .exclude(stage="draft").order_by("-id").values_list("pk", flat=True).first())
out["count"] = Case.objects.filter(jurisdiction__code__startswith="synthetic-bench").count()
print("SESSIONS" + json.dumps(out))
"""

EXPORT_SCRIPT = r"""
import json, resource, tempfile, time
from accounts.models import User
from dashboard.services import export_write
user = User.objects.get(username="synthetic-admin")
out = {}
for fmt in ("csv", "xlsx"):
    seen = []
    t = time.perf_counter()
    with tempfile.TemporaryFile() as f:
        n = export_write(user=user, kind="cases", fmt=fmt, filters={}, out=f,
                         progress=lambda n: seen.append((n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
        size = f.tell()
    rss = [r for _n, r in seen] or [0]
    out[fmt] = {"rows": n, "seconds": round(time.perf_counter() - t, 1), "mb": round(size / 2**20, 1),
                "rss_mb_at_10pct": round(rss[len(rss) // 10] / 1024), "rss_mb_end": round(rss[-1] / 1024)}
print("EXPORT" + json.dumps(out))
"""


def env_for(db: str, name: str) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="bench.scale_settings", DATABASE_URL=PG + db, DJANGO_SECRET_KEY="bench-only",
               DJANGO_ALLOWED_HOSTS="127.0.0.1", REDIS_URL="redis://127.0.0.1:6379/13", BENCH_NAME=name,
               DJANGO_SECURE_SSL_REDIRECT="false", PYTHONPATH=str(ROOT),
               # The synthetic staff have no TOTP device; sessions are made for them.
               DJANGO_SECOND_FACTOR_FOR_STAFF="false")
    return env


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, input=stdin, text=True,
                            capture_output=True, check=False)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_database(db: str, count: int, env: dict) -> dict:
    import psycopg

    with psycopg.connect(PG + "postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone():
            conn.execute(f'CREATE DATABASE "{db}"')
    manage(env, "migrate", "-v0")
    info = json.loads(manage(env, "shell", "-v0", stdin=SESSIONS_SCRIPT).split("SESSIONS", 1)[1])
    if info["count"] < count:
        print(f"  {db}: generating {count - info['count']} cases (have {info['count']}) ...", flush=True)
        t = time.perf_counter()
        manage(env, "generate_cases", "--count", str(count - info["count"]))
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
        info = json.loads(manage(env, "shell", "-v0", stdin=SESSIONS_SCRIPT).split("SESSIONS", 1)[1])
    return info


def serve(env: dict, port: int) -> subprocess.Popen:
    log = open(ROOT / "var" / f"bench-scale-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--timeout", "300", "--access-logfile", "-"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _i in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    sys.exit(f"gunicorn on {port} did not start (see var/bench-scale-{port}.log)")


class Client:
    def __init__(self, port: int, sessions: dict):
        self.port = port
        self.sessions = sessions
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def get(self, path: str, user: str | None) -> tuple[float, int]:
        headers = {"Host": "127.0.0.1", "Accept-Language": "zh-hans"}
        if user:
            headers["Cookie"] = f"sessionid={self.sessions[user]}"
        t = time.perf_counter()
        try:
            self.conn.request("GET", path, headers=headers)
            response = self.conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            raise
        return time.perf_counter() - t, response.status


def throughput(port: int, sessions: dict, path: str, user: str | None, seconds: float, threads: int = 2) -> float:
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def run(i):
        client = Client(port, sessions)
        while time.perf_counter() < stop:
            client.get(path, user)
            done[i] += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    t = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.perf_counter() - t)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small-db", default="bench_i19_small")
    parser.add_argument("--large-db", default="bench_i19_large")
    parser.add_argument("--ports", default="8119,8219")
    # p99 of fewer than about a hundred requests is their slowest one: a
    # single stall of the machine then decides a page's ratio (at 50
    # rounds the inspector queue read 1.81x; at 200, 1.11x).
    parser.add_argument("--rounds", type=int, default=100,
                        help="requests per page and database, interleaved (p99 wants 100 or more)")
    parser.add_argument("--seconds", type=float, default=8.0, help="per throughput measurement")
    parser.add_argument("--repeats", type=int, default=3,
                        help="alternations of the list API and the bare view in the throughput measurement")
    parser.add_argument("--export", action="store_true", help="also time the export of every large case")
    parser.add_argument("--pages", default="",
                        help="measure only the pages whose label contains one of these comma-separated words "
                             "(default: every page)")
    parser.add_argument("--no-throughput", action="store_true", help="skip the list API's req/s measurement")
    args = parser.parse_args()
    words = [w.strip() for w in args.pages.split(",") if w.strip()]
    pages = [p for p in PAGES if not words or any(w in p[0] for w in words)]
    if not pages:
        sys.exit(f"--pages {args.pages!r} matches no page")
    (ROOT / "var").mkdir(exist_ok=True)
    ports = [int(p) for p in args.ports.split(",")]
    dbs = [("small", args.small_db, args.small, ports[0]), ("large", args.large_db, args.large, ports[1])]
    servers, clients, infos = [], {}, {}
    try:
        for name, db, count, port in dbs:
            env = env_for(db, f"{name}-{port}")
            print(f"{name}: {db}", flush=True)
            infos[name] = ensure_database(db, count, env)
            servers.append(serve(env, port))
            clients[name] = Client(port, infos[name])
        print(f"cases: small {infos['small']['count']}, large {infos['large']['count']}; "
              f"{args.rounds} rounds, interleaved", flush=True)
        times: dict[tuple[str, str], list[float]] = {}
        bad: dict[tuple[str, str], int] = {}
        for rnd in range(args.rounds + 1):  # the first round warms up
            for label, path, user in pages:
                for name in ("small", "large"):
                    seconds, status = clients[name].get(path.format(case=infos[name]["case"]), user)
                    if status != 200:
                        bad[(label, name)] = status
                    if rnd:
                        times.setdefault((label, name), []).append(seconds)
        print()
        print(f"| page | p50 {args.small // 1000}k | p99 {args.small // 1000}k | p50 large | p99 large | p99 ratio |")
        print("|---|---|---|---|---|---|")
        for label, _path, _user in pages:
            s, lg = times[(label, "small")], times[(label, "large")]
            status = bad.get((label, "large"), bad.get((label, "small")))
            flag = f" (HTTP {status})" if (
                (label, "small") in bad or (label, "large") in bad) else ""
            print(f"| {label}{flag} | {pct(s, 50) * 1000:.0f} ms | {pct(s, 99) * 1000:.0f} ms | "
                  f"{pct(lg, 50) * 1000:.0f} ms | {pct(lg, 99) * 1000:.0f} ms | {pct(lg, 99) / pct(s, 99):.2f}× |")
        print()
        for name, _db, _count, port in [] if args.no_throughput else dbs:
            # Alternated, so that a slower or faster spell of the machine
            # falls on both; each pair printed, then the ratio of the sums.
            apis, bares = [], []
            for _i in range(args.repeats):
                apis.append(throughput(port, infos[name], "/api/v1/cases/", "intake", args.seconds))
                bares.append(throughput(port, infos[name], "/bench/bare-cases/", "intake", args.seconds))
                print(f"{name}: case list API {apis[-1]:.1f} req/s, bare one-query view {bares[-1]:.1f} req/s, "
                      f"ratio {apis[-1] / bares[-1]:.3f}", flush=True)
            print(f"{name}: over {args.repeats} alternations, ratio {sum(apis) / sum(bares):.3f} "
                  f"(lowest pair {min(a / b for a, b in zip(apis, bares, strict=True)):.3f})", flush=True)
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            proc.wait(timeout=30)
    if args.export:
        env = env_for(args.large_db, "export")
        out = json.loads(manage(env, "shell", "-v0", stdin=EXPORT_SCRIPT).split("EXPORT", 1)[1])
        for fmt, r in out.items():
            print(f"export {fmt}: {r['rows']} rows in {r['seconds']} s, {r['mb']} MB, "
                  f"peak RSS {r['rss_mb_at_10pct']} MB at 10 % -> {r['rss_mb_end']} MB at the end")


if __name__ == "__main__":
    main()
