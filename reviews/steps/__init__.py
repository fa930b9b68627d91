"""The steps of verification, ruling and review, declared once
(core.steps): legal stages, who may take them, when they are ready, the
page's form, the API's input, the service and their events. The case panel's
forms, the API's ``actions``, the generic step view and endpoint and the
services' guard read this.

Split by action family (one module each, past ~400 lines): ``verification``
(assignment, recusal, verification, the defence, what may be added before
the ruling), ``ruling`` (the meeting, the votes, the ruling, the
countersign), ``after_ruling`` (反馈, 报备, 备案, the 复核). They are
registered here, in this order: the order of the page's forms and the API's
``actions``."""

from cases.registry import register_case_panel
from core.steps import register_steps
from core.subjects import register_hook

from .. import selectors as s
from ..views import case_panel_context
from . import after_ruling, ruling, verification
from .ruling import VoteInputSerializer

__all__ = ["VoteInputSerializer"]

register_steps(*verification.STEPS, *ruling.STEPS, *after_ruling.STEPS)

# At verification the assigned inspectors ask for supplements (cases' step).
register_hook("case", "assigned_inspector", s.is_assigned_inspector)
register_case_panel(order=20, template="reviews/case_panel.html", context=case_panel_context)
