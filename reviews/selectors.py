"""Reads of the verification-to-review record: recusal, who may take which
step (registered as actions in ``reviews.apps``), the queues and the case
panel."""

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import user_has_role, users_with_role
from cases.models import Case, Stage
from cases.selectors import case_in_paths_q, case_parties, case_visibility_q
from core.pagination import KeysetPage, keyset_parts_page
from core.steps import Refusal, step_cache, step_read
from deadlines.models import Clock
from letters.models import Letter
from policies import procedure
from policies.models import PolicyItem
from policies.selectors import stage_time_limit_stated

from .models import (
    Assessment,
    Assignment,
    DefenceEntry,
    Meeting,
    Notice,
    OptionalStep,
    PreliminaryReport,
    Recusal,
    ReviewRequest,
    Ruling,
    VerificationRecord,
    Vote,
)

# Why an inspector must recuse himself (回避), as the refusal says it.
RECUSAL_REASONS = {
    "applicant": _("he is the applicant (申请人本人)"),
    "same_unit": _("he works in the applicant's unit (同一单位)"),
    "related": _("he is marked as related to the case (有利害关系)"),
}

# 三个区分开来 (2016) and the six factors, used when a policy version lists
# none of its own (``distinction`` / ``factor`` items).
BUILTIN_DISTINCTIONS = [
    ("distinction-1", _("Mistakes from lack of experience in pioneering reform, versus knowing violations")),
    ("distinction-2", _("Mistakes in exploration not yet restricted by superiors, versus acting against an "
                        "explicit ban")),
    ("distinction-3", _("Unintentional errors in promoting development, versus violations for private gain")),
]
BUILTIN_FACTORS = [
    ("factor-1", _("Degree (看程度)")),
    ("factor-2", _("Motive (看动机)")),
    ("factor-3", _("Conditions (看条件)")),
    ("factor-4", _("Procedure (看程序)")),
    ("factor-5", _("Policy (看政策)")),
    ("factor-6", _("Consequences (看后果)")),
]


def inspector_must_recuse(*, case, user: User) -> str | None:
    """Why ``user`` must recuse himself from ``case`` (回避), or None. The
    inspector who opened a proactive case is its author, not a party."""
    # The parties (cases.selectors.case_parties): the cadre and whoever
    # filed for him, never the inspector who opened a proactive case.
    if user in case_parties(case):
        return "applicant"
    if user.org_unit_id and user.org_unit_id == case.unit_id:
        return "same_unit"
    if case.recusals.filter(user=user).exists():
        return "related"
    return None


def inspector_may_handle(*, case, user: User) -> bool:
    """An inspector of the case's jurisdiction who need not recuse himself.
    Asked by several steps' checks of one listing: read once per listing
    (core.steps.step_context; a service's guard asks afresh)."""
    return step_read(case, ("inspector_may_handle", user.pk), lambda: (
        user_has_role(user, Role.INSPECTOR, case.unit) and inspector_must_recuse(case=case, user=user) is None))


# --- Who may take each step (cases.registry actions) --------------------------------


def is_applicant(case, user: User) -> bool:
    """The cadre (or, for a unit application, its filer); never the
    inspector who opened a proactive case."""
    return user in case_parties(case)


def is_supervisor(case, user: User) -> bool:
    return user_has_role(user, Role.SUPERVISOR, case.unit)


def assigned_inspector_ids(case) -> set[int]:
    """The active inspectors of ``case``, read once per case object (the
    page asks for every registered action; services re-fetch the case under
    lock, so they never see a stale set)."""
    cache = step_cache(case)
    if "assigned_inspector_ids" not in cache:
        cache["assigned_inspector_ids"] = set(
            Assignment.objects.filter(case=case, active=True).values_list("inspector_id", flat=True))
    return cache["assigned_inspector_ids"]


def is_assigned_inspector(case, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return user.pk in assigned_inspector_ids(case) and inspector_may_handle(case=case, user=user)


def is_committee(case, user: User) -> bool:
    return user_has_role(user, Role.COMMITTEE, case.unit)


def may_testify(case, user: User) -> bool:
    return is_assigned_inspector(case, user) or is_applicant(case, user)


def may_waive(case, user: User) -> bool:
    return is_applicant(case, user) or is_assigned_inspector(case, user)


def may_notify(case, user: User) -> bool:
    """反馈 and 报备 are done by the deciding body's members or the
    supervisor."""
    return is_committee(case, user) or is_supervisor(case, user)


def first_ruling_voter_ids(*, case) -> set[int]:
    meeting_ids = Ruling.objects.filter(case=case, kind=Ruling.Kind.FIRST).values("meeting_id")
    return set(Vote.objects.filter(meeting_id__in=meeting_ids).values_list("member_id", flat=True))


def is_review_member(case, user: User) -> bool:
    """复核: a committee member who did not vote on the first ruling."""
    return is_committee(case, user) and user.pk not in first_ruling_voter_ids(case=case)


def review_eligible_members(*, case, members: list[User]) -> list[User]:
    voted = first_ruling_voter_ids(case=case)
    return [u for u in members if u.pk not in voted]


# --- The joint ruling's countersign (issue 16) ---------------------------------------

COUNTERSIGN_AWAITED = _(
    "The decision awaits the organization department's countersign (待组织部门会签): "
    "nothing that follows it may proceed until then."
)
# The letter the countersign issues, by the kind of decision it signs.
COUNTERSIGN_LETTERS = {Ruling.Kind.FIRST: "ruling", Ruling.Kind.REVIEW: "review_decision"}


def _countersign_awaited(case) -> str | None:
    if not procedure.joint_ruling(case.policy_version):
        return None
    kinds = set(Ruling.objects.filter(case=case).values_list("kind", flat=True))
    issued = set(case.letters.filter(kind__in=COUNTERSIGN_LETTERS.values()).values_list("kind", flat=True))
    # The first ruling, then the review decision (one at most): the first
    # whose letter is not issued waits (its letter is issued at the countersign).
    for kind in (Ruling.Kind.FIRST, Ruling.Kind.REVIEW):
        if kind in kinds and COUNTERSIGN_LETTERS[kind] not in issued:
            return kind
    return None


def countersign_awaited(case) -> str | None:
    """The decision of a version that rules jointly with the 组织部门
    (``procedure.joint_ruling``) still waiting for its countersign:
    ``Ruling.Kind.FIRST``, ``Ruling.Kind.REVIEW`` or None. Read once per
    listing (core.steps.step_read); versions that do not rule jointly never
    wait."""
    return step_read(case, "countersign_awaited", lambda: _countersign_awaited(case))


def countersign_awaited_q() -> Q:
    """The cases of ``countersign_awaited``, as a filter on cases (a list)."""
    def ruled(kind):
        return Exists(Ruling.objects.filter(case=OuterRef("pk"), kind=kind))

    def issued(kind):
        return Exists(Letter.objects.filter(case=OuterRef("pk"), kind=COUNTERSIGN_LETTERS[kind]))

    joint = Q(policy_version__procedure__has_key="joint_ruling") & ~Q(policy_version__procedure__joint_ruling=None)
    return joint & ((ruled(Ruling.Kind.FIRST) & ~issued(Ruling.Kind.FIRST))
                    | (ruled(Ruling.Kind.REVIEW) & ~issued(Ruling.Kind.REVIEW)))


def countersign_hold(case) -> Refusal | None:
    """The ready-check of every step that follows a decision (反馈, 报备,
    备案, 复核, correction, careers): refused while it awaits the countersign."""
    if countersign_awaited(case) is not None:
        return Refusal(COUNTERSIGN_AWAITED, code="countersign_pending")
    return None


# --- Records -------------------------------------------------------------------------


def meeting_current(*, case, kind: str, lock: bool = False):
    qs = Meeting.objects.filter(case=case, kind=kind, voided_at__isnull=True)
    if lock:
        qs = qs.select_for_update()
    return qs.order_by("-id").first()


def assessment_blockers(assessment) -> dict:
    """Unmet conditions and applicable negative-list items (which rule out
    any tolerance result)."""
    unmet_ids = [int(pk) for pk, row in assessment.conditions.items() if not row.get("met")]
    unmet = list(PolicyItem.objects.filter(pk__in=unmet_ids).order_by("number")) if unmet_ids else []
    return {"conditions_unmet": unmet, "negatives": list(assessment.negative_items.order_by("number"))}


# --- Queues ----------------------------------------------------------------------------


def _queue(user: User, stages, role: str) -> QuerySet[Case]:
    # Case.next_due is a column (kept by the clock services): the queue is
    # read off case_queue_idx (stage, next_due, id).
    qs = (
        Case.objects.filter(case_visibility_q(user), stage__in=stages)
        .filter(case_in_paths_q(user, {role}))
        .select_related("applicant", "unit", "jurisdiction")
    )
    return qs.order_by(F("next_due").asc(nulls_last=True), "id")


def supervisor_queue(*, user: User) -> QuerySet[Case]:
    """Cases at verification in his jurisdiction, the earliest due first,
    each with its number of active inspectors (``inspectors``: the stored
    ``Case.active_inspectors``). ``supervisor_queue_page`` puts those
    waiting for him first."""
    return _queue(user, [Stage.VERIFICATION], Role.SUPERVISOR).annotate(inspectors=F("active_inspectors"))


# The supervisor's queue in two parts: the cases waiting for him (fewer
# than two active inspectors), then the others, each off its own index
# (case_to_assign_idx, case_assigned_idx).
SUPERVISOR_PARTS = (Q(active_inspectors__lt=2), Q(active_inspectors__gte=2))


def supervisor_queue_page(*, user: User, cursor: str | None, page_size: int) -> KeysetPage:
    """A page of his queue, those waiting for him first, each part by due
    date: a keyset page across both parts (core.pagination.keyset_parts_page),
    whatever the number of cases at verification. ``ValidationError`` for a
    cursor it did not make."""
    return keyset_parts_page(supervisor_queue(user=user), *SUPERVISOR_PARTS, cursor=cursor, page_size=page_size)


def supervisor_queue_rows(*, user: User, limit: int) -> list[Case]:
    """The first ``limit`` rows of his queue (the workbench)."""
    return supervisor_queue_page(user=user, cursor=None, page_size=limit).object_list


def inspector_queue(*, user: User) -> QuerySet[Case]:
    """Cases assigned to him (active), at any stage before the ruling, and
    in correction or clarification (the assigned inspectors record those
    steps too)."""
    mine = Assignment.objects.filter(case=OuterRef("pk"), inspector=user, active=True)
    stages = [Stage.VERIFICATION, Stage.SUPPLEMENT, Stage.DEFENCE, Stage.DELIBERATION, Stage.CORRECTION,
              Stage.CLARIFICATION]
    return _queue(user, stages, Role.INSPECTOR).filter(Exists(mine))


def committee_queue(*, user: User) -> QuerySet[Case]:
    """Cases in deliberation or under review in his jurisdiction, and ruled
    cases whose feedback or filing is still open."""
    # ``case_id >= pk`` beside ``case_id = pk`` changes nothing but keeps
    # PostgreSQL from hashing every open clock of the table up front (an
    # equality-only EXISTS under OR may become a hashed subplan): each row
    # read off the queue's index looks up its own clocks instead.
    open_notice = Clock.objects.filter(
        case=OuterRef("pk"), case_id__gte=OuterRef("pk"), stage__in=["feedback", "filing"],
        status=Clock.Status.RUNNING,
    )
    qs = _queue(user, [Stage.DELIBERATION, Stage.REVIEW, Stage.RULED], Role.COMMITTEE)
    return qs.filter(~Q(stage=Stage.RULED) | Exists(open_notice))


def countersign_queue(*, user: User) -> QuerySet[Case]:
    """待会签 (issue 16): ruled cases of his jurisdiction whose decision (the
    ruling or the 复核 decision) of a version that rules jointly
    (``procedure.joint_ruling``) awaits the 组织部门's countersign, the
    earliest due first, read off case_queue_idx like the other queues. No
    clock runs the countersign: no source states a time limit for it."""
    return _queue(user, [Stage.RULED], Role.ORG_DEPT).filter(countersign_awaited_q())


def queue_rows(cases) -> list[Case]:
    """Rows with an ``overdue`` flag (computed once, not in the template)."""
    today = timezone.localdate()
    rows = list(cases)
    for case in rows:
        case.overdue = bool(case.next_due and case.next_due < today)
    return rows


# --- The case panel ------------------------------------------------------------------


def stated_window(*, case, stage: str) -> dict | None:
    """The window for ``stage`` (申辩, 复核) the case page may state to the
    applicant: the version's limit taken from its text, with the due date of
    the case's clock that enforces it. None for an example default or no
    limit: the page then offers the step without a limit (issue 16: nothing
    printed states a rule the version does not configure)."""
    limit = stage_time_limit_stated(version=case.policy_version, stage=stage)
    if limit is None:
        return None
    clock = Clock.objects.filter(case=case, stage=stage).exclude(due_date=None).order_by("-id").first()
    return {"amount": limit.amount, "unit": limit.get_unit_display(), "due": clock.due_date if clock else None}


def review_record(*, case, internal: bool = True) -> dict:
    """The verification-to-review record of ``case``, in a fixed number of
    queries. Without ``internal`` (the reader is not handling staff:
    cases.selectors.case_sees_internal) the inspectors' interview and evidence
    records and each member's vote are left out; each meeting's
    ``visible_votes`` holds the votes the reader may see."""
    assignments = list(Assignment.objects.filter(case=case).select_related("inspector", "assigned_by")
                       .order_by("-active", "created_at"))
    records = (list(VerificationRecord.objects.filter(case=case).select_related("recorded_by", "attachment"))
               if internal else [])
    assessment = (Assessment.objects.filter(case=case).select_related("assessed_by", "positive_item")
                  .prefetch_related("negative_items").first())
    report = PreliminaryReport.objects.filter(case=case).select_related("author").first()
    defence = list(DefenceEntry.objects.filter(case=case).select_related("submitted_by", "attachment"))
    steps = list(OptionalStep.objects.filter(case=case).select_related("recorded_by", "attachment"))
    meetings = list(
        Meeting.objects.filter(case=case).select_related("recorded_by").prefetch_related(
            "members_present", Prefetch("votes", queryset=Vote.objects.select_related("member", "recorded_by"))
        )
    )
    rulings = list(Ruling.objects.filter(case=case).select_related("recorded_by", "meeting")
                   .prefetch_related("applied_items", "uses__policy_item"))
    notices = list(Notice.objects.filter(case=case).select_related("recorded_by", "ruling"))
    review = ReviewRequest.objects.filter(case=case).select_related("requested_by").first()
    for meeting in meetings:
        meeting.visible_votes = list(meeting.votes.all()) if internal else []
    items = {i.pk: i for i in case.policy_version.items.all()}
    return {
        "internal": internal,
        "assignments": assignments,
        "active_inspectors": [a for a in assignments if a.active],
        "records": records,
        "assessment": assessment,
        "assessment_rows": _assessment_rows(assessment, items),
        "report": report,
        "defence": defence,
        "steps": steps,
        "meetings": meetings,
        "rulings": rulings,
        "notices": notices,
        "review": review,
        "items": items,
    }


def _assessment_rows(assessment, items: dict) -> dict:
    if assessment is None:
        return {}
    labels = dict(BUILTIN_DISTINCTIONS) | dict(BUILTIN_FACTORS)

    def label(key):
        if key.isdigit() and int(key) in items:
            item = items[int(key)]
            return item.title or item.text
        return labels.get(key, key)

    return {
        "conditions": [
            {"item": items.get(int(pk)), "met": row["met"], "reason": row["reason"]}
            for pk, row in assessment.conditions.items()
        ],
        "distinctions": [{"label": label(k), "text": v} for k, v in assessment.distinctions.items()],
        "factors": [{"label": label(k), "text": v} for k, v in assessment.factors.items()],
    }


def assessment_form_items(*, case) -> dict:
    """The items the assessment form is built from (the version's lists;
    the built-in distinctions and factors when it has none)."""
    grouped: dict[str, list] = {}
    for item in case.policy_version.items.order_by("kind", "number"):
        grouped.setdefault(item.kind, []).append(item)
    distinctions = [(str(i.pk), i.title or i.text) for i in grouped.get(PolicyItem.Kind.DISTINCTION, [])]
    factors = [(str(i.pk), i.title or i.text) for i in grouped.get(PolicyItem.Kind.FACTOR, [])]
    return {
        "conditions": grouped.get(PolicyItem.Kind.CONDITION, []),
        "positive": grouped.get(PolicyItem.Kind.POSITIVE, []),
        "negative": grouped.get(PolicyItem.Kind.NEGATIVE, []),
        "result_uses": grouped.get(PolicyItem.Kind.RESULT_USE, []),
        "distinctions": distinctions or [(k, str(v)) for k, v in BUILTIN_DISTINCTIONS],
        "factors": factors or [(k, str(v)) for k, v in BUILTIN_FACTORS],
    }


def eligible_members_for(*, case) -> list[User]:
    """Committee members who may sit on the case's next decision."""
    # 回避 applies to the deciding members too: the applicant and anyone
    # marked as related to the case do not sit.
    related = set(Recusal.objects.filter(case=case).values_list("user_id", flat=True))
    members = [u for u in users_with_role(role=Role.COMMITTEE, org_unit=case.unit)
               if u.pk != case.applicant_id and u.pk not in related]
    if case.stage == Stage.REVIEW:
        members = review_eligible_members(case=case, members=members)
    return members


def inspectors_for(*, case) -> list[dict]:
    """The jurisdiction's inspectors, each with why he must recuse (if he
    must), for the assignment form."""
    out = []
    for user in users_with_role(role=Role.INSPECTOR, org_unit=case.unit):
        why = inspector_must_recuse(case=case, user=user)
        out.append({"user": user, "recuse": RECUSAL_REASONS[why] if why else ""})
    return out
