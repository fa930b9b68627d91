import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("rongcuo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _whole_messages_on_the_filesystem_broker(sender, **kwargs):
    """make run's filesystem broker through config.broker (a consumer never
    reads a message half written). Decided on the final broker URL, whichever
    settings module set it."""
    if str(sender.conf.broker_url or "").startswith("filesystem://") and not sender.conf.broker_transport:
        sender.conf.broker_transport = "config.broker:Transport"
