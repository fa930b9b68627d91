"""The demo data of ``make run`` (issue 22): in 怀来县 a review can be
decided by members who did not vote on the first ruling; 昆明市 has every
role a case needs; the login list that scripts/run.sh prints names every
demo user."""

import datetime as dt
import re
from pathlib import Path

import pytest

from accounts.demo import DEMO_EXTRA_USERS, USERS, build_demo_org
from accounts.models import Role
from accounts.selectors import users_with_role
from reviews import services
from reviews.selectors import eligible_members_for

pytestmark = pytest.mark.django_db


def test_a_review_decided_by_non_voters(world):
    """The demo case ruled by the first quorum; the applicant asks for 复核;
    the remaining members meet, vote and decide it."""
    from cases.demo import build_demo_cases
    from cases.models import Case, Stage

    demo = build_demo_org(extra=True)
    build_demo_cases(demo)
    case = Case.objects.get(stage=Stage.RULED, title__startswith="智慧校园")
    services.case_request_review(case=case, actor=case.applicant, reasons="处理结果偏重")
    case.refresh_from_db()
    others = eligible_members_for(case=case)
    assert {u.username for u in others} == {"committee5", "committee6"}
    services.meeting_record(case=case, actor=others[0], held_on=dt.date.today(), members_present=others)
    for member in others:
        services.vote_record(case=case, actor=member, result="exempt", opinion="同意改为免责")
    services.case_decide_review(case=case, actor=others[0], result="exempt", reasons="复核改为予以容错。")
    case.refresh_from_db()
    assert case.stage == Stage.RULED and case.outcome == "exempt"


def test_kunming_has_a_complete_staff(world):
    units = build_demo_org(extra=True)["units"]
    for role in (Role.UNIT_REVIEWER, Role.INTAKE, Role.SUPERVISOR, Role.COMMITTEE):
        over = units["kunming-fgw"] if role == Role.UNIT_REVIEWER else units["kunming"]
        assert users_with_role(role=role, org_unit=over), role
    assert len(users_with_role(role=Role.INSPECTOR, org_unit=units["kunming"])) >= 2
    assert len(users_with_role(role=Role.COMMITTEE, org_unit=units["kunming"])) >= 3


def test_run_script_lists_every_demo_login():
    text = (Path(__file__).resolve().parents[2] / "scripts" / "run.sh").read_text()
    block = text[text.index("Demo logins"):text.index("Worker and beat logs")]
    listed = set(re.findall(r"[a-z_]+\d?", block))
    for ranged in re.findall(r"([a-z_]+?)(\d) … [a-z_]+?(\d)", block):
        listed |= {f"{ranged[0]}{i}" for i in range(int(ranged[1]), int(ranged[2]) + 1)}
    missing = sorted((set(USERS) | set(DEMO_EXTRA_USERS)) - listed)
    assert missing == []
