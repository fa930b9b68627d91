"""The pre-filing as a subject of the infrastructure (core.subjects), its
history events and who hears of them (core.events), and the case event it
writes when a case cites a filing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.events import register_events, subscribe
from core.subjects import Subject, register_subject
from core.tasks import enqueue
from notifications.selectors import APPLICANT, FILER
from notifications.services import STAGE

from . import selectors, services, tasks
from .models import PreFilingEventKind as P


class CaseEventKind(models.TextChoices):
    PREFILING_CITED = services.CASE_EVENT_CITED, _("Pre-filing cited")


register_events(app="prefilings", choices=CaseEventKind, audience={
    CaseEventKind.PREFILING_CITED: (APPLICANT, FILER, STAGE),
})

UNIT, INTAKE, INSPECTORS = services.UNIT, services.INTAKE, services.INSPECTORS
# Who hears of each event of a filing (the actor never does); the tokens
# are this app's (services._audience).
register_events(app="prefilings", subject="prefiling", choices=P, audience={
    P.CREATED: (),
    P.EDITED: (),
    P.SUBMITTED: (INTAKE,),
    P.SUPPLEMENT_REQUESTED: (UNIT,),
    P.SUPPLEMENT_ANSWERED: (INTAKE,),
    P.REGISTERED: (UNIT, INSPECTORS),
    P.REFUSED: (UNIT,),
    P.PROGRESS_REPORTED: (),
    P.WARNING_RAISED: (UNIT, INSPECTORS),
    P.WARNING_RESOLVED: (UNIT,),
    P.EVALUATED: (INSPECTORS,),
    P.CITED: (UNIT,),
    P.ATTACHMENT_ADDED: (),
    P.ATTACHMENT_REMOVED: (),
    P.LETTER_ISSUED: (),
    P.LETTER_READY: (),
    P.LETTER_FAILED: (),
    P.LETTER_REGENERATED: (),
    # A supervisor extended one of its clocks: the unit and intake keep to the new date.
    P.DEADLINE_EXTENDED: (UNIT, INTAKE),
})

register_subject(Subject(
    name="prefiling", model="prefilings.PreFiling",
    get_for_user=lambda user, pk: selectors.prefiling_get_for_user(user=user, prefiling_id=pk),
    visible=lambda user: selectors.prefiling_list_for_user(user=user),
    record_event=services.prefiling_event_record_for,
    page_url=services.prefiling_url,
    label=services.prefiling_label,
))


def _on_event(event_id: int) -> None:
    enqueue(tasks.prefiling_event_notify_task, event_id)


subscribe("prefiling", _on_event)
