"""The second pass of ``make test``: the tests marked ``embedded`` (worker,
beat, sweeps, letters, a whole case) on the set-up of ``make run``, SQLite
and Kombu's filesystem broker, with the options of ``base.SQLITE_OPTIONS``.

The test database is a file (not SQLite's in-memory default) so that the
worker and beat started by the tests share it; each run has its own file
and broker folders (by the run id, as in ``test``)."""

from .base import SQLITE_OPTIONS, VAR_DIR
from .test import *  # noqa: F403
from .test import TEST_RUN_ID

_run_dir = VAR_DIR / f"test-embedded-{TEST_RUN_ID}"
# Removed when the run ends (tests/conftest.py).
EMBEDDED_RUN_DIR = _run_dir
_db_file = str(_run_dir / "db.sqlite3")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # A worker started by a test opens the test database itself.
        "NAME": _db_file,
        "OPTIONS": dict(SQLITE_OPTIONS),
        "TEST": {"NAME": _db_file},
    }
}
REDIS_URL = ""
CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_run_dir / "broker" / "queue"),
    "data_folder_out": str(_run_dir / "broker" / "queue"),
    "control_folder": str(_run_dir / "broker" / "control"),
    "processed_folder": str(_run_dir / "broker" / "processed"),
    "store_processed": False,
    "polling_interval": 0.02,  # as base.py
}
CELERY_RESULT_BACKEND = "django-db"
for _sub in ("queue", "control", "processed"):
    (_run_dir / "broker" / _sub).mkdir(parents=True, exist_ok=True)
