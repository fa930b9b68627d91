"""The steps of a pre-filing (subject "prefiling") and the case step this
app adds (citing a pre-filing), declared once (core.steps): legal statuses,
who may take them, the page's form, the service, the events they write and
the clocks they open with who must act on each. The filing page's forms,
the API's ``actions``, the one generic step view (``prefilings:action`` is
``core.step_views.step_post``) and every service's guard read this."""

from django.utils.translation import gettext_lazy as _

from cases.registry import register_case_panel
from core.steps import Step, StepClock, StepSubject, register_step_subject, register_steps
from core.subjects import register_hook

from . import apis, forms, selectors, services
from .models import EarlyWarning, PreFiling
from .models import PreFilingEventKind as K
from .views import case_panel_context

S = PreFiling.Status
UNIT, INTAKE, INSPECTORS, SUPERVISORS = services.UNIT, services.INTAKE, services.INSPECTORS, services.SUPERVISORS

register_step_subject(StepSubject(
    name="prefiling", state_field="status", state_label=lambda value: S(value).label,
    messages={"not_allowed": services.NOT_ALLOWED, "illegal": services.ILLEGAL_STATUS},
))

# The clocks (deadlines) the steps open, and who must act on each; the
# tokens are this app's (services._audience). Intake's review escalates to
# the supervisors; a missed report to the inspectors, with an early warning
# (services.clock_overdue); the evaluation reminds the unit only.
REVIEW_CLOCK = StepClock(services.REVIEW, (INTAKE,), escalate=(SUPERVISORS,))
REPORT_CLOCK = StepClock(services.REPORT, (UNIT,), escalate=(INSPECTORS,), at_authority=False)
EVALUATION_CLOCK = StepClock(services.EVALUATION, (UNIT,), escalate=(), at_authority=False)


class _Form:
    """A page form handing its service what ``service_data()`` says (or
    its cleaned data), as core.steps.step_kwargs expects."""

    def __init__(self, form_class, **build):
        self.form_class, self.build = form_class, build

    def __call__(self, data, files, filing):
        form = self.form_class(data, **{k: fn(filing) for k, fn in self.build.items()})
        if hasattr(form, "service_data"):
            form.service_kwargs = form.service_data
        return form


def _takes_filing(service):
    # The generic view hands the record by its subject's name.
    def call(*, prefiling, actor, **kwargs):
        return service(filing=prefiling, actor=actor, **kwargs)
    return call


def _step(name, label, stages, who, service=None, form=None, success="", **kw):
    return Step(name, label, stages, who, app="prefilings", subject="prefiling",
                service=_takes_filing(service) if service else None, form=form, success=success, **kw)


def _open_warning(filing):
    # A form per open early warning on the page: none open, nothing to resolve.
    if not any(w.status == EarlyWarning.Status.OPEN for w in filing.warnings.all()):
        return services.NO_OPEN_WARNING


# Each step with a service gets POST /api/v1/prefilings/{id}/<step>/
# (apis.step_api) with its ``input`` and ``summary`` (the API's one line).
register_steps(
    # Edited on its own pages; files and warnings have their own forms.
    _step("edit", _("Edit"), (S.DRAFT,), services.is_unit_side, events=(K.EDITED,)),
    _step("submit", _("Submit"), (S.DRAFT,), services.is_unit_side, services.prefiling_submit,
          success=_("The pre-filing is submitted for review."), events=(K.SUBMITTED,), clocks=(REVIEW_CLOCK,),
          summary=_("Submit a draft for review"), refusals=(services.INCOMPLETE,)),
    _step("attach", _("Add a file"), (S.DRAFT, S.SUPPLEMENT, S.REGISTERED), services.is_unit_side,
          events=(K.ATTACHMENT_ADDED, K.ATTACHMENT_REMOVED)),
    _step("request_supplement", _("Ask for more material"), (S.SUBMITTED,), services.is_intake,
          services.prefiling_request_supplement, _Form(forms.MissingForm),
          _("The unit is asked for more material."), events=(K.SUPPLEMENT_REQUESTED,),
          input=apis.RequestSupplementInput, summary=_("Ask the unit for more material")),
    _step("supplement", _("Send the supplement"), (S.SUPPLEMENT,), services.is_unit_side,
          services.prefiling_supplement, _Form(forms.AnswerForm), _("The supplement is sent."),
          events=(K.SUPPLEMENT_ANSWERED,), clocks=(REVIEW_CLOCK,), input=apis.SupplementInput,
          summary=_("Answer the request for more material")),
    _step("register", _("Register (登记受理)"), (S.SUBMITTED,), services.is_intake, services.prefiling_register,
          _Form(forms.RegisterForm), _("The pre-filing is registered; the registration letter is being prepared."),
          events=(K.REGISTERED, K.LETTER_ISSUED), clocks=(REPORT_CLOCK, EVALUATION_CLOCK),
          input=apis.RegisterInput, summary=_("Register (登记受理): number, letter, progress-report interval")),
    _step("refuse", _("Refuse (不予登记)"), (S.SUBMITTED, S.SUPPLEMENT), services.is_intake,
          services.prefiling_refuse, _Form(forms.RefuseForm), _("The pre-filing is refused."),
          events=(K.REFUSED,), input=apis.RefuseInput, summary=_("Refuse with reasons")),
    _step("report_progress", _("File a progress report"), (S.REGISTERED,), services.is_unit_side,
          services.prefiling_report_progress, _Form(forms.ProgressForm, risks=lambda filing: filing.risks),
          _("The progress report is filed."), events=(K.PROGRESS_REPORTED, K.WARNING_RAISED),
          clocks=(REPORT_CLOCK,), input=apis.ReportProgressInput,
          summary=_("File a progress report (a realised risk raises an early warning)")),
    _step("resolve_warning", _("Resolve an early warning"), (S.REGISTERED, S.CLOSED),
          services.inspector_may_handle, services.prefiling_warning_resolve, _Form(forms.ResolveWarningForm),
          _("The early warning is resolved."), ready=_open_warning, events=(K.WARNING_RESOLVED,),
          input=apis.ResolveWarningInput, anchor="#h-warnings", refusals=(services.WARNING_RESOLVED,),
          summary=_("Resolve an early warning with a reminder talk or guidance")),
    _step("evaluate", _("File the evaluation"), (S.REGISTERED,), services.is_unit_side, services.prefiling_evaluate,
          _Form(forms.EvaluationForm), _("The evaluation is filed and the pre-filing closed."),
          events=(K.EVALUATED,), input=apis.EvaluateInput, summary=_("File the evaluation; closes the filing")),
)


def _may_cite(case, user):
    return services.case_may_cite(case=case, user=user)


register_steps(Step(
    "cite_prefiling", _("Cite a pre-filing (事前报备)"), ("draft", "verification"), _may_cite, app="prefilings",
    service=services.case_cite_prefiling, form=lambda data, files, case, **kw: forms.CiteForm(data, **kw),
    input=apis.CitePreFilingInput, summary=_("Cite a registered pre-filing"), success=_("The pre-filing is cited."),
    events=(services.CASE_EVENT_CITED,),
))
register_case_panel(order=15, template="prefilings/case_panel.html", context=case_panel_context)
# The verification panel shows what the cited filings declared.
register_hook("case", "prefilings_cited", selectors.prefilings_cited_by_case)
# The ruling letter prints them too (letters.snapshot).
register_hook("case", "prefiling_letter_context", selectors.prefiling_letter_context)
# The clocks' sweep (deadlines) reaches the filings through these.
register_hook("prefiling", "clock_records", services.clock_records)
register_hook("prefiling", "clock_audience", services.clock_audience)
register_hook("prefiling", "clock_message", services.clock_message)
register_hook("prefiling", "clock_overdue", services.clock_overdue)
