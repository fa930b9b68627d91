"""pytest: real PostgreSQL and Redis (``make test`` makes sure they run)."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

SECRET_KEY = "test-only-key-not-secret-3b9e"
DEBUG = False
DEMO_MODE = True
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/rongcuo"
    )
}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
PRIVATE_STORAGE_ROOT = MEDIA_ROOT
AXES_FAILURE_LIMIT = 5
