"""Clarification cases through the services: opening, the check, the
scope, the statement, publication, referral, petitioning, closing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseEvent, Origin, Stage
from clarifications import services
from clarifications import steps as declared
from clarifications.models import EventKind, ReportMatter
from core.exceptions import ApplicationError
from core.steps import steps_of
from deadlines.models import Clock
from letters.models import Letter

from .conftest import POINTS, check_all, open_case

pytestmark = pytest.mark.django_db


def test_opening_makes_a_numbered_case_at_report_check_with_its_clock(report_case, users):
    case = report_case
    assert case.origin == Origin.REPORT and case.stage == Stage.REPORT_CHECK
    assert "澄〔" in case.number and case.applicant == users["applicant"]
    matter = ReportMatter.objects.get(case=case)
    assert [p.allegation for p in matter.points.all()] == POINTS
    assert Clock.objects.filter(case=case, stage="clarification").exclude(status="stopped").count() == 1
    event = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    assert "钱多多" not in str(event.data) and "钱多多" not in event.reason
    assert "钱多多" not in case.search_text


def test_only_an_inspector_opens_one(users, units):
    with pytest.raises(ApplicationError):
        services.clarification_case_open(
            actor=users["intake"], cadre=users["applicant"], unit=units["huailai-edu"], title="t",
            report_number="1", received_on=timezone.localdate(), points=["x"])


def test_conclusion_waits_for_every_finding_and_the_view(report_case, users):
    services.point_finding_record(case=report_case, actor=users["inspector1"], number=1, finding="untrue",
                                  basis="无此事")
    with pytest.raises(ApplicationError) as exc:
        services.check_conclude(case=report_case, actor=users["inspector1"], conclusion="x")
    assert exc.value.message == str(services.POINTS_OPEN)


def test_all_true_closes_without_clarification(users, units):
    case = open_case(users, units, points=["迟到早退"])
    case = check_all(case, users, findings=("true",))
    assert case.stage == Stage.CLOSED
    assert not Clock.objects.filter(case=case).exclude(status="stopped").exists()


def test_unit_scope_statement_and_close(report_case, users):
    case = check_all(report_case, users)
    assert case.stage == Stage.REPORT_CLARIFICATION
    services.clarification_scope_decide(case=case, actor=users["supervisor"], scope="unit", method="meeting")
    letter = services.clarification_statement_issue(case=case, actor=users["inspector1"])
    assert letter.kind == "report_clarification"
    ctx = Letter.objects.get(pk=letter.pk).context
    assert [p["finding_label"] for p in ctx["points"]] == ["失实", "查无实据", "失实"]
    assert "钱多多" not in str(ctx) and "13900001111" not in str(ctx)
    assert ctx["scope_label"] == "本单位"
    services.clarification_case_close(case=case, actor=users["inspector1"])
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED


def test_public_scope_is_published_without_the_cadres_or_reporters_name(report_case, users):
    case = check_all(report_case, users)
    services.clarification_scope_decide(case=case, actor=users["supervisor"], scope="public", method="notice")
    services.clarification_statement_issue(case=case, actor=users["inspector1"])
    with pytest.raises(ApplicationError):
        services.clarification_publish(case=case, actor=users["inspector1"])  # not the administrator
    publication = services.clarification_publish(case=case, actor=users["admin"])
    assert publication.status == "published"
    text = publication.published_title + publication.published_text
    assert "失实" in text and "查无实据" in text
    for name in ("张伟", "钱多多", "13900001111"):
        assert name not in text


def test_referral_and_petitioning_are_recorded(report_case, users):
    case = check_all(report_case, users)
    services.false_accusation_refer(case=case, actor=users["inspector1"], referred_to="县公安局",
                                    facts="举报人明知不实仍捏造事实。")
    with pytest.raises(ApplicationError):
        services.false_accusation_refer(case=case, actor=users["inspector1"], referred_to="x", facts="y")
    services.petition_record(case=case, actor=users["inspector1"], occurred_on=timezone.localdate(),
                             description="就同一事项第五次到县信访局上访。", handling="告知核查结论，依法引导。")
    matter = ReportMatter.objects.get(case=case)
    assert matter.referred_to == "县公安局" and matter.petitions.count() == 1
    event = CaseEvent.objects.get(case=case, kind=EventKind.REFERRED)
    assert event.data == {"referred_to": "县公安局", "referred_on": timezone.localdate().isoformat()}


def test_referral_input_is_checked_as_in_a_ruled_case(report_case, users):
    """The referral writer is core.referrals', as corrections': both fields
    named when missing, no future date; nothing is written."""
    case = check_all(report_case, users)
    with pytest.raises(ValidationError) as missing:
        services.false_accusation_refer(case=case, actor=users["inspector1"], referred_to="", facts=" ")
    assert set(missing.value.message_dict) == {"referred_to", "facts"}
    with pytest.raises(ValidationError) as future:
        services.false_accusation_refer(case=case, actor=users["inspector1"], referred_to="县公安局", facts="捏造",
                                        referred_on=timezone.localdate() + dt.timedelta(days=2))
    assert set(future.value.message_dict) == {"referred_on"}
    assert not ReportMatter.objects.get(case=case).referred_on
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.REFERRED).exists()


def test_steps_are_their_own_and_replace_none_of_another_app():
    """core.steps keys steps by name: a name taken twice would silently
    replace the other app's step (as record_referral did corrections')."""

    steps = steps_of("case")
    ours = {n for n, s in steps.items() if s.app == "clarifications"}
    assert len(ours) == 10
    assert steps["record_referral"].app == "corrections"
    assert declared.CHECK == Stage.REPORT_CHECK
