"""The steps of filing, unit review and intake, declared once (core.steps):
legal stages, who may take them, their service and the events they write.
The case page's buttons, the API's ``actions`` and ``case_guard`` read this."""

from django.utils.translation import gettext_lazy as _

from core.steps import Step, StepSubject, register_step_subject, register_steps

from . import services as s
from .models import EventKind as K
from .models import Stage

register_step_subject(StepSubject(
    name="case", state_field="stage", state_label=lambda value: Stage(value).label, closed=(Stage.CLOSED,),
))

register_steps(
    Step("edit", _("Edit"), (Stage.DRAFT,), s._is_filer, service=s.case_update, events=(K.EDITED,)),
    Step("submit", _("Submit"), (Stage.DRAFT,), s._is_filer, service=s.case_submit, events=(K.SUBMITTED,),
         success=_("The application was submitted.")),
    Step("withdraw", _("Withdraw"), s.BEFORE_RULING, s._is_filer, service=s.case_withdraw,
         events=(K.WITHDRAWN,), success=_("The application was withdrawn.")),
    Step("unit_forward", _("Forward (盖章报送)"), (Stage.UNIT_REVIEW,), s._unit_reviewer,
         service=s.case_unit_forward, events=(K.UNIT_FORWARDED,),
         success=_("The application was forwarded to intake.")),
    Step("unit_return", _("Return to the applicant"), (Stage.UNIT_REVIEW,), s._unit_reviewer,
         service=s.case_unit_return, events=(K.UNIT_RETURNED,),
         success=_("The application was returned to the applicant.")),
    Step("accept", _("Accept (受理)"), (Stage.SUBMITTED,), s._intake, service=s.case_accept,
         events=(K.ACCEPTED,), success=_("The case was accepted.")),
    Step("request_supplement", _("Ask for supplements (补正)"), (Stage.SUBMITTED, Stage.VERIFICATION),
         s._intake_or_inspector, service=s.case_request_supplement, events=(K.SUPPLEMENT_REQUESTED,),
         success=_("The applicant was asked for supplements.")),
    Step("supplement", _("Answer the supplement request"), (Stage.SUPPLEMENT,), s._is_filer,
         service=s.case_supplement, events=(K.SUPPLEMENT_ANSWERED,), success=_("Your supplement was sent.")),
    Step("not_accept", _("Not accept (不予受理)"), (Stage.SUBMITTED, Stage.SUPPLEMENT), s._intake,
         service=s.case_not_accept, events=(K.NOT_ACCEPTED,), success=_("The case was not accepted.")),
)
