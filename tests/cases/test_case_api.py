"""The REST API of filing and intake (/api/v1/cases/): the full flow,
visibility (404), roles (403), stages (409), uploads, token auth, the error
shape and pinned query counts."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.demo import DEMO_PASSWORD
from cases import services
from cases.models import Attachment, Case, CaseEvent, Stage
from deadlines.models import Clock

from .conftest import PDF_BYTES, fill_draft, pdf, png

pytestmark = pytest.mark.django_db

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode."
CASES = "/api/v1/cases/"


def _client(user, **headers) -> APIClient:
    """A client logged in by session: every request loads its user afresh,
    as in the browser (no role cache carried between requests)."""
    client = APIClient(**headers)
    client.force_login(user)
    return client


def _url(case, action=""):
    return f"{CASES}{case.pk}/{action + '/' if action else ''}"


def _kinds(body):
    # Letters record their own history events (letter_issued); the filing
    # and intake steps are what this API is answerable for.
    return [e["kind"] for e in body["events"] if e["kind"] != "letter_issued"]


def _stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


ACTION_BODIES = {
    "submit": {},
    "withdraw": {"reason": "不再申请"},
    "unit_forward": {"meeting_date": "2026-01-05", "participants": "王芳、李明", "opinion": "情况属实，同意报送。"},
    "unit_return": {"reason": "材料不全"},
    "accept": {"reason": "材料齐全"},
    "request_supplement": {"missing": "会议纪要原件"},
    "supplement": {"answer": "已补充会议纪要"},
    "not_accept": {"reason": "不属于受理范围"},
}
ACTOR_FOR = {
    "submit": "applicant", "withdraw": "applicant", "unit_forward": "unit_reviewer",
    "unit_return": "unit_reviewer", "accept": "intake", "request_supplement": "intake",
    "supplement": "applicant", "not_accept": "intake",
}
LEGAL_FROM = {
    "submit": {Stage.DRAFT},
    "withdraw": {Stage.DRAFT, Stage.UNIT_REVIEW, Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.VERIFICATION},
    "unit_forward": {Stage.UNIT_REVIEW},
    "unit_return": {Stage.UNIT_REVIEW},
    "accept": {Stage.SUBMITTED},
    "request_supplement": {Stage.SUBMITTED},
    "supplement": {Stage.SUPPLEMENT},
    "not_accept": {Stage.SUBMITTED, Stage.SUPPLEMENT},
}
STAGES = [Stage.DRAFT, Stage.UNIT_REVIEW, Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.VERIFICATION, Stage.CLOSED]


def _case_at(stage, users, title="申请"):
    """A case brought to ``stage`` through the services (never by posting
    prerequisite JSON)."""
    applicant, reviewer, intake = users["applicant"], users["unit_reviewer"], users["intake"]
    case = services.case_create(actor=applicant, title=title)
    fill_draft(case, applicant)
    if stage != Stage.DRAFT:
        services.case_submit(case=case, actor=applicant)
    if stage not in (Stage.DRAFT, Stage.UNIT_REVIEW):
        services.case_unit_forward(case=case, actor=reviewer, meeting_date=dt.date(2026, 1, 5),
                                   participants="甲、乙", opinion="同意")
    if stage == Stage.SUPPLEMENT:
        services.case_request_supplement(case=case, actor=intake, missing="会议纪要")
    elif stage == Stage.VERIFICATION:
        services.case_accept(case=case, actor=intake)
    elif stage == Stage.CLOSED:
        services.case_not_accept(case=case, actor=intake, reason="不属于受理范围")
    case.refresh_from_db()  # the services changed a locked copy
    return case


def _snapshot(case):
    case.refresh_from_db()
    return (case.stage, case.outcome, case.number, CaseEvent.objects.filter(case=case).count(),
            sorted(Clock.objects.filter(case=case).values_list("stage", "status")),
            Attachment.objects.filter(case=case).count())


# --- The whole flow --------------------------------------------------------------------


def test_full_flow_through_the_api(users, world, settings):
    """Create, upload two files, submit, forward, ask for a supplement,
    upload during the supplement, answer and accept: every step answers
    with the case detail, and the history records each step with its actor."""
    applicant = _client(users["applicant"])
    scenario = world["policy"].items.filter(kind="positive").order_by("number").first()

    r = applicant.post(CASES, {
        "origin": "individual", "title": "校舍改造项目程序瑕疵申请容错",
        "matter": "2025年校舍改造中先行先试采购方式。", "matter_date": "2025-06-01",
        "impact": "工期延误二十天", "trigger": "群众来信", "accountability_considered": "诫勉谈话",
        "facts_reasons": "出于公心，经集体研究，未谋取私利。", "claimed_scenarios": [scenario.pk],
    }, format="json")
    assert r.status_code == 201, r.data
    body = r.data
    case_id = body["id"]
    assert body["stage"] == "draft" and body["number"] == ""
    assert body["policy_version"] == {"id": world["policy"].pk, "title": world["policy"].document.title,
                                      "version": world["policy"].number}
    assert [s["id"] for s in body["claimed_scenarios"]] == [scenario.pk]
    assert {"source", "certainty"} <= set(body["claimed_scenarios"][0])
    assert {a["name"] for a in body["actions"]} >= {"edit", "submit", "withdraw"}

    for f in (pdf("证据一.pdf"), png("现场照片.png")):
        r = applicant.post(f"{CASES}{case_id}/attachments/", {"file": f, "kind": "evidence"}, format="multipart")
        assert r.status_code == 201, r.data
    r = applicant.get(f"{CASES}{case_id}/attachments/")
    assert [(a["original_name"], a["content_type"]) for a in r.data] == [
        ("证据一.pdf", "application/pdf"), ("现场照片.png", "image/png")]
    assert all(len(a["sha256"]) == 64 and a["uploaded_by"]["id"] == users["applicant"].pk for a in r.data)

    r = applicant.post(f"{CASES}{case_id}/submit/")
    assert r.status_code == 200, r.data
    assert r.data["stage"] == "unit_review"
    assert re.fullmatch(r"怀容〔\d{4}〕第0001号", r.data["number"])
    assert all(a["locked"] for a in r.data["attachments"])

    reviewer = _client(users["unit_reviewer"])
    r = reviewer.post(f"{CASES}{case_id}/unit_forward/", ACTION_BODIES["unit_forward"], format="json")
    assert r.status_code == 200, r.data
    assert r.data["stage"] == "submitted"
    assert r.data["unit_reviews"][0]["decision"] == "forward"
    assert r.data["unit_reviews"][0]["reviewer"] == {"id": users["unit_reviewer"].pk, "name": "王芳"}

    intake = _client(users["intake"])
    r = intake.post(f"{CASES}{case_id}/request_supplement/", {"missing": "会议纪要原件"}, format="json")
    assert r.status_code == 200, r.data
    assert r.data["stage"] == "supplement"
    assert r.data["supplement_requests"][0]["missing"] == "会议纪要原件"
    assert r.data["supplement_requests"][0]["answered_at"] is None

    r = applicant.post(f"{CASES}{case_id}/attachments/", {"file": pdf("会议纪要.pdf")}, format="multipart")
    assert r.status_code == 201, r.data
    assert r.data["kind"] == "supplement" and r.data["locked"] is False

    r = applicant.post(f"{CASES}{case_id}/supplement/", {"answer": "已补充会议纪要原件"}, format="json")
    assert r.status_code == 200, r.data
    assert r.data["stage"] == "submitted"
    assert r.data["supplement_requests"][0]["answer"] == "已补充会议纪要原件"

    r = intake.post(f"{CASES}{case_id}/accept/", {"reason": "材料齐全"}, format="json")
    assert r.status_code == 200, r.data
    assert r.data["stage"] == "verification" and r.data["accepted_at"]
    assert all(a["locked"] for a in r.data["attachments"]) and len(r.data["attachments"]) == 3

    r = applicant.get(f"{CASES}{case_id}/")
    assert _kinds(r.data) == [
        "created", "attachment_added", "attachment_added", "submitted", "unit_forwarded",
        "supplement_requested", "attachment_added", "supplement_answered", "accepted",
    ]
    by_kind = {e["kind"]: e for e in r.data["events"]}
    assert by_kind["accepted"]["actor"]["id"] == users["intake"].pk
    assert (by_kind["accepted"]["from_stage"], by_kind["accepted"]["to_stage"]) == ("submitted", "verification")
    assert by_kind["supplement_requested"]["reason"] == "会议纪要原件"
    assert by_kind["accepted"]["label"] == "予以受理"
    # The applicant may still withdraw; he may no longer edit.
    assert [a["name"] for a in r.data["actions"] if a["name"] in ("edit", "withdraw")] == ["withdraw"]


def test_unit_return_answers_the_reviewer_with_the_returned_draft(users):
    """A reviewer no longer sees a draft he returned, yet his request
    succeeded: he gets the case's state after his action, not a 404."""
    case = _case_at(Stage.UNIT_REVIEW, users)
    r = _client(users["unit_reviewer"]).post(_url(case, "unit_return"), {"reason": "材料不全"}, format="json")
    assert r.status_code == 200, r.data
    assert r.data["stage"] == "draft" and r.data["actions"] == []
    assert r.data["unit_reviews"][0]["decision"] == "return"
    assert _client(users["unit_reviewer"]).get(_url(case)).status_code == 404


# --- Every action from every stage --------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("action", list(ACTION_BODIES))
def test_every_action_from_every_stage(stage, action, users):
    """With the right role, each action's POST succeeds (200, the detail at
    the new stage) exactly from its legal stages; from any other it is a
    409 (400 once closed) with a message, and nothing changes."""
    case = _case_at(stage, users)
    actor = users[ACTOR_FOR[action]]
    client = _client(actor)
    before = _snapshot(case)
    r = client.post(_url(case, action), ACTION_BODIES[action], format="json")
    if stage == Stage.DRAFT and ACTOR_FOR[action] != "applicant":
        # A draft is visible only to its applicant: the others get a 404.
        assert r.status_code == 404
        assert r.data == {"status": 404, "code": "not_found", "detail": r.data["detail"]}
        assert _snapshot(case) == before
    elif action == "request_supplement" and stage == Stage.VERIFICATION:
        # Legal from verification, but for the case's inspectors only.
        assert (r.status_code, r.data["code"]) == (403, "permission_denied")
        assert _snapshot(case) == before
    elif stage in LEGAL_FROM[action]:
        assert r.status_code == 200, r.data
        assert r.data["id"] == case.pk and r.data["stage"] != stage
        last = CaseEvent.objects.filter(case=case).exclude(kind="letter_issued").latest("id")
        assert last.actor == actor and last.from_stage == stage
    else:
        expected = (409, "closed") if stage == Stage.CLOSED else (409, "illegal_transition")
        assert (r.status_code, r.data["code"]) == expected, r.data
        assert r.data["status"] == r.status_code and r.data["detail"]
        assert _snapshot(case) == before


WRONG_ROLE = {
    # action: (a stage where the case is visible to the outsider, the outsider)
    "submit": (Stage.UNIT_REVIEW, "unit_reviewer"),
    "withdraw": (Stage.SUBMITTED, "intake"),
    "unit_forward": (Stage.UNIT_REVIEW, "intake"),
    "unit_return": (Stage.UNIT_REVIEW, "supervisor"),
    "accept": (Stage.SUBMITTED, "unit_reviewer"),
    "request_supplement": (Stage.SUBMITTED, "committee1"),
    "supplement": (Stage.SUPPLEMENT, "intake"),
    "not_accept": (Stage.SUBMITTED, "unit_reviewer"),
}


@pytest.mark.parametrize("action", list(WRONG_ROLE))
def test_wrong_role_is_refused_with_403(action, users):
    """Someone who may see the case but not take the action gets the
    service's 403, in Chinese, and nothing changes."""
    stage, outsider = WRONG_ROLE[action]
    case = _case_at(stage, users)
    before = _snapshot(case)
    r = _client(users[outsider]).post(_url(case, action), ACTION_BODIES[action], format="json")
    assert r.status_code == 403, r.data
    assert r.data == {"status": 403, "code": "permission_denied", "detail": "您无权对本案件进行此操作。"}
    assert _snapshot(case) == before


# --- Visibility ----------------------------------------------------------------------------


def test_another_applicant_never_sees_the_case(users):
    """applicant2 (another unit) gets a 404 that leaks nothing by list,
    detail, edit, files, download, delete and every action."""
    draft = _case_at(Stage.DRAFT, users, title="校舍改造申请")
    submitted = _case_at(Stage.SUBMITTED, users, title="校舍改造申请")
    other = _client(users["applicant2"])

    r = other.get(CASES)
    assert r.status_code == 200 and r.data["count"] == 0
    assert other.get(CASES, {"q": "校舍"}).data["results"] == []
    for case in (draft, submitted):
        attachment = case.attachments.first()
        before = _snapshot(case)
        responses = [
            other.get(_url(case)),
            other.patch(_url(case), {"title": "改"}, format="json"),
            other.get(_url(case, "attachments")),
            other.post(_url(case, "attachments"), {"file": pdf()}, format="multipart"),
            other.get(f"{_url(case)}attachments/{attachment.pk}/download/"),
            other.delete(f"{_url(case)}attachments/{attachment.pk}/"),
            *(other.post(_url(case, a), body, format="json") for a, body in ACTION_BODIES.items()),
        ]
        assert [r.status_code for r in responses] == [404] * len(responses)
        # The same body as for a case that does not exist.
        missing = other.get(f"{CASES}999999/")
        assert all(r.data == missing.data for r in responses)
        assert _snapshot(case) == before


def test_attachment_url_of_another_case_is_404(users):
    """A file id under a case it does not belong to is not served, even to
    someone who may see both cases."""
    one = _case_at(Stage.DRAFT, users)
    two = _case_at(Stage.DRAFT, users)
    applicant = _client(users["applicant"])
    foreign = two.attachments.first()
    assert applicant.get(f"{_url(one)}attachments/{foreign.pk}/download/").status_code == 404
    assert applicant.delete(f"{_url(one)}attachments/{foreign.pk}/").status_code == 404
    assert two.attachments.filter(pk=foreign.pk).exists()


def test_each_role_sees_its_cases(users):
    """The list follows the browser's visibility: drafts only for their
    applicant; the unit reviewer his unit's submitted cases; intake its
    jurisdiction's; the other jurisdiction nothing."""
    draft = _case_at(Stage.DRAFT, users)
    review = _case_at(Stage.UNIT_REVIEW, users)
    submitted = _case_at(Stage.SUBMITTED, users)

    def ids(username, **params):
        return {c["id"] for c in _client(users[username]).get(CASES, params).data["results"]}

    assert ids("applicant") == {draft.pk, review.pk, submitted.pk}
    assert ids("applicant", queue="mine") == {draft.pk, review.pk, submitted.pk}
    assert ids("unit_reviewer") == {review.pk, submitted.pk}
    assert ids("unit_reviewer", queue="unit") == {review.pk}
    assert ids("intake") == {review.pk, submitted.pk}
    assert ids("intake", queue="intake") == {submitted.pk}
    assert ids("km_intake") == set()
    assert ids("applicant2") == set()


# --- Drafts: create and edit ------------------------------------------------------------------


def test_create_refusals_change_nothing(users, world):
    """No title, a proactive origin, a scenario of another policy or a user
    without the applicant role: refused with a clear message, no case."""
    applicant = _client(users["applicant"])
    km_scenario = world["km_policy"].items.filter(kind="positive").first()

    r = applicant.post(CASES, {"origin": "individual"}, format="json")
    assert r.status_code == 400 and r.data["code"] == "invalid" and "title" in r.data["fields"]
    r = applicant.post(CASES, {"origin": "proactive", "title": "申请"}, format="json")
    assert r.status_code == 400 and r.data["fields"]["origin"] == ["请选择个人申请或单位申请。"]
    # A scenario of another policy: valid by the schema, refused by the
    # service's rule (422).
    r = applicant.post(CASES, {"title": "申请", "claimed_scenarios": [km_scenario.pk]}, format="json")
    assert r.status_code == 422 and "claimed_scenarios" in r.data["fields"]
    r = _client(users["intake"]).post(CASES, {"title": "申请"}, format="json")
    assert (r.status_code, r.data["code"]) == (403, "permission_denied")
    assert "申请人角色" in r.data["detail"]
    assert Case.objects.count() == 0


def test_patch_edits_a_draft_and_only_a_draft(users):
    """PATCH saves the given draft fields (one history event); once
    submitted the case is no longer editable (409)."""
    case = _case_at(Stage.DRAFT, users)
    applicant = _client(users["applicant"])
    r = applicant.patch(_url(case), {"impact": "直接经济损失约三万元", "collective_decision": True}, format="json")
    assert r.status_code == 200, r.data
    assert r.data["impact"] == "直接经济损失约三万元" and r.data["collective_decision"] is True
    assert r.data["title"] == "申请"
    assert r.data["events"][-1]["kind"] == "edited"

    r = applicant.post(_url(case, "submit"))
    assert r.status_code == 409 and r.data["code"] == "incomplete"
    assert "会议纪要" in r.data["detail"] and r.data["extra"]["missing"]

    services.case_update(case=case, actor=users["applicant"], collective_decision=False)
    services.case_submit(case=case, actor=users["applicant"])
    before = _snapshot(case)
    r = applicant.patch(_url(case), {"impact": "改"}, format="json")
    assert (r.status_code, r.data["code"]) == (409, "illegal_transition")
    assert _snapshot(case) == before


def test_validation_errors_name_the_field_in_the_chosen_language(users):
    """Bad input is a 400 in the one error shape: Chinese by default,
    English with Accept-Language: en."""
    case = _case_at(Stage.UNIT_REVIEW, users)
    body = {"meeting_date": "不是日期", "participants": "甲", "opinion": "同意"}
    r = _client(users["unit_reviewer"]).post(_url(case, "unit_forward"), body, format="json")
    assert r.status_code == 400
    assert set(r.data) == {"status", "code", "detail", "fields"}
    assert r.data["detail"].startswith("输入有误：") and "meeting_date" in r.data["fields"]
    r = _client(users["unit_reviewer"], HTTP_ACCEPT_LANGUAGE="en").post(
        _url(case, "unit_forward"), body, format="json")
    assert r.data["detail"].startswith("The input is invalid: ")
    r = _client(users["unit_reviewer"]).post(
        _url(case, "unit_forward"), {"meeting_date": "2026-01-05", "participants": " ", "opinion": ""},
        format="json")
    assert r.status_code == 422 and r.data["fields"]["opinion"] == ["请填写参会人员和单位意见。"]
    assert Case.objects.get(pk=case.pk).stage == Stage.UNIT_REVIEW


def test_unit_application_carries_its_self_check_and_skips_unit_review(users, world):
    """A unit's own application is created with its self-check (JSON),
    refused while the self-check is incomplete, then goes straight to
    intake on submission."""
    applicant = _client(users["applicant"])
    version = world["policy"]
    scenario = version.items.filter(kind="positive").first()
    r = applicant.post(CASES, {
        "origin": "unit", "title": "单位先行先试申请容错", "matter": "试行新的审批流程",
        "accountability_considered": "通报批评", "facts_reasons": "经党组会集体研究决定。",
        "claimed_scenarios": [scenario.pk], "self_check": {"conditions": {}, "negative": {}},
    }, format="json")
    assert r.status_code == 201, r.data
    case = Case.objects.get(pk=r.data["id"])
    assert r.data["origin"] == "unit" and r.data["origin_label"] == "单位申请"
    services.attachment_add(case=case, actor=users["applicant"], file=pdf())

    r = applicant.post(_url(case, "submit"))
    assert (r.status_code, r.data["code"]) == (409, "incomplete")
    assert "自查" in r.data["detail"]

    check = {
        "conditions": {str(i.pk): True for i in version.items.filter(kind="condition")},
        "negative": {str(i.pk): False for i in version.items.filter(kind="negative")},
        "note": "逐项自查，均符合。",
    }
    assert applicant.patch(_url(case), {"self_check": check}, format="json").data["self_check"] == check
    r = applicant.post(_url(case, "submit"))
    assert r.status_code == 200, r.data
    assert r.data["stage"] == "submitted"
    assert "unit_forwarded" not in _kinds(r.data)


def test_supplement_request_refuses_a_past_deadline(users):
    """A supplement deadline must lie after today: 422 on the field, in
    Chinese, and the case stays awaiting intake."""
    case = _case_at(Stage.SUBMITTED, users)
    before = _snapshot(case)
    r = _client(users["intake"]).post(
        _url(case, "request_supplement"), {"missing": "会议纪要", "due_date": "2020-01-01"}, format="json")
    assert r.status_code == 422 and r.data["fields"]["due_date"] == ["期限必须晚于今天。"]
    r = _client(users["intake"]).post(_url(case, "not_accept"), {"reason": "  "}, format="json")
    assert r.status_code == 422 and r.data["fields"]["reason"] == ["请填写理由。"]
    assert _snapshot(case) == before


# --- Files --------------------------------------------------------------------------------------


def test_download_streams_the_file_with_safe_headers(users):
    """Anyone who may see the case downloads the exact bytes as an
    attachment, never sniffed, never cached by a proxy."""
    case = _case_at(Stage.SUBMITTED, users)
    attachment = case.attachments.get()
    for username in ("applicant", "unit_reviewer", "intake"):
        r = _client(users[username]).get(f"{_url(case)}attachments/{attachment.pk}/download/")
        assert r.status_code == 200
        assert b"".join(r.streaming_content) == PDF_BYTES
        assert r["Content-Type"] == "application/pdf"
        assert r["Content-Disposition"].startswith("attachment;") and ".pdf" in r["Content-Disposition"]
        assert r["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in r["Cache-Control"]


def test_draft_file_delete_removes_it_and_submitted_files_stay(users, settings,
                                                              django_capture_on_commit_callbacks):
    """Deleting a draft's file removes the row and the stored bytes; a
    submitted file is refused (409) and stays."""
    case = _case_at(Stage.DRAFT, users)
    applicant = _client(users["applicant"])
    extra = services.attachment_add(case=case, actor=users["applicant"], file=png())
    stored = _stored_files(settings)
    assert len(stored) == 2
    with django_capture_on_commit_callbacks(execute=True):
        r = applicant.delete(f"{_url(case)}attachments/{extra.pk}/")
    assert r.status_code == 204
    assert not Attachment.objects.filter(pk=extra.pk).exists()
    assert len(_stored_files(settings)) == 1

    services.case_submit(case=case, actor=users["applicant"])
    kept = case.attachments.get()
    r = applicant.delete(f"{_url(case)}attachments/{kept.pk}/")
    assert (r.status_code, r.data["code"]) == (409, "locked")
    assert r.data["detail"] == "已提交案件的材料不能修改或删除。"
    assert Attachment.objects.filter(pk=kept.pk).exists() and len(_stored_files(settings)) == 1


REFUSED_UPLOADS = [
    ("exe renamed pdf", lambda: SimpleUploadedFile("证据.pdf", EXE_BYTES, content_type="application/pdf")),
    ("text named docx", lambda: SimpleUploadedFile(
        "说明.docx", "这是一段纯文本。".encode(), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
    ("html named png", lambda: SimpleUploadedFile("照片.png", b"<html><script>alert(1)</script></html>",
                                                 content_type="image/png")),
]


@pytest.mark.parametrize(("label", "make"), REFUSED_UPLOADS, ids=[r[0] for r in REFUSED_UPLOADS])
def test_upload_refused_by_content_type(label, make, users, settings):
    """The type comes from the content, not the name: refused with a
    message naming the file (Chinese by default, English when chosen), and
    nothing is stored."""
    case = _case_at(Stage.DRAFT, users)
    before, files = _snapshot(case), _stored_files(settings)
    upload = make()
    r = _client(users["applicant"]).post(_url(case, "attachments"), {"file": upload}, format="multipart")
    # The content is judged by the service, beyond the schema's reach: 422.
    assert r.status_code == 422
    assert r.data["code"] == "invalid"
    assert "格式不被接受" in r.data["fields"]["file"][0] and upload.name in r.data["fields"]["file"][0]
    r = _client(users["applicant"], HTTP_ACCEPT_LANGUAGE="en").post(
        _url(case, "attachments"), {"file": make()}, format="multipart")
    assert "is not an accepted type" in r.data["fields"]["file"][0]
    assert _snapshot(case) == before and _stored_files(settings) == files


def test_upload_refused_by_size(users, settings):
    """A file over CASE_ATTACHMENT_MAX_BYTES is refused with the limit in
    the message, and nothing is stored."""
    settings.CASE_ATTACHMENT_MAX_BYTES = 1024 * 1024
    case = _case_at(Stage.DRAFT, users)
    before, files = _snapshot(case), _stored_files(settings)
    big = pdf("大文件.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    r = _client(users["applicant"]).post(_url(case, "attachments"), {"file": big}, format="multipart")
    assert r.status_code == 422
    assert r.data["fields"]["file"] == ["文件“大文件.pdf”超过 1 MB 的大小限制。"]
    big.seek(0)
    r = _client(users["applicant"], HTTP_ACCEPT_LANGUAGE="en").post(
        _url(case, "attachments"), {"file": pdf("大文件.pdf", PDF_BYTES + b"0" * (1024 * 1024))},
        format="multipart")
    assert r.data["fields"]["file"] == ["The file “大文件.pdf” is larger than the limit of 1 MB."]
    assert _snapshot(case) == before and _stored_files(settings) == files


def test_upload_refused_by_count(users, settings):
    """Beyond CASE_ATTACHMENT_MAX_COUNT files per case the upload is
    refused, and nothing is stored."""
    settings.CASE_ATTACHMENT_MAX_COUNT = 2
    case = _case_at(Stage.DRAFT, users)  # one file already
    client = _client(users["applicant"])
    assert client.post(_url(case, "attachments"), {"file": png()}, format="multipart").status_code == 201
    before, files = _snapshot(case), _stored_files(settings)
    r = client.post(_url(case, "attachments"), {"file": png()}, format="multipart")
    assert r.status_code == 422 and r.data["fields"]["file"] == ["每个案件最多上传 2 个文件。"]
    r = _client(users["applicant"], HTTP_ACCEPT_LANGUAGE="en").post(
        _url(case, "attachments"), {"file": png()}, format="multipart")
    assert r.data["fields"]["file"] == ["A case can have at most 2 files."]
    assert _snapshot(case) == before and _stored_files(settings) == files


def test_upload_refused_at_the_wrong_stage_or_by_the_wrong_person(users, settings):
    """Files are added by the applicant to a draft or during a supplement,
    by the unit reviewer during unit review; otherwise 409 or 403."""
    submitted = _case_at(Stage.SUBMITTED, users)
    before = _snapshot(submitted)
    r = _client(users["applicant"]).post(_url(submitted, "attachments"), {"file": png()}, format="multipart")
    assert (r.status_code, r.data["code"]) == (409, "illegal_transition")
    r = _client(users["intake"]).post(_url(submitted, "attachments"), {"file": png()}, format="multipart")
    assert (r.status_code, r.data["code"]) == (403, "permission_denied")
    assert _snapshot(submitted) == before

    review = _case_at(Stage.UNIT_REVIEW, users)
    r = _client(users["unit_reviewer"]).post(_url(review, "attachments"), {"file": pdf("单位意见.pdf")},
                                             format="multipart")
    assert r.status_code == 201 and r.data["kind"] == "unit_opinion"


def test_upload_without_a_file_is_refused(users):
    """A POST without a file says so, in Chinese."""
    case = _case_at(Stage.DRAFT, users)
    r = _client(users["applicant"]).post(_url(case, "attachments"), {"kind": "evidence"}, format="multipart")
    assert r.status_code == 400 and "file" in r.data["fields"]
    assert r.data["detail"].startswith("输入有误：")


# --- Authentication -------------------------------------------------------------------------------


def test_token_auth(users):
    """A token from POST /api/v1/auth/token/ authenticates the API; without
    credentials, or with a wrong token, the API refuses."""
    case = _case_at(Stage.DRAFT, users)
    anonymous = APIClient()
    r = anonymous.post("/api/v1/auth/token/", {"username": "applicant", "password": DEMO_PASSWORD}, format="json")
    assert r.status_code == 200
    token = r.data["token"]

    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    r = client.get(CASES)
    assert r.status_code == 200 and [c["id"] for c in r.data["results"]] == [case.pk]
    r = client.post(_url(case, "submit"))
    assert r.status_code == 200 and r.data["stage"] == "unit_review"

    r = anonymous.get(CASES)
    assert r.status_code in (401, 403) and r.data["code"] == "not_authenticated"
    r = APIClient(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000").get(_url(case))
    assert r.status_code in (401, 403) and r.data["code"] == "authentication_failed"


# --- Lists: filters, pagination and query counts ----------------------------------------------------


def test_list_item_shape_and_filters(users):
    """Each item carries the deadline and flags; q finds Chinese
    substrings; stage, origin and overdue narrow the list."""
    submitted = _case_at(Stage.SUBMITTED, users, title="校舍改造项目程序瑕疵")
    supplement = _case_at(Stage.SUPPLEMENT, users, title="道路养护采购")
    intake = _client(users["intake"])

    r = intake.get(CASES, {"queue": "intake"})
    assert r.status_code == 200 and r.data["count"] == 2
    item = next(c for c in r.data["results"] if c["id"] == submitted.pk)
    assert set(item) == {"id", "number", "title", "stage", "stage_label", "outcome", "outcome_label", "origin",
                         "origin_label", "applicant", "unit", "submitted_at", "next_due", "is_paused", "overdue"}
    assert item["stage"] == "submitted" and item["stage_label"] == "待受理"
    assert item["applicant"] == {"id": users["applicant"].pk, "name": "张伟"}
    assert item["unit"]["id"] == users["applicant"].org_unit_id
    assert item["next_due"] and item["is_paused"] is False and item["overdue"] is False
    paused = next(c for c in r.data["results"] if c["id"] == supplement.pk)
    assert paused["is_paused"] is True

    assert [c["id"] for c in intake.get(CASES, {"q": "瑕疵"}).data["results"]] == [submitted.pk]
    assert [c["id"] for c in intake.get(CASES, {"q": submitted.number}).data["results"]] == [submitted.pk]
    assert [c["id"] for c in intake.get(CASES, {"stage": "supplement"}).data["results"]] == [supplement.pk]
    assert intake.get(CASES, {"origin": "unit"}).data["count"] == 0
    assert intake.get(CASES, {"overdue": "true"}).data["count"] == 0
    assert intake.get(CASES, {"overdue": "false"}).data["count"] == 2

    due = dt.date.fromisoformat(item["next_due"])
    with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=3), dt.time(10)), tick=False):
        r = intake.get(CASES, {"overdue": "true"})
        assert [c["id"] for c in r.data["results"]] == [submitted.pk]
        assert r.data["results"][0]["overdue"] is True

    r = intake.get(CASES, {"stage": "nonsense", "date_from": "yesterday"})
    assert r.status_code == 400 and {"stage", "date_from"} <= set(r.data["fields"])


def _many_cases(users, n):
    """``n`` submitted cases, each with a file and several history events."""
    for i in range(n):
        _case_at(Stage.SUBMITTED, users, title=f"申请{i}")


LIST_QUERIES = 5  # session, user, memberships, count, page (annotations are subqueries)


@pytest.mark.parametrize("n", [3, 30])
def test_list_query_count_is_fixed(n, users, django_assert_num_queries):
    """The list costs the same number of queries for 3 and for 30 cases
    (page size 20)."""
    _many_cases(users, n)
    client = _client(users["intake"])
    with django_assert_num_queries(LIST_QUERIES):
        r = client.get(CASES, {"queue": "intake"})
    assert r.status_code == 200 and r.data["count"] == n
    assert len(r.data["results"]) == min(n, 20)


# session, user, memberships, visibility check, the case, 7 prefetches
# (files, events, scenarios, unit reviews + reviewers, supplement requests +
# requesters, policy items), then the registered actions' own checks (the
# case's active assignments are read once, reviews.selectors.assigned_inspector_ids).
DETAIL_QUERIES = 14


@pytest.mark.parametrize("files", [1, 4])
def test_detail_query_count_is_fixed(files, users, django_assert_num_queries):
    """The detail costs a fixed number of queries, whatever the number of
    files, events, unit reviews and supplement requests."""
    case = services.case_create(actor=users["applicant"], title="申请")
    fill_draft(case, users["applicant"])
    for _ in range(files - 1):
        services.attachment_add(case=case, actor=users["applicant"], file=png())
    services.case_submit(case=case, actor=users["applicant"])
    services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                               participants="甲、乙", opinion="同意")
    for _ in range(files):
        services.case_request_supplement(case=case, actor=users["intake"], missing="会议纪要")
        services.case_supplement(case=case, actor=users["applicant"], answer="已补充")
    services.case_accept(case=case, actor=users["intake"])
    client = _client(users["intake"])
    with django_assert_num_queries(DETAIL_QUERIES):
        r = client.get(_url(case))
    assert r.status_code == 200
    assert len(r.data["attachments"]) == files and len(r.data["supplement_requests"]) == files
    assert len(r.data["unit_reviews"]) == 1 and len(r.data["events"]) >= 5 + 2 * files


def test_a_nul_in_the_search_is_refused_in_words_that_say_so(users):
    """A NUL character in ?q= (or any text) is refused, 400 in the API and
    the message at the field on the page, in our wording: Django's own
    Chinese for it ("不允许是用空字符串。") speaks of an empty string."""
    r = _client(users["intake"]).get("/api/v1/cases/?q=%00")
    assert r.status_code == 400
    assert r.json()["fields"]["q"] == ["不能包含空字符（NUL）。"]
    r = _client(users["intake"], HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/cases/?q=%00")
    assert r.status_code == 400 and r.json()["fields"]["q"] == ["Null characters are not allowed."]
    from django.test import Client

    page = Client()
    page.force_login(users["intake"])
    body = page.get("/cases/search/?q=%00").content.decode()
    assert "不能包含空字符（NUL）。" in body and "空字符串" not in body
