"""Fixtures for verification-to-review tests: an accepted case, and the
helpers that walk it through each step with the real services."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, Role
from cases import services as case_services
from cases.models import Attachment
from reviews import services
from tests.factories import UserFactory
from tests.files import PDF_BYTES

TODAY = dt.date(2026, 3, 2)  # a Monday, with calendar data


def pdf(name="谈话笔录.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def fill_draft(case, actor):
    scenario = case.policy_version.items.filter(kind="positive").order_by("number").first()
    case_services.case_update(
        case=case, actor=actor, matter="2025年校舍改造中先行先试采购方式。", matter_date=dt.date(2025, 6, 1),
        impact="工期延误二十天", trigger="群众来信", accountability_considered="诫勉谈话",
        facts_reasons="出于公心，经集体研究，未谋取私利。", claimed_scenarios=[scenario],
    )
    case_services.attachment_add(case=case, actor=actor, file=pdf("证据.pdf"), kind=Attachment.Kind.EVIDENCE)
    case.refresh_from_db()
    return case


def accept_case(users):
    """An individual application taken through filing and intake: at
    verification with its clock running."""
    case = case_services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
    fill_draft(case, users["applicant"])
    case_services.case_submit(case=case, actor=users["applicant"])
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    case_services.case_accept(case=case, actor=users["intake"])
    case.refresh_from_db()
    return case


def items(case, kind):
    return list(case.policy_version.items.filter(kind=kind).order_by("number"))


def all_met(case):
    return {str(i.pk): {"met": True, "reason": "经核实属实"} for i in items(case, "condition")}


def judgements():
    from reviews.selectors import BUILTIN_DISTINCTIONS, BUILTIN_FACTORS

    return ({k: "属于先行先试" for k, _ in BUILTIN_DISTINCTIONS}, {k: "情节轻微" for k, _ in BUILTIN_FACTORS})


def assess(case, actor, *, conditions=None, negatives=()):
    distinctions, factors = judgements()
    return services.case_assess(
        case=case, actor=actor, conditions=conditions or all_met(case), positive_item=items(case, "positive")[0],
        negative_items=list(negatives), negative_note="经比对负面清单。", distinctions=distinctions, factors=factors,
    )


def to_defence(case, users, result="exempt"):
    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
    services.interview_record(case=case, actor=users["inspector1"], person="张伟", held_on=dt.date(2026, 1, 6),
                              summary="本人陈述采购经过。", file=pdf())
    assess(case, users["inspector1"])
    services.case_preliminary_report(case=case, actor=users["inspector2"], recommended_result=result,
                                     summary="符合容错条件。")
    case.refresh_from_db()
    return case


def to_deliberation(case, users):
    to_defence(case, users)
    services.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
    case.refresh_from_db()
    return case


def vote_all(case, users, results=("exempt", "exempt", "exempt"), members=("committee1", "committee2",
                                                                             "committee3")):
    services.meeting_record(case=case, actor=users[members[0]], held_on=dt.date(2026, 1, 8),
                            members_present=[users[m] for m in members])
    # Each member votes for himself (a vote recorded for him by the
    # minute-taker would count only once he confirms it).
    for name, result in zip(members, results, strict=False):
        services.vote_record(case=case, actor=users[name], result=result, opinion="同意")


def to_ruled(case, users, result="exempt"):
    to_deliberation(case, users)
    vote_all(case, users, results=(result,) * 3)
    uses = items(case, "result_use")
    services.case_rule(case=case, actor=users["committee1"], result=result, reasons="符合容错条件。",
                       applied_items=items(case, "positive")[:1], uses=[{"item": uses[0], "duration_months": None if result == "exempt" else 6}],  # noqa: E501
                       needs_correction=True, mitigation="lighter" if result == "mitigated" else "")
    case.refresh_from_db()
    return case


def review_members(world, n=3):
    """Committee members who did not sit on the first ruling."""
    out = []
    for i in range(n):
        user = UserFactory(username=f"review{i}", full_name=f"复核委员{i}", org_unit=world["units"]["huailai-jw"])
        Membership.objects.create(user=user, org_unit=world["units"]["huailai"], role=Role.COMMITTEE)
        out.append(user)
    return out


@pytest.fixture
def accepted(users):
    return accept_case(users)
