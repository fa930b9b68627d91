"""Drive ``make run``'s set-up from outside, as its users do: bootstrap a
runtime folder, start ``scripts/run.sh`` (server, worker, beat), take cases
through the whole workflow over HTTP (the REST API, token auth).

Shared by the SQLite-pass tests (tests/embedded/) and ``bench/embedded.py``.
Standard library only: the bench runs with nothing but ``requirements.txt``.
"""

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A real one-page PDF (the upload check opens it): tests/files.py's, here as
# bytes so that this module needs nothing but the standard library.
PDF_BYTES = (
    b'%PDF-1.3\n%\xbf\xf7\xa2\xfe\n1 0 obj\n<< /Pages 2 0 R /Type /Catalog >>\nendobj\n2 0 obj\n<< /Coun'
    b't 1 /Kids [ 3 0 R ] /Type /Pages >>\nendobj\n3 0 obj\n<< /Contents 4 0 R /MediaBox '
    b'[ 0 0 595 842 ] /Parent 2 0 R /Resources << >> /Type /Page >>\nendobj\n4 0 obj\n<< '
    b'/Length 0 >>\nstream\n\nendstream\nendobj\nxref\n0 5\n0000000000 65535 f \n0000000015 00'
    b'000 n \n0000000064 00000 n \n0000000123 00000 n \n0000000229 00000 n \ntrailer << /R'
    b'oot 1 0 R /Size 5 /ID [<31415926535897932384626433832795><3141592653589793238462'
    b'6433832795>] >>\nstartxref\n278\n%%EOF\n'
)
# What a log must never contain.
LOCK_ERROR = "database is locked"

# Tokens for the demo users, and the ids a workflow needs (policy items of
# the 怀来县 catalogue, the assessment's built-in judgements).
SETUP = r"""
import json
from rest_framework.authtoken.models import Token
from accounts.models import User
from policies.models import PolicyItem
from policies.selectors import policy_version_in_force
from accounts.models import OrgUnit
from reviews.selectors import BUILTIN_DISTINCTIONS, BUILTIN_FACTORS
from django.utils import timezone

users = {u.username: u for u in User.objects.all()}
unit = OrgUnit.objects.get(name="怀来县教育局")
version = policy_version_in_force(org_unit=unit, on_date=timezone.localdate())
items = lambda kind: list(version.items.filter(kind=kind).order_by("number").values_list("pk", flat=True))
print("SETUP" + json.dumps({
    "tokens": {name: Token.objects.get_or_create(user=u)[0].key for name, u in users.items()},
    "ids": {name: u.pk for name, u in users.items()},
    "positive": items("positive"), "condition": items("condition"), "result_use": items("result_use"),
    # The catalogue's own distinctions and factors, else the built-in ones
    # (reviews.selectors.assessment_form_items).
    "distinctions": [str(pk) for pk in items("distinction")] or [k for k, _ in BUILTIN_DISTINCTIONS],
    "factors": [str(pk) for pk in items("factor")] or [k for k, _ in BUILTIN_FACTORS],
}))
"""

# Every beat entry every few seconds, so that the sweeps run while the
# cases move (the load under which SQLite used to say "database is locked").
BUSY_BEAT = r"""
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every, _ = IntervalSchedule.objects.get_or_create(every=%d, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.update(interval=every, crontab=None)
print("BEAT", PeriodicTask.objects.filter(interval=every).count())
"""


def free_port(preferred: int | None = None) -> int:
    if preferred:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def embedded_env(var_dir: Path, **extra) -> dict:
    """make run's environment (config.settings.local: SQLite in ``var_dir``,
    the filesystem broker), whatever this process runs on."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "RONGCUO_TEST_RUN")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_VAR_DIR=str(var_dir), **extra)
    return env


def manage(env: dict, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def bootstrap(env: dict) -> subprocess.CompletedProcess:
    done = manage(env, "bootstrap")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def clone_var(source: Path, target: Path) -> None:
    """A bootstrapped runtime folder copied (the database only: the broker
    and logs start empty). Through SQLite's backup API: in WAL mode the last
    commits may still be in the -wal file beside the database."""
    copy_db(source / "db.sqlite3", target)


def copy_db(source_file: Path, target: Path) -> None:
    """An SQLite database copied as ``target``/db.sqlite3 (the backup API: a
    consistent copy, with what the -wal file holds)."""
    target.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source_file)
    dst = sqlite3.connect(target / "db.sqlite3")
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def shell(env: dict, script: str, marker: str):
    done = manage(env, "shell", "-c", script)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith(marker))
    return line[len(marker):]


@dataclass
class System:
    """scripts/run.sh running: server, worker, beat."""

    env: dict
    var_dir: Path
    port: int
    proc: subprocess.Popen
    out_path: Path
    data: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> dict[str, str]:
        paths = {"server": self.out_path, **{p.stem: p for p in (self.var_dir / "log").glob("*.log")}}
        return {name: p.read_text(errors="replace") if p.exists() else "" for name, p in paths.items()}

    def stop(self, grace: float = 3.0) -> None:
        """TERM to run.sh and its processes, as Ctrl-C does; whatever still
        runs after ``grace`` seconds is killed (the worker's warm shutdown
        takes ten seconds and more on a busy machine, and the logs are
        written by then)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)


def start(env: dict, var_dir: Path, port: int, timeout=90) -> System:
    """Start run.sh and wait until /healthz is 200 (database, broker and a
    worker answering) and beat has started."""
    out_path = var_dir / "run.out"
    out = open(out_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(["./scripts/run.sh"], cwd=ROOT, env={**env, "PORT": str(port)}, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    system = System(env=env, var_dir=var_dir, port=port, proc=proc, out_path=out_path)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError("run.sh exited:\n" + "\n".join(f"--- {k}\n{v[-3000:]}" for k, v in system.logs().items()))
        status, _ = request(system, "GET", "/healthz", token=None)
        beat = (var_dir / "log" / "beat.log")
        if status == 200 and beat.exists() and "beat: Starting" in beat.read_text():
            return system
        if time.monotonic() > deadline:
            system.stop()
            raise AssertionError(f"not up in {timeout} s (healthz {status}):\n" + "\n".join(
                f"--- {k}\n{v[-3000:]}" for k, v in system.logs().items()))
        time.sleep(0.3)


def request(system: System, method: str, path: str, body=None, *, token: str | None, files=None):
    """(status, parsed JSON or text). ``files``: {field: (name, bytes, type)}
    sends multipart."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None
    if files:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (body or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content, ctype) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: {ctype}\r\n\r\n".encode() + content + b"\r\n")
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(system.base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, raw, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, raw, ctype = exc.code, exc.read(), exc.headers.get("Content-Type", "")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None
    if "json" in ctype:
        return status, json.loads(raw or b"null")
    return status, raw.decode(errors="replace")


def prepare(system: System) -> dict:
    system.data = json.loads(shell(system.env, SETUP, "SETUP"))
    return system.data


def prepare_before_start(env: dict, beat_every: int | None = None) -> tuple[dict, int]:
    """What ``prepare`` and ``busy_beat`` do, in one process before run.sh
    starts (one Django start-up less). Returns (the data for
    ``System.data``, the number of beat entries made busy)."""
    script = (BUSY_BEAT % beat_every if beat_every else 'print("BEAT 0")') + SETUP
    done = manage(env, "shell", "-c", script)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    beat = int(next(line for line in lines if line.startswith("BEAT"))[len("BEAT"):])
    return json.loads(next(line for line in lines if line.startswith("SETUP"))[len("SETUP"):]), beat


def busy_beat(env: dict, every: int = 2) -> int:
    return int(shell(env, BUSY_BEAT % every, "BEAT"))


class StepFailed(AssertionError):
    pass


def _step(system, user, method, path, body=None, expect=(200, 201), **kw):
    status, data = request(system, method, path, body, token=system.data["tokens"][user], **kw)
    if status not in expect:
        raise StepFailed(f"{user} {method} {path}: {status} {data}")
    return data


def letters(system: System, case_id: int, user="intake") -> list[dict]:
    data = _step(system, user, "GET", f"/api/v1/cases/{case_id}/letters/")
    return data["results"] if isinstance(data, dict) else data


def wait_letter(system: System, case_id: int, kind: str, timeout=60.0) -> dict:
    """The letter ``kind`` of the case once it is no longer pending."""
    deadline = time.monotonic() + timeout
    while True:
        found = [x for x in letters(system, case_id) if x["kind"] == kind]
        if found and found[0]["status"] != "pending":
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"letter {kind} of case {case_id} still pending after {timeout} s: {found}")
        time.sleep(0.05)


def file_and_accept(system: System, title: str) -> tuple[int, float]:
    """File a case as the demo applicant, forward it, accept it: the step
    that issues the acceptance letter. Returns (case id, the moment the
    acceptance answered)."""
    d = system.data
    case = _step(system, "applicant", "POST", "/api/v1/cases/", {
        "origin": "individual", "title": title, "matter": "2025年校舍改造中先行先试采购方式。",
        "matter_date": "2025-06-01", "impact": "工期延误二十天", "trigger": "群众来信",
        "accountability_considered": "诫勉谈话", "facts_reasons": "出于公心，经集体研究，未谋取私利。",
        "claimed_scenarios": d["positive"][:1],
    })
    url = f"/api/v1/cases/{case['id']}/"
    _step(system, "applicant", "POST", url + "attachments/", {"kind": "evidence"},
          files={"file": ("证据.pdf", PDF_BYTES, "application/pdf")})
    _step(system, "applicant", "POST", url + "submit/", {})
    _step(system, "unit_reviewer", "POST", url + "unit_forward/", {
        "meeting_date": "2026-01-05", "participants": "王芳、李明", "opinion": "情况属实，同意报送。"})
    _step(system, "intake", "POST", url + "accept/", {"reason": "材料齐全"})
    return case["id"], time.monotonic()


def whole_workflow(system: System, title: str) -> int:
    """One case from draft to closed: filing, unit review, intake (with a
    supplement request), verification, defence waived, deliberation and
    ruling, correction and clarification skipped, closing. Returns its id."""
    d = system.data
    case = _step(system, "applicant", "POST", "/api/v1/cases/", {
        "origin": "individual", "title": title, "matter": "2025年校舍改造中先行先试采购方式。",
        "matter_date": "2025-06-01", "impact": "工期延误二十天", "trigger": "群众来信",
        "accountability_considered": "诫勉谈话", "facts_reasons": "出于公心，经集体研究，未谋取私利。",
        "claimed_scenarios": d["positive"][:1],
    })
    url = f"/api/v1/cases/{case['id']}/"
    _step(system, "applicant", "POST", url + "attachments/", {"kind": "evidence"},
          files={"file": ("证据.pdf", PDF_BYTES, "application/pdf")})
    _step(system, "applicant", "PATCH", url, {"impact": "工期延误二十天，未造成损失"})
    _step(system, "applicant", "POST", url + "submit/", {})
    _step(system, "unit_reviewer", "POST", url + "unit_forward/", {
        "meeting_date": "2026-01-05", "participants": "王芳、李明", "opinion": "情况属实，同意报送。"})
    _step(system, "intake", "POST", url + "request_supplement/", {"missing": "会议纪要原件"})
    _step(system, "applicant", "POST", url + "supplement/", {"answer": "已补充会议纪要原件"})
    _step(system, "intake", "POST", url + "accept/", {"reason": "材料齐全"})
    ids = d["ids"]
    _step(system, "supervisor", "POST", url + "assign/", {"inspectors": [ids["inspector1"], ids["inspector2"]]})
    _step(system, "inspector1", "POST", url + "record_interview/", {
        "person": "张伟", "held_on": "2026-01-06", "summary": "本人陈述采购经过。"})
    _step(system, "inspector1", "POST", url + "assess/", {
        "conditions": {str(pk): {"met": True, "reason": "经核实属实"} for pk in d["condition"]},
        "positive_item": d["positive"][0], "negative_items": [],
        "negative_note": "经逐项比对，负面清单所列情形均不适用。",
        "distinctions": {k: "属于先行先试" for k in d["distinctions"]},
        "factors": {k: "情节轻微" for k in d["factors"]}})
    _step(system, "inspector2", "POST", url + "preliminary_report/", {
        "recommended_result": "exempt", "summary": "符合容错条件。"})
    _step(system, "applicant", "POST", url + "waive_defence/", {})
    # Every member of 怀来县's committee present (its quorum counts them all).
    names = sorted(n for n in ids if n.startswith("committee"))
    members = [ids[n] for n in names]
    _step(system, "committee1", "POST", url + "deliberate/", {
        "held_on": "2026-01-08", "members_present": members,
        "votes": [{"member": m, "result": "exempt", "opinion": "同意"} for m in members]})
    # A vote recorded by the minute-taker counts once its member confirmed it.
    for member in names[1:]:
        _step(system, member, "POST", url + "confirm_vote/", {})
    _step(system, "committee2", "POST", url + "rule/", {
        "result": "exempt", "reasons": "符合容错条件。", "applied_items": d["positive"][:1],
        # The catalogue's first result use where it has one (怀来县's has none
        # since its uses stopped being copied from 昆明市's, issue 16).
        "uses": [{"item": pk, "duration_months": 3} for pk in d["result_use"][:1]]})
    _step(system, "committee1", "POST", url + "skip_correction/", {"reason": "免予问责，无需纠错。"})
    _step(system, "supervisor", "POST", url + "skip_clarification/", {"reason": "无需澄清。"})
    closed = _step(system, "inspector1", "POST", url + "close/", {"reason": "办结。"})
    assert closed.get("stage") == "closed", closed
    return case["id"]


def server_errors(logs: dict[str, str]) -> list[str]:
    """Lines that say a request failed with a 500 or the database was locked
    (a 503 of /healthz while the worker starts is its answer, not a failure)."""
    bad = re.compile(r'" 500 \d+$|Internal Server Error|' + LOCK_ERROR, re.IGNORECASE)
    return [f"{name}: {line}" for name, text in logs.items() for line in text.splitlines() if bad.search(line)]
