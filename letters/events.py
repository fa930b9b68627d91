"""History events written by letters on the letter's owner (core.events).
The addressee learns his letter is ready to download; the steps that issue
letters already notify their own event."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.events import register_events
from core.subjects import register_hook
from notifications.selectors import APPLICANT, FILER

from . import services
from .models import LETTER_TITLES


class LetterEvent(models.TextChoices):
    ISSUED = services.EVENT_ISSUED, _("Letter issued")
    READY = services.EVENT_READY, _("Letter ready")
    FAILED = services.EVENT_FAILED, _("Letter failed to render")
    REGENERATED = services.EVENT_REGENERATED, _("Letter regenerated")


register_events(app="letters", choices=LetterEvent, audience={
    LetterEvent.ISSUED: (),
    LetterEvent.READY: (APPLICANT, FILER),
    LetterEvent.FAILED: (),
    LetterEvent.REGENERATED: (),
})

# Notifications name a ready letter by its kind's title.
register_hook("letter", "title", LETTER_TITLES.get)
