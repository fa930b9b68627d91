"""History events of publication (core.events)."""

from core.events import register_events
from core.subjects import register_hook
from notifications.selectors import APPLICANT, FILER
from notifications.services import STAGE

from .models import PublicationEventKind as K
from .selectors import published_outcomes_latest

register_events(app="publication", choices=K, audience={
    K.PUBLISHED: (APPLICANT, FILER, STAGE),
    K.WITHDRAWN: (APPLICANT, FILER, STAGE),
})

# The public portal's front page (policies) lists the latest outcomes.
register_hook("portal", "latest_outcomes", published_outcomes_latest)
