"""History events of correction and clarification (core.events)."""

from core.events import register_events
from notifications.selectors import APPLICANT, FILER, INSPECTORS, SUPERVISORS, UNIT_REVIEWERS
from notifications.services import STAGE

from .models import EventKind as K

DEFAULT = (APPLICANT, FILER, STAGE)

register_events(app="corrections", choices=K, audience={
    K.CORRECTION_STARTED: DEFAULT,
    # The notice goes to the cadre and his unit; his report to the
    # inspectors; the clarification and the closing to all concerned.
    K.CORRECTION_NOTICE_SENT: (APPLICANT, UNIT_REVIEWERS),
    K.TALK_RECORDED: DEFAULT,
    K.RECTIFICATION_TASK_ADDED: (APPLICANT,),
    K.RECTIFICATION_REPORT_SUBMITTED: (INSPECTORS,),
    K.RECTIFICATION_ACCEPTED: (APPLICANT,),
    K.RECTIFICATION_RETURNED: (APPLICANT,),
    K.RULE_CHANGE_RECORDED: DEFAULT,
    K.CORRECTION_SKIPPED: DEFAULT,
    # 分类处置 (issue 16): the form and its handling, the correction done.
    K.FOUR_FORMS_HANDLED: DEFAULT,
    # No correction procedure in the 办法: one record, the correction done.
    K.CORRECTION_HANDLED: DEFAULT,
    K.CLARIFICATION_REQUESTED: (INSPECTORS, SUPERVISORS),
    K.CLARIFICATION_PROPOSED: DEFAULT,
    K.CLARIFICATION_RECORDED: DEFAULT,
    K.CLARIFICATION_ISSUED: (APPLICANT, FILER, UNIT_REVIEWERS),
    K.REFERRAL_RECORDED: DEFAULT,
    K.CLARIFICATION_SKIPPED: DEFAULT,
    K.CASE_CLOSED: (APPLICANT, FILER, UNIT_REVIEWERS),
})
