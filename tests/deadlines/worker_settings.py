"""Settings for the Celery worker of the deadlines integration test: the
test settings, plus e-mail to files (so the test reads what the worker
sent) and a queue of its own (so a worker started by another test does not
take these tasks)."""

from config.settings.test import *  # noqa: F403
from config.settings.test import env

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE")
