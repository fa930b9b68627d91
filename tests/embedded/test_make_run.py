"""make run's set-up itself (SQLite pass of make test only): bootstrap and
scripts/run.sh as a user starts them, driven over HTTP.

- without the letter fonts, everything still comes up and a letter fails
  with the message naming the package;
- two cases go through the whole workflow at once while beat runs every
  sweep every two seconds and a reader keeps asking for lists: no 500 and
  no "database is locked" in any log, every letter ready.
"""

import threading
import time
from pathlib import Path

import pytest

from . import workflow as w

pytestmark = [pytest.mark.embedded, pytest.mark.sqlite_only, pytest.mark.worker]


@pytest.fixture(scope="module")
def no_fonts(tmp_path_factory, django_db_setup):
    """A runtime folder bootstrapped with the letter fonts hidden: the
    system font folder and the prepared-font folder both empty.

    It starts from the schema of this run's test database, which
    pytest-django has just migrated from nothing on SQLite: bootstrap's
    migrate then has nothing to do, as on a second make run, and every other
    step (policies, demo data, beat schedule, fonts) runs in full. That
    keeps make test's SQLite pass short (a migrate from nothing costs ~20 s
    on a busy 2-core machine)."""
    from django.conf import settings

    root = tmp_path_factory.mktemp("embedded")
    w.copy_db(Path(settings.DATABASES["default"]["NAME"]), root / "var")
    (root / "system-fonts").mkdir()
    env = w.embedded_env(root / "var", LETTERS_SYSTEM_FONT_DIRS=str(root / "system-fonts"),
                         LETTERS_FONT_DIR=str(root / "prepared-fonts"))
    done = w.bootstrap(env)
    return root, env, done


def test_without_letter_fonts_everything_starts_and_letters_say_what_to_install(no_fonts):
    root, env, done = no_fonts
    said = done.stdout + done.stderr
    # Said once, with the package; bootstrap went on to the end.
    assert len([line for line in said.splitlines() if "fonts-arphic-uming" in line]) == 1, said
    assert "Set-up complete." in done.stdout
    data, _ = w.prepare_before_start(env)
    system = w.start(env, root / "var", w.free_port())
    try:
        system.data = data
        case_id, _ = w.file_and_accept(system, "无字体时的受理")
        letter = w.wait_letter(system, case_id, "acceptance")
        assert letter["status"] == "failed"
        assert "fonts-arphic-uming" in letter["error"] and "apt-get install" in letter["error"]
        assert system.proc.poll() is None  # server, worker and beat still running
        status, health = w.request(system, "GET", "/healthz", token=None)
        assert status == 200 and health["worker"]["ok"], health
        # Read before the stop: pool processes killed at the end of a test
        # may print a traceback of their own shutdown.
        worker_log = system.logs()["worker"]
    finally:
        system.stop()
    assert "Traceback" not in worker_log, worker_log[-3000:]


def test_two_whole_cases_at_once_under_beat_and_readers(no_fonts, tmp_path):
    root, _env, _done = no_fonts
    var = tmp_path / "var"
    w.clone_var(root / "var", var)
    env = w.embedded_env(var)  # the fonts make test prepared
    data, busy = w.prepare_before_start(env, beat_every=2)
    assert busy >= 5
    system = w.start(env, var, w.free_port())
    try:
        system.data = data
        done = threading.Event()
        results, errors, reads = {}, [], []

        def drive(title):
            try:
                results[title] = w.whole_workflow(system, title)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        def read():
            tokens = system.data["tokens"]
            while not done.is_set():
                for user, path in (("intake", "/api/v1/cases/"), ("supervisor", "/api/v1/cases/"),
                                   ("applicant", "/api/v1/notifications/"), ("intake", "/api/v1/letters/")):
                    status, _ = w.request(system, "GET", path, token=tokens[user])
                    reads.append(status)
                time.sleep(0.2)

        drivers = [threading.Thread(target=drive, args=(f"并发案件{i}",)) for i in (1, 2)]
        reader = threading.Thread(target=read)
        reader.start()
        for t in drivers:
            t.start()
        for t in drivers:
            t.join(timeout=180)
        done.set()
        reader.join(timeout=60)
        assert not errors, errors
        assert len(results) == 2 and reads and set(reads) <= {200}, set(reads)
        for case_id in results.values():
            kinds = set()
            for letter in w.letters(system, case_id):
                ready = w.wait_letter(system, case_id, letter["kind"])
                assert ready["status"] == "ready", ready
                kinds.add(letter["kind"])
            assert {"acceptance", "ruling"} <= kinds, kinds
        # Beat kept sending the sweeps meanwhile, and the worker ran them.
        time.sleep(2.5)
        running = system.logs()  # before the stop (see the test above)
    finally:
        system.stop()
    logs = system.logs()
    assert w.server_errors(logs) == []
    assert logs["beat"].count("Sending due task") >= 5, logs["beat"][-2000:]
    assert "deadlines.reminder_sweep" in logs["worker"]
    assert "Traceback" not in running["worker"] + running["server"], (running["worker"] + running["server"])[-4000:]
