"""The history events of a clarification case (core.events): label, who
hears of each, which are internal; and the hooks through which the lower
apps reach these cases without importing this app (core.subjects):
publication (the public-scope statements, the reporter's name to hide)
and the yearly report (stand-alone clarifications and referrals)."""

from core.events import register_events
from core.subjects import register_hook
from notifications.selectors import APPLICANT, INSPECTORS, SUPERVISORS

from . import selectors
from .models import EventKind as K

register_events(app="clarifications", choices=K, audience={
    # The cadre learns that a report is being checked and is asked for his
    # view; never who reported.
    K.OPENED: (APPLICANT, SUPERVISORS),
    K.POINT_FOUND: (),
    K.VIEW_SOUGHT: (APPLICANT,),
    K.VIEW_RECORDED: (INSPECTORS,),
    K.CHECK_CONCLUDED: (APPLICANT, SUPERVISORS),
    K.SCOPE_DECIDED: (INSPECTORS,),
    K.STATEMENT_ISSUED: (APPLICANT,),
    K.PUBLISHED: (APPLICANT,),
    K.REFERRED: (SUPERVISORS,),
    K.PETITION_RECORDED: (),
    K.CLOSED: (APPLICANT,),
}, internal=(
    # The referral and the petitioning concern the reporter.
    K.REFERRED, K.PETITION_RECORDED,
))

register_hook("case", "public_clarifications", lambda: list(selectors.public_issued()))
register_hook("case", "publication_hidden_names", selectors.hidden_names)
register_hook("case", "yearly_clarifications", selectors.yearly_rows)
