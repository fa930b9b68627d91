"""Ruled cases for the publication tests. Cases are brought to
verification through the filing and intake services (as in
tests/cases/conftest.py), then the ruling is written directly: the ruling
workflow is another app's and is not under test here."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services as case_services
from cases.models import Attachment, Case, Stage
from policies.models import PolicyItem
from reviews.models import Ruling
from tests.files import PDF_BYTES

ID_NUMBER = "130730198805120011"
PHONE = "13812345678"
ADDRESS = "沙城镇幸福路12号"
FACTS = f"张伟同志家住怀来县{ADDRESS}，联系电话{PHONE}。出于公心，经集体研究，未谋取私利。"


def pdf(name="证据.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def text_pdf(text: str, name="附件.pdf"):
    """A real PDF whose text layer holds ``text`` (CJK included)."""
    from weasyprint import HTML

    html = f'<html><body style="font-family: \'WenQuanYi Zen Hei\'"><p>{text}</p></body></html>'
    return SimpleUploadedFile(name, HTML(string=html).write_pdf(), content_type="application/pdf")


def bring_to_verification(users, username="applicant", title="校舍改造项目程序瑕疵申请容错", facts=FACTS) -> Case:
    applicant = users[username]
    case = case_services.case_create(actor=applicant, title=title)
    scenario = case.policy_version.items.filter(kind="positive").order_by("number").first()
    case_services.case_update(
        case=case, actor=applicant, matter="2025年校舍改造中先行先试采购方式。", matter_date=dt.date(2025, 6, 1),
        impact="工期延误二十天", trigger="群众来信", accountability_considered="诫勉谈话",
        facts_reasons=facts, claimed_scenarios=[scenario],
    )
    case_services.attachment_add(case=case, actor=applicant, file=pdf(), kind=Attachment.Kind.EVIDENCE)
    case_services.case_submit(case=case, actor=applicant)
    case.refresh_from_db()
    if case.stage == Stage.UNIT_REVIEW:
        reviewer = users["unit_reviewer"]
        if case.unit.code != "huailai-edu":
            from accounts.models import Role
            from accounts.services import membership_grant

            membership_grant(user=reviewer, org_unit=case.unit, role=Role.UNIT_REVIEWER)
            reviewer = type(reviewer).objects.get(pk=reviewer.pk)  # fresh role cache
        case_services.case_unit_forward(case=case, actor=reviewer, meeting_date=dt.date(2026, 1, 5),
                                        participants="王芳、李明、赵雷", opinion="情况属实，同意报送。")
    intake = users["intake"] if case.jurisdiction.code == "huailai" else users["km_intake"]
    case_services.case_accept(case=case, actor=intake)
    case.refresh_from_db()
    return case


def rule(case: Case, users, result="exempt", decided_on=dt.date(2026, 3, 2), stage=Stage.RULED) -> Ruling:
    """Write the ruling as the ruling workflow would leave it."""
    ruling = Ruling.objects.create(
        case=case, result=result, reasons="符合容错条件，属于改革创新中的失误。", decided_on=decided_on,
        recorded_by=users["committee1"],
    )
    items = PolicyItem.objects.filter(version=case.policy_version, kind__in=["positive", "condition"], number=1)
    ruling.applied_items.set(items)
    Case.objects.filter(pk=case.pk).update(stage=stage, outcome=result)
    case.refresh_from_db()
    return ruling


@pytest.fixture
def identified(users):
    """The applicant with an ID number and a phone on record."""
    applicant = users["applicant"]
    applicant.id_number = ID_NUMBER
    applicant.phone = PHONE
    applicant.save(update_fields=["id_number", "phone"])
    return applicant


@pytest.fixture
def ruled_case(users, identified):
    case = bring_to_verification(users)
    rule(case, users)
    return case
