from celery import shared_task


@shared_task(name="core.ping")
def ping(value: str) -> str:
    """Round-trip check: the worker echoes ``value`` back."""
    return f"pong:{value}"
