"""Settings for the Celery worker of the deadlines integration test: the
run's test settings (``RONGCUO_TEST_SETTINGS``: PostgreSQL + Redis, or SQLite
+ the filesystem broker), plus e-mail to files (so the test reads what the
worker sent) and a queue of its own (so a worker started by another test
does not take these tasks)."""

import importlib
import os

_base = importlib.import_module(os.environ.get("RONGCUO_TEST_SETTINGS", "config.settings.test"))
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = _base.env("EMAIL_FILE_PATH")
CELERY_TASK_DEFAULT_QUEUE = _base.env("CELERY_TASK_DEFAULT_QUEUE")
