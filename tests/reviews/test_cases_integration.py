"""Filing-stage actions once verification has begun."""

import pytest

from cases import services as case_services
from cases.models import Stage
from core.exceptions import ApplicationError
from reviews import services

from .conftest import accept_case

pytestmark = pytest.mark.django_db


def test_only_assigned_inspectors_ask_for_supplements_at_verification(users):
    """At verification, an inspector of the jurisdiction who is not assigned
    cannot ask for supplements; an assigned one can, and the case waits."""
    case = accept_case(users)
    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
    from reviews.models import Assignment

    Assignment.objects.filter(case=case, inspector=users["inspector2"]).update(active=False)
    with pytest.raises(ApplicationError) as refused:
        case_services.case_request_supplement(case=case, actor=users["inspector2"], missing="谈话笔录")
    assert refused.value.status_code == 403
    case_services.case_request_supplement(case=case, actor=users["inspector1"], missing="谈话笔录")
    case.refresh_from_db()
    assert case.stage == Stage.SUPPLEMENT


def test_opening_inspector_is_not_a_party_to_a_proactive_case(users, units):
    """The inspector who opens a proactive case cannot withdraw it; the cadre can."""
    case = services.case_open_proactive(
        actor=users["inspector1"], applicant=users["applicant2"], unit=units["huailai-zj"],
        title="问责调查中同步核实容错情形", matter="项目审批超时限", trigger="审计移送",
        accountability_considered="通报批评", facts_reasons="因疫情防控客观条件限制。",
    )
    with pytest.raises(ApplicationError) as refused:
        case_services.case_withdraw(case=case, actor=users["inspector1"], reason="x")
    assert refused.value.status_code == 403
    assert "withdraw" in case_services.case_actions_for_user(case=case, user=users["applicant2"])


def test_assessment_shows_what_was_declared_in_advance(users, world, client):
    """On the case page, the assessment section shows the cited pre-filing's
    declared risks beside what happened."""
    from prefilings.models import Citation, PreFiling

    case = accept_case(users)
    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
    filing = PreFiling.objects.create(
        status=PreFiling.Status.REGISTERED, unit=case.unit, filed_by=users["applicant"],
        jurisdiction=case.jurisdiction, policy_version=case.policy_version, title="校舍改造先行开工试点",
        number="怀容备〔2026〕第0001号", number_year=2026, number_seq=1,
        risks=[{"risk": "汛期工期延误", "control": "分段施工"}],
    )
    Citation.objects.create(case=case, prefiling=filing, cited_by=users["applicant"])
    client.force_login(users["inspector1"])
    body = client.get(f"/cases/{case.pk}/").content.decode()
    section = body[body.index('id="rv-prefiled"'):]
    assert "怀容备〔2026〕第0001号" in section and "汛期工期延误" in section


def test_inspector_queue_keeps_cases_in_correction(users):
    """An assigned inspector finds his case in his queue while it is in correction."""
    from cases.models import Case
    from reviews.selectors import inspector_queue

    case = accept_case(users)
    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
    Case.objects.filter(pk=case.pk).update(stage=Stage.CORRECTION)
    assert case.pk in set(inspector_queue(user=users["inspector1"]).values_list("pk", flat=True))
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED)
    assert case.pk not in set(inspector_queue(user=users["inspector1"]).values_list("pk", flat=True))
