import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from accounts.demo import DEMO_PASSWORD, build_demo_org
from cases.selectors import search_stats_forget
from core.pagination import count_estimates_forget

from .factories import make_policy_version

# Playwright's sync API runs an event loop in the test thread; Django then
# refuses ORM calls from it unless told they are safe (they are: tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_STORAGE_ROOT = settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test's database starts over, so must what is cached of one
    (the lists' kept count estimates, core.pagination: the same query's
    key in another test would answer with that test's count)."""
    cache.clear()
    count_estimates_forget()
    search_stats_forget()


@pytest.fixture
def world(db):
    """The demo org tree and users, with a published policy for 怀来县 and
    昆明市 (factory-made, so tests do not depend on the shipped catalogues)."""
    data = build_demo_org(password=DEMO_PASSWORD)
    units = data["units"]
    data["policy"] = make_policy_version(org_unit=units["huailai"], code="huailai", name="怀来县", prefix="怀")
    data["km_policy"] = make_policy_version(org_unit=units["kunming"], code="kunming", name="昆明市", prefix="昆")
    return data


@pytest.fixture
def users(world):
    return world["users"]


@pytest.fixture
def units(world):
    return world["units"]


def is_sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def worker_env() -> dict:
    """The environment of a worker (or beat) subprocess that shares this
    run's test database and broker: PostgreSQL + Redis (``config.settings.test``)
    or SQLite + the filesystem broker (``config.settings.test_sqlite``, whose
    paths follow from the run id in the environment)."""
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    # As pytest-django set it (--ds or pyproject); settings.SETTINGS_MODULE
    # is None under an override_settings.
    env["DJANGO_SETTINGS_MODULE"] = os.environ["DJANGO_SETTINGS_MODULE"]
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
                               f"{db['PORT'] or 5432}/{db['NAME']}")
        env["REDIS_URL"] = settings.REDIS_URL
    return env


def pytest_collection_modifyitems(config, items):
    """Tests marked ``sqlite_only`` (the make run set-up itself) run in the
    SQLite pass of make test only."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    keep = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def pytest_sessionfinish(session, exitstatus):
    """The SQLite pass's database file and broker folders go with its run."""
    import shutil

    from django.conf import settings

    run_dir = getattr(settings, "EMBEDDED_RUN_DIR", None)
    if run_dir is not None:
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_lifts_append_only():
    """Emptying the test database between transactional tests: on
    PostgreSQL a TRUNCATE, which the append-only triggers (core.history) do
    not see; on SQLite a DELETE per table, which they refuse. There the flush
    drops them first, and post_migrate (core.apps) puts them back after it:
    a test-database reset only, never the application's own writes."""
    # (through base: importing operations first is a circular import)
    from django.db.backends.sqlite3.base import DatabaseOperations

    from core.history import CHAINS

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        drops = [f"DROP TRIGGER IF EXISTS {chain.table}_{kind}"
                 for chain in CHAINS.values() if chain.table in tables for kind in ("no_update", "no_delete")]
        return drops + original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


# Set while the session's worker runs: a transactional test's flush then
# waits for the tasks that test sent it.
_SESSION_WORKER: list = []
# How long a flush waits for the worker: longer than any test's own task,
# short enough that a test which leaves a row "sent" on purpose (the outbox
# tests) costs little.
DRAIN_SECONDS = 10.0


def _drain_session_worker() -> None:
    """Wait until the session worker has run every outbox task that was
    sent (sent, not done): a task of the test just ended that is still
    running holds locks its next query extends, and the flush's TRUNCATE,
    taking every table in turn, then deadlocks with it (seen in CI:
    AccessExclusiveLock vs AccessShareLock). Tasks the worker itself sends
    go through the outbox too, so the loop sees them."""
    if not _SESSION_WORKER or _SESSION_WORKER[0].poll() is not None:
        return
    from core.models import OutboxMessage

    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        if not OutboxMessage.objects.filter(sent_at__isnull=False, done_at__isnull=True).exists():
            return
        time.sleep(0.05)


@pytest.fixture(scope="session", autouse=True)
def _flush_after_the_worker():
    """The flush after a transactional test runs once the worker is idle,
    and is tried again if PostgreSQL still chooses it as a deadlock's victim
    (a task of the worker's own, sent by no test, such as beat's relay)."""
    from django.db import OperationalError
    from django.test.testcases import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        _drain_session_worker()
        for attempt in range(5):
            try:
                return original(self)
            except Exception as exc:  # CommandError wraps the OperationalError
                cause = exc.__cause__ or exc
                if attempt == 4 or not (isinstance(cause, OperationalError) and "deadlock" in str(cause)):
                    raise
                time.sleep(0.2 * (attempt + 1))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TransactionTestCase, "_fixture_teardown", _fixture_teardown)
        yield


@pytest.fixture(scope="session")
def celery_worker_proc(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on this run's broker (Redis db 15,
    or the filesystem broker in the SQLite pass) against the test database. Tests that use it need ``transactional_db`` so that the worker
    sees committed rows."""
    from django.conf import settings

    env = worker_env()
    env.update(
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(ROOT / "var" / f"test-mail-{settings.TEST_RUN_ID}"),
    )
    from config.celery_app import app

    app.control.purge()
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / f"test-worker-{settings.TEST_RUN_ID}.log", "w")  # noqa: SIM115
    nodename = f"test-{settings.TEST_RUN_ID}@{socket.gethostname()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--loglevel=INFO",
         "--pool=solo", "--without-gossip", "--without-mingle", "-n", nodename,
         "-Q", settings.CELERY_TASK_DEFAULT_QUEUE],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    # A loaded machine (several niced runs on two cores) can take longer
    # than a minute to import the worker: TEST_WORKER_START_SECONDS.
    wait = int(os.environ.get("TEST_WORKER_START_SECONDS", "60"))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: see {log.name}")
        if app.control.ping(destination=[nodename], timeout=0.5):
            break
    else:
        proc.kill()
        raise RuntimeError(f"celery worker did not answer in {wait} s")
    _SESSION_WORKER.append(proc)
    yield proc
    _SESSION_WORKER.clear()
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests: run scripts/ensure_services.sh")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, live_server):
    context = _browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    # Every browser test also checks that no page broke the CSP (a blocked
    # inline script or style fails silently for the user).
    violations = []
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert violations == [], violations


@pytest.fixture
def login(page):
    """Log in through the login page as ``username``."""

    def _login(username, password=DEMO_PASSWORD):
        page.context.clear_cookies()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return _login

