"""The steps of verification, ruling and review, declared once
(core.steps): legal stages, who may take them, when they are ready, their
events. The case panel's forms, the API's ``actions`` and the services'
guard read this."""

from django.utils.translation import gettext_lazy as _

from cases.models import Stage
from cases.registry import register_case_panel
from core.steps import Refusal, Step, register_steps
from core.subjects import register_hook

from . import selectors as s
from . import services
from .models import EventKind as K
from .models import Notice, ReviewRequest, Ruling
from .views import case_panel_context

BEFORE_RULING = (Stage.DEFENCE, Stage.DELIBERATION)


def inspector_or_committee(case, user):
    return s.is_assigned_inspector(case, user) or s.is_committee(case, user)


def _notices_done(case) -> set[str]:
    """Kinds of notice (反馈, 报备) already recorded for the current ruling;
    read once per case object (the page asks for both steps)."""
    done = case.__dict__.get("_notices_done")
    if done is None:
        ruling = Ruling.objects.filter(case=case).order_by("-id").values("pk")[:1]
        done = set(Notice.objects.filter(case=case, ruling__in=ruling).values_list("kind", flat=True))
        case.__dict__["_notices_done"] = done
    return done


def _notice_ready(kind: str):
    def ready(case):
        if kind in _notices_done(case):
            return Refusal(services.ALREADY_DONE, code="already_done")
        return None
    return ready


def _review_ready(case):
    if ReviewRequest.objects.filter(case=case).exists():
        return Refusal(services.REVIEW_ONCE, code="review_once")
    return None


def _hearing_ready(case):
    # Issue 16: where the 办法 requires a hearing (a matter of major public
    # interest), deliberation waits for it.
    if services.hearing_missing(case):
        return Refusal(services.HEARING_REQUIRED, code="hearing_required")
    return None


def _defence_ready(case):
    # Issue 16: where the 办法 requires the written 初步认定意见告知书, the
    # 申辩 follows it.
    if services.preliminary_notice_missing(case):
        return Refusal(services.PRELIMINARY_NOTICE_MISSING, code="preliminary_notice_missing")
    return None


def _step(name, label, stages, who, **kw):
    return Step(name, label, stages, who, app="reviews", **kw)


register_steps(
    _step("assign", _("Assign inspectors"), (Stage.VERIFICATION,), s.is_supervisor, events=(K.ASSIGNED,)),
    _step("record_interview", _("Record an interview"), (Stage.VERIFICATION,), s.is_assigned_inspector,
          events=(K.INTERVIEW_RECORDED,)),
    _step("record_evidence", _("Record evidence or a note"), (Stage.VERIFICATION,), s.is_assigned_inspector,
          events=(K.EVIDENCE_RECORDED,)),
    _step("assess", _("Assessment"), (Stage.VERIFICATION,), s.is_assigned_inspector, events=(K.ASSESSED,)),
    _step("preliminary_report", _("Preliminary report"), (Stage.VERIFICATION,), s.is_assigned_inspector,
          events=(K.PRELIMINARY_REPORT,)),
    _step("defend", _("Submit a defence (申辩)"), (Stage.DEFENCE,), s.is_applicant, ready=_defence_ready,
          events=(K.DEFENCE_SUBMITTED,)),
    _step("waive_defence", _("Waive the defence"), (Stage.DEFENCE,), s.may_waive, ready=_defence_ready,
          events=(K.DEFENCE_WAIVED,)),
    _step("add_testimony", _("Add testimony"), BEFORE_RULING, s.may_testify, events=(K.TESTIMONY_ADDED,)),
    _step("record_assessment_report", _("Record a third-party assessment"), BEFORE_RULING,
          inspector_or_committee, events=(K.ASSESSMENT_REPORT,)),
    _step("record_hearing", _("Record a public hearing"), BEFORE_RULING, inspector_or_committee,
          events=(K.HEARING,)),
    _step("deliberate", _("Record the deliberation"), (Stage.DELIBERATION,), s.is_committee, ready=_hearing_ready,
          events=(K.MEETING_RECORDED, K.VOTE_CAST)),
    _step("rule", _("Record the ruling"), (Stage.DELIBERATION,), s.is_committee, events=(K.RULED,)),
    # 反馈 and 报备: each once per ruling.
    _step("feedback", _("Record the feedback (反馈)"), (Stage.RULED,), s.may_notify,
          ready=_notice_ready(Notice.Kind.FEEDBACK), events=(K.FEEDBACK,)),
    _step("file_report", _("Record the filing (报备)"), (Stage.RULED,), s.may_notify,
          ready=_notice_ready(Notice.Kind.FILING), events=(K.FILED,)),
    # 备案 at the same level: a record of its own beside 报备 (issue 16).
    _step("record_same_level", _("Record the 备案 at the same level"), (Stage.RULED,), s.may_notify,
          ready=_notice_ready(Notice.Kind.RECORD), events=(K.RECORDED,)),
    # 复核: once.
    _step("request_review", _("Request a review (复核)"), (Stage.RULED,), s.is_applicant, ready=_review_ready,
          events=(K.REVIEW_REQUESTED,)),
    _step("decide_review", _("Decide the review"), (Stage.REVIEW,), s.is_review_member,
          events=(K.REVIEW_DECIDED,)),
)

# At verification the assigned inspectors ask for supplements (cases' step).
register_hook("case", "assigned_inspector", s.is_assigned_inspector)
register_case_panel(order=20, template="reviews/case_panel.html", context=case_panel_context)
