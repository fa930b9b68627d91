"""Production: PostgreSQL, Redis, gunicorn behind a reverse proxy.

Secrets have no default: a missing DJANGO_SECRET_KEY stops the start.
"""

from .base import *  # noqa: F403
from .base import REDIS_TRANSPORT_OPTIONS, env

DEBUG = False
DEMO_MODE = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A kept connection is checked before a request reuses it: after a database
# restart the first request of each process would otherwise fail with 500
# (https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No parallel plans for the site's queries (issue 19): a list page reads a
# few dozen rows off an index, and starting the workers cost more than the
# walk. At 1M cases the planner walked the search ?q=校舍 page's index with
# two workers, 112 ms (90 of them starting the workers) against 8 ms
# serially. DB_PARALLEL_WORKERS_PER_GATHER sets another number (PostgreSQL's
# max_parallel_workers_per_gather; its default is 2); an ``options`` given in
# DATABASE_URL wins.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "options", f"-c max_parallel_workers_per_gather={env.int('DB_PARALLEL_WORKERS_PER_GATHER', default=0)}")
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

WHITENOISE_USE_FINDERS = False

# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend"
)
