"""A registered demo pre-filing, made through the services; skipped if it exists."""

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from cases.demo import demo_pdf

from . import services
from .models import PreFiling, PreFilingAttachment

TITLE = "学校营养餐供餐模式改革试点"


def build_demo_prefiling(world) -> PreFiling | None:
    if PreFiling.objects.filter(title=TITLE).exists():
        return None
    users = world["users"]
    today = timezone.localdate()
    filing = services.prefiling_create(
        actor=users["applicant"], title=TITLE, measure="在三所学校试行集中配送供餐。",
        reasons="现有供餐模式成本高、质量不稳定。",
        risks=[{"risk": "供餐企业资质不足导致食品安全问题", "control": "公开招标并实地核查资质"},
               {"risk": "家长对收费标准有异议", "control": "召开家长听证会并公示收费标准"}],
        procedures={"collective_decision": {"done": True, "note": "局党组会集体研究"},
                    "expert_consultation": {"done": False, "note": ""},
                    "hearing": {"done": True, "note": "家长代表听证会"},
                    "legal_review": {"done": True, "note": "法律顾问出具合法性审查意见"}},
        responsible="张伟（副局长）", period_start=today, period_end=today + dt.timedelta(days=180),
    )
    for kind in ("collective_decision", "hearing", "legal_review", PreFilingAttachment.Kind.PLAN):
        services.prefiling_attachment_add(filing=filing, actor=users["applicant"],
                                          file=ContentFile(demo_pdf(), name=f"{kind}.pdf"), kind=kind)
    services.prefiling_submit(filing=filing, actor=users["applicant"])
    return services.prefiling_register(filing=filing, actor=users["intake"], report_interval_days=30)
