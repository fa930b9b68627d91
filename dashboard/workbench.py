"""The home page's workbench (工作台): for each role a user holds, what is
waiting for him, the earliest due first, with how many are overdue. It reads
every workflow app's queues, so it sits at the top of the apps (it was
core.selectors, which imported them all upward)."""

from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import user_roles
from cases.models import Stage
from cases.selectors import case_search
from core.pagination import COUNT_ESTIMATE_SECONDS, count_estimate
from prefilings.selectors import prefiling_list_for_user
from reviews import selectors as review_selectors
from reviews.selectors import supervisor_queue_rows

# Rows shown per section; the section links to its full list.
ROWS = 5


@dataclass
class Section:
    key: str
    title: str | Promise
    url: str
    kind: str  # "case" or "prefiling"
    count: int = 0
    overdue: int = 0
    # Past core.pagination.COUNT_EXACT_UP_TO the counts are estimates ("约 N").
    count_approximate: bool = False
    overdue_approximate: bool = False
    rows: list = field(default_factory=list)


def _my_open_cases(user: User) -> QuerySet:
    return (case_search(user=user, queue="mine").exclude(stage=Stage.CLOSED)
            .order_by(F("next_due").asc(nulls_last=True), "-id"))


def _applicants_turn(case) -> bool:
    """Stages where the next step is the applicant's: finish and submit the
    draft, answer the supplement request (补正), defend or waive (申辩)."""
    return case.stage in (Stage.DRAFT, Stage.SUPPLEMENT, Stage.DEFENCE)


def _queue(name: str):
    def build(user: User) -> QuerySet:
        return case_search(user=user, queue=name)
    return build


def _reviews(name: str):
    def build(user: User) -> QuerySet:
        return getattr(review_selectors, f"{name}_queue")(user=user)
    return build


def _prefilings(name: str):
    def build(user: User) -> QuerySet:
        return prefiling_list_for_user(user=user, queue=name)
    return build


# (key, title, role, queryset builder, full list's URL name, kind, due-date field)
SECTIONS = [
    ("mine", _("My applications in progress"), Role.APPLICANT, _my_open_cases, "cases:my_cases", "case",
     "next_due"),
    ("unit", _("Waiting for the unit's review"), Role.UNIT_REVIEWER, _queue("unit"), "cases:unit_queue", "case",
     "next_due"),
    ("intake", _("Waiting for intake"), Role.INTAKE, _queue("intake"), "cases:intake_queue", "case", "next_due"),
    ("prefiling_intake", _("Pre-filings to review"), Role.INTAKE, _prefilings("intake"), "prefilings:intake_queue",
     "prefiling", "review_due"),
    ("assign", _("Cases to assign"), Role.SUPERVISOR, _reviews("supervisor"), "reviews:supervisor_queue", "case",
     "next_due"),
    ("verify", _("My verification cases"), Role.INSPECTOR, _reviews("inspector"), "reviews:inspector_queue", "case",
     "next_due"),
    ("warnings", _("Open early warnings"), Role.INSPECTOR, _prefilings("warnings"), "prefilings:warnings",
     "prefiling", None),
    ("committee", _("Deliberation and review"), Role.COMMITTEE, _reviews("committee"), "reviews:committee_queue",
     "case", "next_due"),
    # Issue 16: a joint ruling's countersign (会签) by the 组织部门.
    ("countersign", _("Awaiting countersign (待会签)"), Role.ORG_DEPT, _reviews("countersign"),
     "reviews:countersign_queue", "case", "next_due"),
]


def register_workbench_section(section: tuple) -> None:
    """A workflow app adds its section (a tuple shaped like those above;
    kind "link": rows carry ``url``, ``label`` and ``hint``) without core
    importing it."""
    if all(s[0] != section[0] for s in SECTIONS):
        SECTIONS.append(section)


def workbench_for_user(*, user: User) -> list[Section]:
    """The sections of the roles ``user`` holds, each with its count, how
    many are overdue and its first rows: three queries a section, however
    many cases there are (counts stop at core.pagination.COUNT_EXACT_UP_TO
    and are estimated beyond; an estimate is kept
    core.pagination.COUNT_ESTIMATE_SECONDS, and asks nothing meanwhile)."""
    roles = user_roles(user)
    today = timezone.localdate()
    sections = []
    for key, title, role, build, url_name, kind, due_field in SECTIONS:
        if role not in roles:
            continue
        qs = build(user)
        section = Section(key=key, title=title, url=reverse(url_name), kind=kind)
        # Kept like the lists' (issue 19): past the threshold, the bounded
        # count and the planner's estimate were most of the page at 1M cases.
        section.count, section.count_approximate = count_estimate(qs, keep_seconds=COUNT_ESTIMATE_SECONDS)
        if section.count:
            if due_field:
                section.overdue, section.overdue_approximate = count_estimate(
                    qs.filter(**{f"{due_field}__lt": today}), keep_seconds=COUNT_ESTIMATE_SECONDS)
            if key == "assign":
                # Those waiting for him first (reviews.selectors).
                section.rows = supervisor_queue_rows(user=user, limit=ROWS)
            else:
                section.rows = list(qs[:ROWS])
            for row in section.rows:
                row.your_turn = key == "mine" and _applicants_turn(row)
                # The supervisor's queue counts active inspectors: fewer than
                # two means the case waits for him (DESIGN §2, verification).
                row.to_assign = key == "assign" and getattr(row, "inspectors", 2) < 2
                due = getattr(row, due_field, None) if due_field else None
                if due is not None and hasattr(due, "date"):
                    due = timezone.localdate(due)
                row.due = due
                row.overdue = bool(due and due < today)
        sections.append(section)
    return sections


def home(request):
    """The home page: the workbench of the signed-in user."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return render(request, "core/home.html", {"sections": workbench_for_user(user=request.user)})
