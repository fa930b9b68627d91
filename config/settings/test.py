"""pytest: real PostgreSQL and Redis (``make test`` makes sure they run)."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, REDIS_TRANSPORT_OPTIONS, env

# Several test runs may share one PostgreSQL and Redis (developers working
# side by side): each run gets its own test database and Celery queue. The
# id is put in the environment so that a worker subprocess shares it.
TEST_RUN_ID = os.environ.setdefault("RONGCUO_TEST_RUN", str(os.getpid()))

SECRET_KEY = "test-only-key-not-secret-3b9e"
DEBUG = False
DEMO_MODE = True
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/rongcuo"
    )
}
DATABASES["default"]["TEST"] = {"NAME": f"test_rongcuo_{TEST_RUN_ID}"}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_TASK_DEFAULT_QUEUE = f"test-{TEST_RUN_ID}"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
PRIVATE_STORAGE_ROOT = MEDIA_ROOT
AXES_FAILURE_LIMIT = 5
# Tests travel in time (deadlines): sessions must outlive the journey.
SESSION_COOKIE_AGE = 400 * 24 * 3600
