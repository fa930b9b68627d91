"""Demo cases in several stages, made through the services (so they carry
history, clocks and letters like real ones). Skipped if demo cases exist."""

import datetime as dt
import io

import pikepdf
from django.core.files.base import ContentFile

from core.subjects import hook

from . import services
from .models import Attachment, Case


def demo_pdf() -> bytes:
    """One blank page: a real PDF, which the upload check opens."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, static_id=True)
    return out.getvalue()


DEMO = [
    ("draft", "学校食堂改造项目采购程序瑕疵的容错申请", "applicant"),
    ("unit_review", "乡村道路硬化工程先行先试的容错申请", "applicant"),
    ("submitted", "疫情防控物资应急采购未履行招标程序的容错申请", "applicant"),
    ("supplement", "老旧小区改造中调整资金用途的容错申请", "applicant"),
    ("verification", "招商引资项目给予优惠政策超出规定的容错申请", "applicant"),
    ("ruled", "智慧校园平台建设中先行先试采购的容错申请", "applicant"),
]


def _file(case, actor, name):
    f = ContentFile(demo_pdf(), name=name)
    services.attachment_add(case=case, actor=actor, file=f, kind=Attachment.Kind.EVIDENCE)


def build_demo_cases(world) -> list[Case]:
    users = world["users"]
    if Case.objects.filter(title__in=[t for _s, t, _u in DEMO]).exists():
        return []
    made = []
    for stage, title, who in DEMO:
        applicant = users[who]
        try:
            case = services.case_create(actor=applicant, title=title)
        except Exception:  # noqa: BLE001 - no policy loaded: no demo cases
            return made
        scenario = case.policy_version.items.filter(kind="positive").order_by("number").first()
        services.case_update(
            case=case, actor=applicant, matter=f"{title.removesuffix('的容错申请')}。", matter_date=dt.date(2026, 5, 10),
            impact="造成一定经济损失，已部分挽回。", trigger="县委巡察反馈", accountability_considered="诫勉谈话",
            facts_reasons="出于推动工作的公心，经领导班子集体研究决定，未谋取私利。",
            remedial_steps="及时整改，追回款项。", claimed_scenarios=[scenario] if scenario else [],
        )
        _file(case, applicant, "情况说明.pdf")
        if stage != "draft":
            case = services.case_submit(case=case, actor=applicant)
        if stage in ("submitted", "supplement", "verification", "ruled") and case.stage == "unit_review":
            case = services.case_unit_forward(
                case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 11, 2),
                participants="王芳、李明、赵雷", opinion="情况属实，同意报送。")
        if stage == "supplement":
            services.case_request_supplement(case=case, actor=users["intake"], missing="请补充集体研究会议纪要。")
        if stage in ("verification", "ruled"):
            services.case_accept(case=case, actor=users["intake"])
        if stage == "ruled":
            # Verification to ruling is the reviews app's (its hook, core.subjects).
            hook("case", "demo_rule")(case, users)
        case.refresh_from_db()
        made.append(case)
    return made
