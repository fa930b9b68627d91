"""Settings of the servers bench/scale.py starts: production's, on
loopback without TLS (the bench talks plain HTTP to 127.0.0.1), static files
from the app folders (no collectstatic), and the bench's bare view."""

from config.settings.production import *  # noqa: F403
from config.settings.production import CACHES, env

ROOT_URLCONF = "bench.scale_urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The two servers share one Redis: their caches must not mix.
CACHES["default"]["KEY_PREFIX"] = env("BENCH_NAME", default="bench")
