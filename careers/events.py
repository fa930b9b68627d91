"""History events of careers (core.events), the ruling's hand-off to the
organization department, and this app's hooks into the infrastructure."""

from core.events import CASE, register_events, subscribe_kinds
from core.tasks import enqueue
from dashboard.workbench import register_workbench_section
from deadlines.services import register_clock_expiry
from notifications.selectors import APPLICANT, FILER, INSPECTORS, ORG_DEPT, SUPERVISORS, UNIT_REVIEWERS
from policies.models import TimeLimitStage
from reviews.models import EventKind as ReviewEvent

from . import selectors, services, tasks
from .models import EventKind as K

register_events(app="careers", choices=K, audience={
    # The department hears of what it must act on; the cadre of what
    # concerns his record.
    K.USES_SENT: (ORG_DEPT,),
    K.USE_APPLIED: (APPLICANT,),
    K.USE_ENDED: (APPLICANT, ORG_DEPT),
    K.USES_WITHDRAWN: (ORG_DEPT,),
    # The talk's record is the department's; the cadre was there.
    K.TALK_RECORDED: (),
    K.VISIT_RECORDED: (),
    K.ACCOUNTABILITY_DECIDED: (APPLICANT, ORG_DEPT, SUPERVISORS),
    K.RULING_REVOKED: (APPLICANT, FILER, UNIT_REVIEWERS, ORG_DEPT, INSPECTORS, SUPERVISORS),
}, internal=(
    # What was said in a 谈心谈话 stays with the department and the staff.
    K.TALK_RECORDED, K.VISIT_RECORDED,
))


def _on_ruling(event_id: int) -> None:
    # In the ruling's own transaction, through the outbox: the result uses
    # reach the department once the ruling commits (the beat sweep catches
    # up whatever this misses).
    enqueue(tasks.obligations_open_for_event_task, event_id)


# A joint decision is handed off at its countersign (issue 16; obligations_open
# leaves it alone before).
subscribe_kinds(CASE, (ReviewEvent.RULED, ReviewEvent.REVIEW_DECIDED, ReviewEvent.COUNTERSIGNED,
                       ReviewEvent.REVIEW_COUNTERSIGNED), _on_ruling)
# An impact period that ends closes itself (not an overdue step).
register_clock_expiry(TimeLimitStage.USE_PERIOD, services.use_period_end)
register_workbench_section(selectors.WORKBENCH_SECTION)
