"""The case as a subject of the infrastructure (core.subjects) and the
history events this app writes (core.events): label, audience, whether the
details are internal."""

from core.events import register_events
from core.subjects import Subject, register_subject
from notifications.selectors import APPLICANT, FILER, SUPERVISORS, UNIT_REVIEWERS
from notifications.services import PREVIOUS_STAGE, STAGE

from . import selectors, services
from .models import EventKind as K

register_subject(Subject(
    name="case", model="cases.Case",
    get_for_user=lambda user, pk: selectors.case_get_for_user(user=user, case_id=pk),
    visible=lambda user: selectors.case_list_for_user(user=user),
    record_event=services.case_event_record_for,
    page_url=selectors.case_page_url,
    label=selectors.case_label,
    parties=selectors.case_parties,
))

register_events(app="cases", choices=K, audience={
    K.CREATED: (),
    K.EDITED: (),
    K.ATTACHMENT_ADDED: (),
    K.ATTACHMENT_REMOVED: (),
    # To the unit (individual application) or to intake (unit application).
    K.SUBMITTED: (APPLICANT, FILER, STAGE),
    # Whoever had it in his queue learns it is gone.
    K.WITHDRAWN: (APPLICANT, FILER, PREVIOUS_STAGE),
    K.UNIT_FORWARDED: (APPLICANT, FILER, STAGE),
    K.UNIT_RETURNED: (APPLICANT, FILER),
    # Supervisors assign the inspectors of an accepted case.
    K.ACCEPTED: (APPLICANT, FILER, UNIT_REVIEWERS, SUPERVISORS),
    K.SUPPLEMENT_REQUESTED: (APPLICANT, FILER),
    K.SUPPLEMENT_ANSWERED: (STAGE,),
    K.NOT_ACCEPTED: (APPLICANT, FILER, UNIT_REVIEWERS),
    K.OTHER: (APPLICANT, FILER, STAGE),
})
