"""A ruled case, built through the cases services up to verification and
then given a ruling row directly (the reviews services are another
engineer's), plus helpers that bring a case to the state where a given
correction action is next."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services as case_services
from cases.models import Attachment, Case, Stage
from corrections import services
from reviews.models import Ruling
from tests.files import PDF_BYTES, PNG_BYTES


def pdf(name="整改证明.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="现场照片.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def fill_draft(case, actor):
    scenario = case.policy_version.items.filter(kind="positive").order_by("number").first()
    case_services.case_update(
        case=case, actor=actor, matter="2025年校舍改造中先行先试采购方式。", matter_date=dt.date(2025, 6, 1),
        impact="工期延误二十天", trigger="群众来信反映违规采购", accountability_considered="诫勉谈话",
        facts_reasons="出于公心，经集体研究，未谋取私利。", claimed_scenarios=[scenario],
    )
    case_services.attachment_add(case=case, actor=actor, file=pdf("证据.pdf"), kind=Attachment.Kind.EVIDENCE)


def make_ruled_case(users, *, result="mitigated", needs_correction=True, needs_clarification=True) -> Case:
    """Filed, forwarded and accepted through the cases services, then ruled
    by a plain ``Ruling`` row and a stage/outcome update."""
    applicant = users["applicant"]
    case = case_services.case_create(actor=applicant, title="校舍改造项目程序瑕疵申请容错")
    fill_draft(case, applicant)
    case_services.case_submit(case=case, actor=applicant)
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明、赵雷", opinion="情况属实，同意报送。")
    case_services.case_accept(case=case, actor=users["intake"])
    Ruling.objects.create(
        case=case, result=result, mitigation="lighter" if result == "mitigated" else "",
        reasons="符合容错条件，但程序存在瑕疵。", needs_correction=needs_correction,
        needs_clarification=needs_clarification, decided_on=timezone.localdate(), recorded_by=users["committee1"],
    )
    Case.objects.filter(pk=case.pk).update(stage=Stage.RULED, outcome=result)
    case.refresh_from_db()
    return case


@pytest.fixture
def ruled(users):
    return make_ruled_case(users)


@pytest.fixture
def exempt(users):
    return make_ruled_case(users, result="exempt", needs_correction=False, needs_clarification=False)


# Valid input of each action (files added where the action takes them).
def kwargs_for(action, case):
    from corrections.models import RectificationTask

    def task_id(status):
        qs = RectificationTask.objects.filter(correction__case=case, status=status).order_by("number")
        return qs.values_list("pk", flat=True).first() or 0

    return {
        "start_correction": lambda: {"decided_by": "县纪委常委会", "problems": "采购程序未履行公开招标。",
                                     "four_forms": "first", "four_forms_note": "谈话提醒"},
        "send_correction_notice": lambda: {},
        "record_talk": lambda: {"talk_on": timezone.localdate(), "participants": "陈静、张伟",
                                "record": "指出采购程序问题，要求整改。", "acknowledgement": "本人认可，保证整改。"},
        "add_rectification_task": lambda: {"description": "补办采购审批手续"},
        "submit_rectification_report": lambda: {"task_id": task_id("open"), "text": "已补办审批手续。",
                                                "files": [pdf()]},
        "accept_rectification": lambda: {"task_id": task_id("reported"), "reason": "整改到位"},
        "return_rectification": lambda: {"task_id": task_id("reported"), "reason": "缺少审批文件"},
        "record_rule_change": lambda: {"rule_change": "修订采购管理办法，明确限额以上须公开招标。",
                                       "document_title": "怀教发〔2026〕5号", "files": [pdf("制度.pdf")]},
        "skip_correction": lambda: {"reason": "免予问责，无需纠错。"},
        "request_clarification": lambda: {"reason": "举报内容失实，请求澄清。"},
        "record_clarification": lambda: {"points": [{"allegation": "收受供应商好处", "finding": "未发现收受好处的事实"}]},
        "issue_clarification": lambda: {"scope": "unit", "method": "letter"},
        "record_referral": lambda: {"referred_to": "县纪委案件监督管理室", "facts": "举报人捏造事实。"},
        "skip_clarification": lambda: {"reason": "举报属实部分已处理，无需澄清。"},
        "close": lambda: {"reason": "纠错澄清均已完成。"},
    }[action]()


# Who takes each step in the happy path.
ACTOR = {
    "start_correction": "supervisor", "skip_correction": "committee1", "send_correction_notice": "inspector1",
    "record_talk": "inspector1", "add_rectification_task": "inspector1",
    "submit_rectification_report": "applicant", "accept_rectification": "inspector2",
    "return_rectification": "inspector1", "record_rule_change": "inspector1",
    "request_clarification": "applicant", "record_clarification": "inspector1",
    "issue_clarification": "inspector1", "record_referral": "inspector1", "skip_clarification": "supervisor",
    "close": "inspector1",
}

# The steps that lead to the state where each action is next.
PATH = {
    "start_correction": [],
    "skip_correction": [],
    "request_clarification": [],
    "send_correction_notice": ["start_correction"],
    "record_talk": ["start_correction", "send_correction_notice"],
    "add_rectification_task": ["start_correction", "send_correction_notice", "record_talk"],
    "submit_rectification_report": ["start_correction", "send_correction_notice", "record_talk",
                                    "add_rectification_task"],
    "accept_rectification": ["start_correction", "send_correction_notice", "record_talk",
                             "add_rectification_task", "submit_rectification_report"],
    "return_rectification": ["start_correction", "send_correction_notice", "record_talk",
                             "add_rectification_task", "submit_rectification_report"],
    "record_rule_change": ["start_correction", "send_correction_notice", "record_talk",
                           "add_rectification_task", "submit_rectification_report", "accept_rectification"],
    "record_clarification": ["skip_correction", "request_clarification"],
    "issue_clarification": ["skip_correction", "request_clarification", "record_clarification"],
    "record_referral": ["skip_correction", "request_clarification", "record_clarification"],
    "skip_clarification": ["skip_correction"],
    "close": ["skip_correction", "skip_clarification"],
}


def do(action, case, users, actor=None):
    return services.ACTION_SERVICES[action](case=case, actor=users[actor or ACTOR[action]],
                                            **kwargs_for(action, case))


def bring_to(action, case, users):
    for step in PATH[action]:
        do(step, case, users)
    case.refresh_from_db()
    return case
