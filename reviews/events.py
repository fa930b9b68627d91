"""History events of verification, ruling and review (core.events), and
who is recused from a case (for the notifications' audiences)."""

from core.events import register_events
from core.subjects import register_hook
from notifications.selectors import APPLICANT, COMMITTEE, FILER, ORG_DEPT, UNIT_REVIEWERS
from notifications.services import STAGE

from .demo import rule_demo_case
from .models import EventKind as K
from .models import Recusal

PARTIES = (APPLICANT, FILER)

register_events(
    app="reviews", choices=K,
    # Who was interviewed and what was said, how each member voted: the step
    # shows on everyone's timeline, its details only to the handling staff.
    internal=(K.INTERVIEW_RECORDED, K.EVIDENCE_RECORDED, K.VOTE_CAST),
    audience={
        K.PROACTIVE_OPENED: (*PARTIES, STAGE),
        K.ASSIGNED: (*PARTIES, STAGE),
        K.RECUSAL_MARKED: (*PARTIES, STAGE),
        # The record of the verification is internal.
        K.INTERVIEW_RECORDED: (),
        K.EVIDENCE_RECORDED: (),
        K.ASSESSED: (),
        K.MEETING_RECORDED: (),
        K.VOTE_CAST: (),
        K.VOTE_CONFIRMED: (),
        # The preliminary opinion, the ruling and the review decision go to the parties.
        K.PRELIMINARY_REPORT: PARTIES,
        K.DEFENCE_SUBMITTED: (*PARTIES, STAGE),
        K.DEFENCE_WAIVED: (*PARTIES, STAGE),
        K.TESTIMONY_ADDED: (*PARTIES, STAGE),
        K.ASSESSMENT_REPORT: (*PARTIES, STAGE),
        K.HEARING: (*PARTIES, STAGE),
        K.RULED: (*PARTIES, UNIT_REVIEWERS),
        # The joint ruling's countersign (issue 16): the 组织部门 hears that a
        # decision awaits it; once it countersigns, the deciding body and the
        # parties hear (their time limits run from then, its letter follows).
        K.COUNTERSIGN_REQUESTED: (ORG_DEPT,),
        K.COUNTERSIGNED: (*PARTIES, COMMITTEE),
        K.REVIEW_COUNTERSIGNED: (*PARTIES, COMMITTEE),
        K.FEEDBACK: (*PARTIES, STAGE),
        K.FILED: (*PARTIES, STAGE),
        K.RECORDED: (*PARTIES, STAGE),
        K.REVIEW_REQUESTED: (COMMITTEE,),
        K.REVIEW_DECIDED: (*PARTIES, UNIT_REVIEWERS),
    },
)


def recused_ids(case_ids) -> dict[int, set[int]]:
    """Case id -> users marked as related (回避), for many cases in one query."""
    out: dict[int, set[int]] = {}
    for case_id, user_id in Recusal.objects.filter(case_id__in=list(case_ids)).values_list("case_id", "user_id"):
        out.setdefault(case_id, set()).add(user_id)
    return out


register_hook("case", "recused_ids", recused_ids)
# demo_data's ruled case is taken through verification to its ruling here.
register_hook("case", "demo_rule", rule_demo_case)
