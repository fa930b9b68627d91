"""History events written by deadlines on the case (core.events)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.events import register_events
from notifications.selectors import APPLICANT, FILER
from notifications.services import STAGE


class ClockEvent(models.TextChoices):
    # deadlines.services.clock_extension_grant
    EXTENDED = "deadline_extended", _("Time limit extended")


register_events(app="deadlines", choices=ClockEvent, audience={
    ClockEvent.EXTENDED: (APPLICANT, FILER, STAGE),
})
