"""The case steps of careers, declared once (core.steps): the services'
guard (``step_guard``), the case panel's forms and the API's ``actions``
read them. Recording a result use's application and a follow-up are steps
on the obligation and the follow-up (``services.is_org_dept``)."""

from django.utils.translation import gettext_lazy as _

from cases.models import Stage
from cases.registry import register_case_panel
from core.steps import Refusal, Step, register_steps

from . import selectors, services
from .models import EventKind as K

# After the ruling, whatever came next (a closed case included: a ruling
# obtained by fraud is revoked whenever it is found out, and the
# accountability organ decides after the ruling).
AFTER_RULING = (Stage.RULED, Stage.CORRECTION, Stage.CLARIFICATION, Stage.CLOSED)


def _ready(refusal):
    def ready(case):
        message = refusal(case, services.current_ruling(case))
        return None if message is None else Refusal(message, code="illegal_transition")
    return ready


register_steps(
    Step("record_accountability_decision", _("Record the accountability decision (问责决定)"), AFTER_RULING,
         services.is_inspector, app="careers", ready=_ready(services.decision_refusal),
         events=(K.ACCOUNTABILITY_DECIDED,)),
    Step("revoke_ruling", _("Revoke the ruling (撤销容错认定)"), AFTER_RULING, services.is_committee,
         app="careers", ready=_ready(services.revoke_refusal), events=(K.RULING_REVOKED, K.USES_WITHDRAWN)),
)
register_case_panel(order=40, template="careers/case_panel.html", context=selectors.case_panel_context)
