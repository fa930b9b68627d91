"""``make run``: one machine, embedded database and broker, demo data."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DEMO_MODE = env.bool("DJANGO_DEMO_MODE", default=True)
# Dev-only key; production refuses to start without its own.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-dev-only-not-secret-7c1f0b2e")
ALLOWED_HOSTS = ["*"]
