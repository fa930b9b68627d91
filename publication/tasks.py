from celery import shared_task

from .services import publication_publish_due


@shared_task(name="publication.publish_due")
def publication_publish_due_task() -> int:
    """Beat, every minute: publish the scheduled publications that are due.
    Safe to run twice: the service publishes a row only while it is still
    scheduled, under its lock."""
    return publication_publish_due()
