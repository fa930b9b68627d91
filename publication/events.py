"""History events of publication (core.events)."""

from core.events import register_events
from notifications.selectors import APPLICANT, FILER
from notifications.services import STAGE

from .models import PublicationEventKind as K

register_events(app="publication", choices=K, audience={
    K.PUBLISHED: (APPLICANT, FILER, STAGE),
    K.WITHDRAWN: (APPLICANT, FILER, STAGE),
})
