"""Cases for the dashboard tests, written as rows (with their history and
clocks at chosen times) so that the expected figures are known exactly."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, Origin
from core.history import chain_append
from deadlines.models import Clock, ClockEntry
from deadlines.services import case_deadline_sync
from policies.models import PolicyItem

TZ = timezone.get_current_timezone()


def at(day: int, hour: int = 9, month: int = 3, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=TZ)


def make_case(world, *, applicant="applicant", stage="submitted", outcome="", scenario="改革创新",
              title="测试案件", submitted_at=None, number="") -> Case:
    user = world["users"][applicant]
    km = applicant.startswith("km_")
    policy = world["km_policy"] if km else world["policy"]
    case = Case.objects.create(
        origin=Origin.INDIVIDUAL, applicant=user, created_by=user, unit=user.org_unit,
        jurisdiction=world["units"]["kunming" if km else "huailai"], policy_version=policy, title=title,
        stage=stage, outcome=outcome, submitted_at=submitted_at or at(2), number=number,
    )
    if scenario:
        case.claimed_scenarios.set(PolicyItem.objects.filter(version=policy, kind="positive", title=scenario))
    return case


def history(case: Case, steps: list[tuple[str, str, dt.datetime]]) -> None:
    """Stage changes (from, to, when) written as history events."""
    for from_stage, to_stage, when in steps:
        # Written with its time: history rows take no UPDATE (core.history).
        chain_append(CaseEvent, case=case, kind="other", from_stage=from_stage, to_stage=to_stage,
                     created_at=when)


def clock(case: Case, *, stage="verification", due=None, status=Clock.Status.RUNNING,
          pauses: list[tuple[dt.datetime, dt.datetime | None]] = ()) -> Clock:
    c = Clock.objects.create(case=case, stage=stage, status=status, started_on=dt.date(2026, 3, 3), amount=30,
                             unit="working_day", due_date=due or dt.date(2026, 4, 20))
    for start, end in pauses:
        for kind, when in (("pause", start), ("resume", end)):
            if when is None:
                continue
            entry = ClockEntry.objects.create(clock=c, kind=kind, on=when.date())
            ClockEntry.objects.filter(pk=entry.pk).update(created_at=when)
    # The copy on the case every clock service keeps (Case.next_due …).
    case_deadline_sync(case_id=case.pk)
    return c


@pytest.fixture
def known(world):
    """Huailai: closed/exempt, ruled/rejected (both 改革创新), ruled/mitigated
    (应急处置), verification with an overdue clock, submitted; Kunming:
    closed/exempt; plus a Huailai draft nobody on staff sees."""
    cases = {
        "exempt": make_case(world, stage="closed", outcome="exempt", title="甲案", number="怀容〔2026〕第0001号"),
        "rejected": make_case(world, stage="ruled", outcome="rejected", title="乙案", number="怀容〔2026〕第0002号",
                              submitted_at=at(5, month=2)),
        "mitigated": make_case(world, applicant="applicant2", stage="ruled", outcome="mitigated",
                               scenario="应急处置", title="丙案", number="怀容〔2026〕第0003号"),
        "overdue": make_case(world, stage="verification", title="丁案", number="怀容〔2026〕第0004号"),
        "submitted": make_case(world, stage="submitted", title="戊案", number="怀容〔2026〕第0005号"),
        "km": make_case(world, applicant="km_applicant", stage="closed", outcome="exempt", title="己案",
                        number="昆容〔2026〕第0001号"),
        "draft": make_case(world, stage="draft", title="庚案", submitted_at=None),
    }
    Case.objects.filter(pk=cases["draft"].pk).update(submitted_at=None)
    clock(cases["overdue"], due=timezone.localdate() - dt.timedelta(days=3))
    # A running clock not yet due and a stopped one long past: not overdue.
    clock(cases["submitted"], stage="intake", due=timezone.localdate() + dt.timedelta(days=3))
    clock(cases["rejected"], stage="deliberation", due=dt.date(2026, 1, 5), status=Clock.Status.STOPPED)
    return cases
