"""Fault bench (issue 20): side effects lost or doubled, deadlocks, recovery.

Starts a private PostgreSQL (port 55420) and Redis (56420, append-only as
in docker-compose.yml) in a temporary folder, then, with the production
settings, gunicorn on 127.0.0.1:8120, a Celery worker (prefork, two
children, restarted 2 s after it dies, as docker-compose and make run do)
and beat. Clients drive the real API over loopback with tokens: create a
case, upload a PDF, submit, unit forward, accept (an acceptance letter to
render; every step an event to notify). Phases:

1. calm: a few flows, the baseline step time;
2. parallel: several flows at once on one jurisdiction (deadlocks are
   counted in PostgreSQL's own log, 5xx answers by the clients);
3. worker kills: flows go on while the worker is killed (SIGKILL, the
   whole process group) and a pool child is killed; recovery is the time
   from the last kill until every letter is ready and every notification
   made;
4. Redis outage: Redis stopped for --outage seconds while flows go on;
   every step's time is recorded (target: none over 2 s), then the time
   until the backlog is delivered;
5. PostgreSQL restart (fast shutdown) while flows go on.

At the end it prints letters expected/ready/duplicated, notifications
expected/sent/duplicated, recovery seconds, deadlocks and the slowest step
during the outage, and stops everything it started. Run it by hand, not in
CI (about 10-15 minutes on two cores)::

    nice .venv/bin/python bench/faults.py [--flows 3] [--outage 60]

Only loopback addresses are used; every loop is bounded in count and time.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT, REDIS_PORT, WEB_PORT = 55420, 56420, 8120
HOST = "127.0.0.1"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {msg}", flush=True)


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


class Services:
    """The private PostgreSQL and Redis, and the app's processes."""

    def __init__(self, work: Path):
        self.work = work
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, object] = {}
        self.worker_wanted = True
        self.worker_restarts = 0
        self.env = dict(os.environ)
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECURE_SSL_REDIRECT="False",
            DATABASE_URL=f"postgres://postgres@{HOST}:{PG_PORT}/faults",
            REDIS_URL=f"redis://{HOST}:{REDIS_PORT}/0",
            DJANGO_VAR_DIR=str(work / "var"),
            DJANGO_MEDIA_ROOT=str(work / "media"),
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            DJANGO_EMAIL_FILE_PATH=str(work / "mail"),
        )

    # --- PostgreSQL ---------------------------------------------------------
    def pg_init(self) -> None:
        data = self.work / "pg"
        data.mkdir()
        shutil.chown(data, "postgres", "postgres")
        (self.work / "pglog").mkdir()
        shutil.chown(self.work / "pglog", "postgres", "postgres")
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], check=True, stdout=subprocess.DEVNULL)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {PG_PORT}\nlisten_addresses = '{HOST}'\nunix_socket_directories = '{data}'\n"
                       "deadlock_timeout = '1s'\nlog_lock_waits = on\nmax_connections = 60\n"
                       "shared_buffers = '64MB'\n")

    def pg(self, action: str) -> None:
        data = self.work / "pg"
        cmd = ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-t", "60",
               "-l", str(self.work / "pglog" / "pg.log")]
        if action == "stop":
            cmd += ["-m", "fast"]
        subprocess.run([*cmd, action], check=True, stdout=subprocess.DEVNULL)

    def deadlocks(self) -> int:
        path = self.work / "pglog" / "pg.log"
        return path.read_text(errors="replace").count("deadlock detected") if path.exists() else 0

    # --- Redis --------------------------------------------------------------
    def redis_start(self) -> None:
        (self.work / "redis").mkdir(exist_ok=True)
        self._start("redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", HOST, "--dir",
                              str(self.work / "redis"), "--appendonly", "yes", "--save", ""])
        wait_port(REDIS_PORT, 20)

    def redis_stop(self) -> None:
        proc = self.procs.pop("redis")
        proc.terminate()
        proc.wait(timeout=30)

    # --- the app ------------------------------------------------------------
    def _start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        if name not in self.logs:
            self.logs[name] = open(self.work / f"{name}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen(["nice", "-n", "5", *cmd], cwd=ROOT, env=self.env, stdout=self.logs[name],
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def manage(self, *args: str) -> None:
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def web_start(self) -> None:
        self._start("web", [PY, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{WEB_PORT}",
                            "--workers", "2", "--timeout", "60"])
        wait_port(WEB_PORT, 60)

    def beat_start(self) -> None:
        self._start("beat", [PY, "-m", "celery", "-A", "config.celery_app", "beat", "--loglevel=INFO", "--pidfile="])

    def worker_start(self) -> None:
        self._start("worker", [PY, "-m", "celery", "-A", "config.celery_app", "worker", "--loglevel=INFO",
                               "--concurrency=2", "--without-gossip", "--without-mingle", "--without-heartbeat",
                               "-n", f"faults-{os.getpid()}@%h"])

    def supervise_worker(self, stop: threading.Event) -> None:
        """Restart the worker 2 s after it dies (docker-compose's restart
        policy, make run's loop)."""
        while not stop.is_set():
            proc = self.procs.get("worker")
            if self.worker_wanted and (proc is None or proc.poll() is not None):
                time.sleep(2)
                if stop.is_set():
                    return
                self.worker_start()
                self.worker_restarts += 1
            stop.wait(0.5)

    def kill_worker(self) -> None:
        proc = self.procs["worker"]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def kill_worker_child(self) -> bool:
        proc = self.procs["worker"]
        out = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        children = [int(p) for p in out if int(p) != proc.pid and _is_celery(int(p))]
        # The nice wrapper execs, so the group leader is the main process.
        if not children:
            return False
        os.kill(children[-1], signal.SIGKILL)
        return True

    def stop_all(self) -> None:
        self.worker_wanted = False
        for name in ("web", "beat", "worker", "redis"):
            proc = self.procs.pop(name, None)
            if proc is None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            self.pg("stop")
        except subprocess.CalledProcessError:
            pass


def _is_celery(pid: int) -> bool:
    try:
        return b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


# --- clients -----------------------------------------------------------------



class Client:
    def __init__(self, token: str):
        self.token = token

    def post(self, path: str, body: dict | None = None, *, file: tuple[str, bytes] | None = None,
             key: str | None = None) -> tuple[int, dict, float]:
        headers = {"Authorization": f"Token {self.token}", "Idempotency-Key": key or uuid.uuid4().hex}
        if file is not None:
            boundary = uuid.uuid4().hex
            name, data = file
            payload = (
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nevidence\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: application/pdf\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            payload = json.dumps(body or {}).encode()
            headers["Content-Type"] = "application/json"
        start = time.monotonic()
        conn = http.client.HTTPConnection(HOST, WEB_PORT, timeout=90)
        try:
            conn.request("POST", path, body=payload, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            status = resp.status
        except OSError:
            status, raw = 0, b"{}"
        finally:
            conn.close()
        elapsed = time.monotonic() - start
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return status, data, elapsed


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.steps: list[dict] = []
        self.accepted: list[int] = []
        self.phase = "setup"

    def add(self, **row):
        with self.lock:
            self.steps.append({"phase": self.phase, **row})


def run_flow(clients: dict[str, Client], rec: Recorder, pdf: bytes, n: int) -> None:
    """One application through intake; each step retried (same
    Idempotency-Key) on a lost answer or a 5xx, at most 5 times in 60 s."""
    def step(name, who, path, body=None, file=None):
        key = uuid.uuid4().hex
        deadline = time.monotonic() + 60
        for attempt in range(5):
            status, data, secs = clients[who].post(path, body, file=file, key=key)
            rec.add(step=name, status=status, seconds=secs, attempt=attempt, at=time.time())
            if 200 <= status < 300:
                return data
            if 400 <= status < 500 or time.monotonic() > deadline:
                break
            time.sleep(1)
        raise RuntimeError(f"{name} failed: {status} {data}")

    case = step("create", "applicant", "/api/v1/cases/", {
        "origin": "individual", "title": f"故障测试申请 {n}", "matter": "先行先试的采购方式。",
        "matter_date": "2025-06-01", "impact": "工期延误二十天", "trigger": "群众来信",
        "accountability_considered": "诫勉谈话", "facts_reasons": "出于公心，经集体研究，未谋取私利。",
        "claimed_scenarios": clients["scenarios"],
    })
    cid = case["id"]
    step("upload", "applicant", f"/api/v1/cases/{cid}/attachments/", file=("证据.pdf", pdf))
    step("submit", "applicant", f"/api/v1/cases/{cid}/submit/")
    step("unit_forward", "unit_reviewer", f"/api/v1/cases/{cid}/unit_forward/",
         {"meeting_date": "2026-01-05", "participants": "王芳、李明", "opinion": "情况属实，同意报送。"})
    step("accept", "intake", f"/api/v1/cases/{cid}/accept/", {"reason": "材料齐全"})
    with rec.lock:
        rec.accepted.append(cid)


def run_flows(clients, rec, pdf, *, threads: int, per_thread: int, counter: list[int],
              until: float | None = None) -> int:
    """``threads`` clients each running up to ``per_thread`` flows (or
    until ``until``); returns the failures."""
    failures = []

    def worker():
        for _ in range(per_thread):
            if until is not None and time.monotonic() > until:
                return
            with rec.lock:
                counter[0] += 1
                n = counter[0]
            try:
                run_flow(clients, rec, pdf, n)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failures.append(str(exc)[:200])

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=900)
    for f in failures[:5]:
        log(f"  flow failed: {f}")
    return len(failures)


def _flows_until(clients, rec, pdf, counter, done: threading.Event) -> None:
    """Two clients running flows until ``done`` (at most 30 flows each)."""
    def loop():
        for _ in range(30):
            if done.is_set():
                return
            with rec.lock:
                counter[0] += 1
                n = counter[0]
            try:
                run_flow(clients, rec, pdf, n)
            except Exception as exc:  # noqa: BLE001 - counted in the 5xx figures
                log(f"  flow failed: {str(exc)[:200]}")

    pool = [threading.Thread(target=loop) for _ in range(2)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=900)


# --- what arrived ------------------------------------------------------------


WORK: list[Path] = []


def tally(case_ids: list[int]) -> dict:
    """What arrived for ``case_ids``. Notifications are counted per event
    (its notify task ran: the outbox row is done, and succeeded in the
    worker's log) and per recipient: a notice for him on the case naming
    this event or a later one (an unread notice of the same kind is updated
    rather than repeated, and a ready letter joins its step's notice)."""
    import re

    from django.db import close_old_connections

    from cases.models import CaseEvent
    from core.models import OutboxMessage
    from letters.models import Letter
    from notifications.models import Notification
    from notifications.selectors import AudienceCache, audience_users
    from notifications.services import event_audience

    close_old_connections()
    letters = list(Letter.objects.filter(case_id__in=case_ids, kind="acceptance").values_list("case_id", "status"))
    per_case: dict[int, int] = {}
    for cid, _status in letters:
        per_case[cid] = per_case.get(cid, 0) + 1
    ready = sum(1 for _cid, status in letters if status == Letter.Status.READY)
    events = list(CaseEvent.objects.filter(case_id__in=case_ids).select_related("case", "actor"))
    rows = {r.args[0]: r for r in OutboxMessage.objects.filter(task="notifications.case_event_notify")
            if r.args and r.args[0] in {e.pk for e in events}}
    log_text = (WORK[0] / "worker.log").read_text(errors="replace") if WORK else ""
    runs: dict[str, int] = {}
    for task_id in re.findall(r"notifications\.case_event_notify\[(outbox-\d+)\] succeeded", log_text):
        runs[task_id] = runs.get(task_id, 0) + 1
    notices: dict[tuple[int, int], list[int]] = {}
    for recipient, case_id, event_id in Notification.objects.filter(case_id__in=case_ids).values_list(
            "recipient_id", "case_id", "event_id"):
        notices.setdefault((recipient, case_id), []).append(event_id or 0)
    cache = AudienceCache()
    expected_pairs = missing_pairs = 0
    for event in events:
        users = audience_users(case=event.case, audience=event_audience(event), cache=cache)
        for uid in {getattr(u, "pk", u) for u in users} - {event.actor_id}:
            expected_pairs += 1
            seen = notices.get((uid, event.case_id), [])
            # A letter's notices join the notice of the step that issued it.
            joined = event.kind in ("letter_issued", "letter_ready") and seen
            if not joined and not any(e >= event.pk for e in seen):
                missing_pairs += 1
    done = [e for e in events if e.pk in rows and rows[e.pk].done_at and runs.get(f"outbox-{rows[e.pk].pk}")]
    kinds = list(Notification.objects.filter(case_id__in=case_ids, read_at__isnull=True).values_list(
        "recipient_id", "case_id", "kind"))
    return {
        "letters_expected": len(case_ids), "letters_ready": ready,
        "letters_duplicated": sum(c - 1 for c in per_case.values() if c > 1),
        "notify_expected": len(events), "notify_done": len(done),
        "notify_ran_twice": sum(n - 1 for tid, n in runs.items() if n > 1
                                and int(tid.split("-")[1]) in {r.pk for r in rows.values()}),
        "notices_expected": expected_pairs, "notices_missing": missing_pairs,
        "notices_duplicated": len(kinds) - len(set(kinds)),
    }


def safe_tally(case_ids: list[int]) -> dict:
    """``tally``, on a fresh connection when PostgreSQL was restarted under
    this process's kept one."""
    from django.db import OperationalError, connection

    for _attempt in range(30):
        try:
            return tally(case_ids)
        except OperationalError:
            connection.close()
            time.sleep(1)
    return tally(case_ids)


def wait_complete(case_ids: list[int], timeout: float) -> tuple[float | None, dict]:
    """Seconds until every letter is ready and every notification made
    (None if not within ``timeout``), and the last tally."""
    start = time.monotonic()
    while True:
        t = safe_tally(case_ids)
        if (t["letters_ready"] >= t["letters_expected"] and t["notify_done"] >= t["notify_expected"]
                and t["notices_missing"] == 0):
            return time.monotonic() - start, t
        if time.monotonic() - start > timeout:
            return None, t
        time.sleep(2)


def slowest(rec: Recorder, phase: str) -> tuple[float, str]:
    rows = [r for r in rec.steps if r["phase"] == phase]
    if not rows:
        return 0.0, "-"
    worst = max(rows, key=lambda r: r["seconds"])
    return worst["seconds"], f"{worst['step']} ({worst['status']})"


def errors(rec: Recorder, phase: str) -> int:
    return sum(1 for r in rec.steps if r["phase"] == phase and (r["status"] >= 500 or r["status"] == 0))


# --- main ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=3, help="flows per client thread in each phase")
    parser.add_argument("--threads", type=int, default=4, help="client threads in the parallel phase")
    parser.add_argument("--outage", type=int, default=60, help="seconds Redis is down")
    parser.add_argument("--kills", type=int, default=3, help="worker kills (SIGKILL of the whole worker)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) at the end")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="i20-faults-"))
    os.chmod(work, 0o755)
    svc = Services(work)
    WORK.append(work)
    stop = threading.Event()
    results: dict = {}
    try:
        log(f"work folder {work}")
        svc.pg_init()
        svc.pg("start")
        subprocess.run(["psql", "-h", HOST, "-p", str(PG_PORT), "-U", "postgres", "-qc", "CREATE DATABASE faults"],
                       check=True, stdout=subprocess.DEVNULL)
        svc.redis_start()
        os.environ.update(svc.env)
        log("migrate, load policies, users")
        svc.manage("migrate", "--noinput")
        svc.manage("load_policies")
        svc.manage("setup_periodic_tasks")
        import django

        django.setup()
        clients = _setup_users()
        from tests.files import PDF_BYTES

        svc.web_start()
        svc.beat_start()
        svc.worker_start()
        threading.Thread(target=svc.supervise_worker, args=(stop,), daemon=True).start()
        rec = Recorder()
        counter = [0]

        log("1. calm")
        rec.phase = "calm"
        failed = run_flows(clients, rec, PDF_BYTES, threads=1, per_thread=2, counter=counter)
        secs, t = wait_complete(list(rec.accepted), 180)
        results["calm"] = {"flows_failed": failed, "slowest_step_s": slowest(rec, "calm"),
                           "complete_after_s": secs, **t}
        log(f"   {results['calm']}")

        log(f"2. parallel: {args.threads} clients x {args.flows} flows on one jurisdiction")
        rec.phase = "parallel"
        dl0 = svc.deadlocks()
        before = len(rec.accepted)
        failed = run_flows(clients, rec, PDF_BYTES, threads=args.threads, per_thread=args.flows, counter=counter)
        results["parallel"] = {"flows": args.threads * args.flows, "flows_failed": failed,
                               "accepted": len(rec.accepted) - before, "deadlocks": svc.deadlocks() - dl0,
                               "errors_5xx": errors(rec, "parallel"), "slowest_step_s": slowest(rec, "parallel")}
        log(f"   {results['parallel']}")

        log(f"3. worker kills: {args.kills} SIGKILLs of the worker and one of a pool child, flows going on")
        rec.phase = "kills"
        start_ids = len(rec.accepted)
        kills_done = threading.Event()
        flows = threading.Thread(target=_flows_until, args=(clients, rec, PDF_BYTES, counter, kills_done))
        flows.start()
        child_killed = False
        for i in range(args.kills):
            # Right after an acceptance: its letter render and notifications
            # are queued or running when the worker dies.
            seen = len(rec.accepted)
            deadline = time.monotonic() + 60
            while len(rec.accepted) == seen and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(0.5)
            if i == 1:
                child_killed = svc.kill_worker_child()
                log("   pool child killed")
                time.sleep(3)
            svc.kill_worker()
            log(f"   worker killed ({i + 1})")
            time.sleep(4)  # the supervisor restarts it after 2 s
        last_kill = time.monotonic()
        kills_done.set()
        flows.join(timeout=900)
        secs, t = wait_complete(list(rec.accepted), 300)
        recovery = (time.monotonic() - last_kill) if secs is not None else None
        results["kills"] = {"accepted": len(rec.accepted) - start_ids, "child_killed": child_killed,
                            "worker_restarts": svc.worker_restarts, "errors_5xx": errors(rec, "kills"),
                            "recovery_s_after_last_kill": None if recovery is None else round(recovery, 1), **t}
        log(f"   {results['kills']}")

        log(f"4. Redis outage of {args.outage} s, flows going on")
        rec.phase = "outage"
        start_ids = len(rec.accepted)
        svc.redis_stop()
        outage_end = time.monotonic() + args.outage
        failed = run_flows(clients, rec, PDF_BYTES, threads=2, per_thread=50, counter=counter, until=outage_end)
        remaining = outage_end - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        worker_alive = svc.procs["worker"].poll() is None
        restarts_before = svc.worker_restarts
        svc.redis_start()
        back = time.monotonic()
        secs, t = wait_complete(list(rec.accepted), 300)
        results["outage"] = {
            "accepted_during_outage": len(rec.accepted) - start_ids, "flows_failed": failed,
            "steps": sum(1 for r in rec.steps if r["phase"] == "outage"),
            "errors_5xx": errors(rec, "outage"), "slowest_step_s": slowest(rec, "outage"),
            "worker_alive_through_outage": worker_alive,
            "worker_restarts_after": svc.worker_restarts - restarts_before,
            "delivered_s_after_redis_back": None if secs is None else round(time.monotonic() - back, 1), **t,
        }
        log(f"   {results['outage']}")

        log("5. PostgreSQL restart (fast), flows going on")
        rec.phase = "pg_restart"
        start_ids = len(rec.accepted)
        flows = threading.Thread(target=run_flows, args=(clients, rec, PDF_BYTES),
                                 kwargs={"threads": 2, "per_thread": 2, "counter": counter})
        flows.start()
        time.sleep(5)
        svc.pg("restart")
        flows.join(timeout=900)
        secs, t = wait_complete(list(rec.accepted), 300)
        results["pg_restart"] = {"accepted": len(rec.accepted) - start_ids, "errors_5xx": errors(rec, "pg_restart"),
                                 "complete_after_s": secs, **t}
        log(f"   {results['pg_restart']}")

        final = safe_tally(list(rec.accepted))
        results["total"] = {**final, "deadlocks": svc.deadlocks(), "worker_restarts": svc.worker_restarts,
                            "steps": len(rec.steps)}
        _report(results)
    finally:
        stop.set()
        svc.stop_all()
        if args.keep:
            log(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _setup_users() -> dict:
    """The demo organisation with a random password, as real (non-demo)
    users, and API tokens for the three roles of the flow."""
    from rest_framework.authtoken.models import Token

    from accounts.demo import build_demo_org
    from accounts.models import User
    from policies.models import Jurisdiction, PolicyVersion

    world = build_demo_org(password=secrets.token_urlsafe(16))
    for code in ("huailai", "kunming"):
        Jurisdiction.objects.filter(code=code, org_unit__isnull=True).update(org_unit=world["units"][code])
    User.objects.update(is_demo=False)
    clients = {who: Client(Token.objects.get_or_create(user=User.objects.get(username=who))[0].key)
               for who in ("applicant", "unit_reviewer", "intake")}
    version = (PolicyVersion.objects.filter(document__jurisdiction__code="huailai", status="published")
               .order_by("-effective_from").first())
    if version is None:
        raise RuntimeError("no published policy version for huailai (load_policies)")
    scenario = version.items.filter(kind="positive").order_by("number").first()
    clients["scenarios"] = [scenario.pk] if scenario else []
    return clients


def _report(results: dict) -> None:
    total, outage, kills = results["total"], results["outage"], results["kills"]
    lines = [
        "",
        "== faults.py results ==",
        f"letters expected/ready/duplicated:        {total['letters_expected']}/{total['letters_ready']}/"
        f"{total['letters_duplicated']}",
        f"notifications (events) expected/sent:    {total['notify_expected']}/{total['notify_done']}"
        f" (a task run twice: {total['notify_ran_twice']})",
        f"notices (recipients) expected/missing/duplicated: {total['notices_expected']}/"
        f"{total['notices_missing']}/{total['notices_duplicated']}",
        f"recovery after the last worker kill:     {kills['recovery_s_after_last_kill']} s (target <= 120)",
        f"deadlocks (PostgreSQL log):              {total['deadlocks']} (parallel phase: "
        f"{results['parallel']['deadlocks']})",
        f"slowest step during the Redis outage:    {outage['slowest_step_s'][0]:.2f} s "
        f"[{outage['slowest_step_s'][1]}] over {outage['steps']} steps (target < 2)",
        f"backlog delivered after Redis came back: {outage['delivered_s_after_redis_back']} s",
        f"worker alive through the outage:         {outage['worker_alive_through_outage']}",
        f"5xx answers: parallel {results['parallel']['errors_5xx']}, kills {kills['errors_5xx']}, "
        f"outage {outage['errors_5xx']}, PostgreSQL restart {results['pg_restart']['errors_5xx']}",
        f"worker restarts (by the supervisor):     {total['worker_restarts']}",
        "",
        json.dumps(results, ensure_ascii=False, default=str),
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
