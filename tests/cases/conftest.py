import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import Attachment
from tests.files import PDF_BYTES, PNG_BYTES


def pdf(name="证据.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="现场照片.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def fill_draft(case, actor, with_files=True):
    """Everything submission needs."""
    scenario = case.policy_version.items.filter(kind="positive").order_by("number").first()
    services.case_update(
        case=case, actor=actor, matter="2025年校舍改造中先行先试采购方式。", matter_date=dt.date(2025, 6, 1),
        impact="工期延误二十天", trigger="群众来信", accountability_considered="诫勉谈话",
        facts_reasons="出于公心，经集体研究，未谋取私利。", claimed_scenarios=[scenario],
    )
    if with_files:
        services.attachment_add(case=case, actor=actor, file=pdf(), kind=Attachment.Kind.EVIDENCE)
    case.refresh_from_db()
    return case


@pytest.fixture
def draft(users):
    case = services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
    return fill_draft(case, users["applicant"])


@pytest.fixture
def submitted(draft, users):
    """An individual application forwarded by the unit: awaiting intake."""
    services.case_submit(case=draft, actor=users["applicant"])
    services.case_unit_forward(case=draft, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                               participants="王芳、李明、赵雷", opinion="情况属实，同意报送。")
    draft.refresh_from_db()
    return draft
