import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from prefilings import services
from prefilings.models import PreFilingAttachment
from tests.files import PDF_BYTES

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# Friday 9 January 2026: one working day later is Monday 12 January.
FRIDAY = dt.date(2026, 1, 9)
MONDAY = dt.date(2026, 1, 12)

RISKS = [
    {"risk": "供餐企业资质不足导致食品安全问题", "control": "公开招标并实地核查资质"},
    {"risk": "家长对收费标准有异议", "control": "召开家长听证会并公示收费标准"},
]
PROCEDURES = {
    "collective_decision": {"done": True, "note": "2026年1月5日局党组会集体研究"},
    "expert_consultation": {"done": False, "note": ""},
    "hearing": {"done": False, "note": ""},
    "legal_review": {"done": True, "note": "法律顾问出具合法性审查意见"},
}


def at(day: dt.date, hour: int = 10, minute: int = 0):
    """Freeze time at ``day`` ``hour``:``minute`` in Asia/Shanghai."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI), tick=False)


def pdf(name="会议纪要.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def make_draft(actor, **overrides):
    """A complete draft of 怀来县教育局's school-meal reform, with the
    documents of each procedure declared followed."""
    data = {
        "title": "学校营养餐供餐模式改革试点", "measure": "在三所学校试行集中配送供餐。",
        "reasons": "现有供餐模式成本高、质量不稳定。", "risks": RISKS, "procedures": PROCEDURES,
        "responsible": "张伟（副局长）", "period_start": dt.date(2026, 2, 1),
        "period_end": dt.date(2026, 7, 31),
    }
    data.update(overrides)
    filing = services.prefiling_create(actor=actor, **data)
    for code, value in (data["procedures"] or {}).items():
        if value.get("done"):
            services.prefiling_attachment_add(filing=filing, actor=actor, file=pdf(f"{code}.pdf"), kind=code)
    services.prefiling_attachment_add(filing=filing, actor=actor, file=pdf("方案.pdf"),
                                      kind=PreFilingAttachment.Kind.PLAN)
    filing.refresh_from_db()
    return filing


@pytest.fixture
def draft(users):
    return make_draft(users["applicant"])


@pytest.fixture
def submitted(draft, users):
    with at(FRIDAY):
        services.prefiling_submit(filing=draft, actor=users["applicant"])
    draft.refresh_from_db()
    return draft


@pytest.fixture
def registered(submitted, users):
    with at(FRIDAY, 15):
        services.prefiling_register(filing=submitted, actor=users["intake"], report_interval_days=30)
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def eager_celery():
    """``.delay()`` runs inline, so on-commit tasks run in the test."""
    from config.celery_app import app

    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages in English (their msgids), so tests can match them;
    pages and the API still answer in the request's language."""
    from django.utils import translation

    with translation.override("en"):
        yield
