"""The review steps after the ruling (reviews.steps): 反馈, 报备 and 备案
at the same level, each once per ruling, and the 复核 (its request, once,
and its decision)."""

from functools import partial

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import Stage
from core.steps import Refusal, StepClock, step_cache
from notifications.selectors import COMMITTEE

from .. import forms as f
from .. import selectors as s
from .. import services
from ..models import EventKind as K
from ..models import Notice, ReviewRequest, Ruling
from .common import _step
from .ruling import AFTER_RULING_CLOCKS, RULING_REFUSALS, _decision_success, _meeting_held, _RulingInput


def _notices_done(case) -> set[str]:
    """Kinds of notice (反馈, 报备) already recorded for the current ruling."""
    cache = step_cache(case)
    if "notices_done" not in cache:
        ruling = Ruling.objects.filter(case=case).order_by("-id").values("pk")[:1]
        cache["notices_done"] = set(Notice.objects.filter(case=case, ruling__in=ruling).values_list("kind", flat=True))
    return cache["notices_done"]


# What the ready-checks of 反馈/报备/备案 refuse with (409), for the schema:
# a joint decision not yet countersigned (countersign_pending), a notice
# already recorded for the ruling (already_done).
NOTICE_REFUSALS = (s.COUNTERSIGN_AWAITED, services.ALREADY_DONE)


def _notice_ready(kind: str):
    def ready(case):
        # Issue 16: a joint decision is fed back and filed once countersigned.
        held = s.countersign_hold(case)
        if held is not None:
            return held
        if kind in _notices_done(case):
            return Refusal(services.ALREADY_DONE, code="already_done")
        return None
    return ready


def _review_ready(case):
    if ReviewRequest.objects.filter(case=case).exists():
        return Refusal(services.REVIEW_ONCE, code="review_once")
    # Issue 16: a joint ruling can be reviewed once it is countersigned (in force).
    return s.countersign_hold(case)


REVIEW_DECISION_CLOCK = StepClock("review_decision", (COMMITTEE,))


# The API's inputs (Step.input), beside the steps: the generated
# POST /api/v1/cases/{id}/<step>/ (core.step_apis) and its schema read
# them from the declaration, so a step whose API takes more than its form
# (ids of users, nested rows, files) needs no class in apis.py. Each keeps
# the name its schema component has always had (generated clients know it).


class _NoticeInput(serializers.Serializer):
    done_on = serializers.DateField(required=False)
    recipients = serializers.CharField(max_length=300)
    note = serializers.CharField(required=False, allow_blank=True)


class CaseFeedbackApiInput(_NoticeInput):
    pass


class CaseFileReportApiInput(_NoticeInput):
    pass


class CaseRecordSameLevelApiInput(_NoticeInput):
    file = serializers.FileField(required=False)


class CaseRequestReviewApiInput(serializers.Serializer):
    reasons = serializers.CharField()


class CaseDecideReviewApiInput(_RulingInput):
    pass


def _notice_step(name, label, kind, notice_kind, event, success, api_input, summary):
    """反馈, 报备 and 备案 are one step shape: a notice of its kind, once per ruling."""
    return _step(name, label, (Stage.RULED,), s.may_notify, f.NoticeForm,
                 partial(services.notice_record, kind=kind), success,
                 ready=_notice_ready(notice_kind), events=(event,),
                 input=api_input, summary=summary, refusals=NOTICE_REFUSALS)


STEPS = (
    # 反馈 and 报备: each once per ruling; 备案 at the same level a record of
    # its own beside 报备 (issue 16).
    _notice_step("feedback", _("Record the feedback (反馈)"), "feedback", Notice.Kind.FEEDBACK, K.FEEDBACK,
                 _("Feedback recorded."), CaseFeedbackApiInput, _("Feedback to the applicant and unit (反馈)")),
    _notice_step("file_report", _("Record the filing (报备)"), "filing", Notice.Kind.FILING, K.FILED,
                 _("Filing recorded."), CaseFileReportApiInput, _("Filing with the higher level (报备)")),
    _notice_step("record_same_level", _("Record the 备案 at the same level"), "record", Notice.Kind.RECORD,
                 K.RECORDED, _("The 备案 at the same level is recorded."), CaseRecordSameLevelApiInput,
                 _("Record at the same level (备案)")),
    # 复核: once.
    _step("request_review", _("Request a review (复核)"), (Stage.RULED,), s.is_applicant, f.ReviewRequestForm,
          services.case_request_review, _("Your request for review is recorded."), ready=_review_ready,
          events=(K.REVIEW_REQUESTED,), clocks=(REVIEW_DECISION_CLOCK,),
          input=CaseRequestReviewApiInput, summary=_("Request a review (复核), once"),
          refusals=(services.REVIEW_ONCE, s.COUNTERSIGN_AWAITED)),
    _step("decide_review", _("Decide the review"), (Stage.REVIEW,), s.is_review_member, f.RulingForm,
          services.case_decide_review,
          _decision_success(_("Review decision recorded; it awaits the organization department's countersign "
                              "(会签), and the review decision letter is issued then."),
                            _("Review decision recorded.")),
          ready=_meeting_held, events=(K.REVIEW_DECIDED, K.COUNTERSIGN_REQUESTED), clocks=AFTER_RULING_CLOCKS,
          input=CaseDecideReviewApiInput, summary=_("Review decision"), refusals=RULING_REFUSALS),
)
