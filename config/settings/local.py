"""``make run``: one machine, embedded database and broker, demo data."""

from kombu import Exchange, Queue

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DEMO_MODE = env.bool("DJANGO_DEMO_MODE", default=True)
# Dev-only key; production refuses to start without its own.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-dev-only-not-secret-7c1f0b2e")
ALLOWED_HOSTS = ["*"]

# One worker does everything here. Letters get a queue of their own, which
# the worker takes from in turn with the default one (kombu cycles through
# its queues), so that a letter never waits behind the notifications a busy
# office queues before it: ready within 3 s of its step (issue 14,
# bench/embedded.py). A worker started without -Q consumes both.
# Each queue its own routing key: two queues bound with the same key on one
# direct exchange would each get every message.
_exchange = Exchange("celery", type="direct")
CELERY_TASK_QUEUES = [Queue("celery", _exchange, routing_key="celery"),
                      Queue("letters", _exchange, routing_key="letters")]
CELERY_TASK_ROUTES = {"letters.letter_render": {"queue": "letters"}}
