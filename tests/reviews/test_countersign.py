"""A joint ruling (issue 16, the version's ``procedure.joint_ruling``): the
ruling and the 复核 decision each wait for the 组织部门's countersign (会签);
until then nothing that follows them proceeds — 反馈, 报备, 备案, the request
for 复核, the correction, the result uses sent to the 组织部门, the
accountability decision, publication — on the page, in the API's actions and
in the services (409 ``countersign_pending``). The 组织部门 is told and sees
the countersign as his next step; its letter, signed by both bodies, is
issued at the countersign. A version that does not rule jointly is as before."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from careers.models import ResultUse
from careers.services import obligations_open
from cases.models import CaseEvent, Stage
from cases.services import case_actions_for_user
from core.exceptions import ApplicationError
from corrections import services as corr
from letters.models import LetterKind
from letters.rendering import render_html
from notifications.models import Notification
from notifications.services import case_event_notify
from policies.models import PolicyVersion
from publication.services import publication_draft_create
from reviews import services
from reviews.models import Ruling

from .conftest import accept_case, review_members, to_ruled, vote_all

pytestmark = pytest.mark.django_db

JOINT = {"joint_ruling": {"with": "org_department", "body": "中共怀来县委组织部", "source": "测试：会同组织部门认定"}}
AFTER_RULING_CLOCKS = {"feedback", "filing", "review_request"}
# Who would take each step that follows a ruling, were it not held.
HELD = {
    "applicant": {"request_review", "request_clarification"},
    "supervisor": {"feedback", "file_report", "record_same_level", "start_correction", "skip_correction"},
    "inspector1": {"record_accountability_decision"},
    "committee1": {"revoke_ruling"},
}


def _joint(world, on=True):
    PolicyVersion.objects.filter(pk=world["policy"].pk).update(procedure=JOINT if on else {})


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _offered(case, users, names) -> dict[str, set[str]]:
    case.refresh_from_db()
    return {n: set(case_actions_for_user(case=case, user=users[n])) for n in names}


def _running(case) -> set[str]:
    return set(case.clocks.filter(status="running").values_list("stage", flat=True))


def _pdf_text(letter, tmp_path) -> str:
    from letters.fonts import prepare_fonts
    from letters.rendering import render_pdf_from_html
    from tests.letters.conftest import pdf_text

    prepare_fonts()
    path = tmp_path / f"{letter.kind}.pdf"
    path.write_bytes(render_pdf_from_html(render_html(letter.kind, letter.context)))
    return pdf_text(path).replace("\n", "")


def _assert_held(case, users):
    """Every step after the ruling is refused: not offered, 409 in the API
    with the reason, refused by the service."""
    offered = _offered(case, users, HELD)
    for name, steps in HELD.items():
        assert not (offered[name] & steps), (name, offered[name] & steps)
    r = api(users["supervisor"]).post(f"/api/v1/cases/{case.pk}/feedback/", {"recipients": "张伟"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "countersign_pending", r.json()
    assert "待组织部门会签" in r.json()["detail"]
    r = api(users["applicant"]).post(f"/api/v1/cases/{case.pk}/request_review/", {"reasons": "不服"}, format="json")
    assert r.status_code == 409 and r.json()["code"] in ("countersign_pending", "review_once")
    with pytest.raises(ApplicationError) as exc:
        services.notice_record(case=case, actor=users["supervisor"], kind="filing", recipients="张家口市纪委")
    assert exc.value.code == "countersign_pending"
    with pytest.raises(ApplicationError) as exc:
        corr.correction_skip(case=case, actor=users["supervisor"], reason="无需纠错。")
    assert exc.value.code == "countersign_pending"
    with pytest.raises(ApplicationError) as exc:
        publication_draft_create(case=case, actor=users["admin"])
    assert exc.value.code == "countersign_pending" and exc.value.status_code == 409


def test_joint_ruling_holds_what_follows_until_countersigned(world, client):
    users = world["users"]
    _joint(world)
    case = to_ruled(accept_case(users), users, result="mitigated")
    assert case.stage == Stage.RULED
    assert not case.letters.filter(kind=LetterKind.RULING).exists()
    # The time limits after the ruling do not run yet.
    assert not (_running(case) & AFTER_RULING_CLOCKS)
    _assert_held(case, users)
    # The result uses do not reach the 组织部门 before the countersign.
    assert obligations_open(case_id=case.pk) == []
    assert not ResultUse.objects.filter(case=case).exists()
    assert not case.letters.filter(kind=LetterKind.RESULT_USE_NOTICE).exists()

    # The 组织部门 is told, and his next step on the case page is the countersign.
    asked = case.events.get(kind="countersign_requested")
    case_event_notify(event_id=asked.pk)
    told = Notification.objects.filter(event=asked)
    assert set(told.values_list("recipient__username", flat=True)) == {"org_dept"}
    assert "待组织部门会签" in told.get().message
    client.force_login(users["org_dept"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    head = page.split('id="case-next"')[1].split("</span>")[0]
    assert 'data-goto="countersign_ruling"' in head
    assert 'data-action="countersign_ruling"' in page
    # The others see that it waits, and no form of what follows.
    client.force_login(users["supervisor"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="rv-countersign-awaited"' in page and 'data-action="feedback"' not in page
    assert "待组织部门会签" in page

    # The countersign through the API: what follows is offered now.
    r = api(users["org_dept"]).post(f"/api/v1/cases/{case.pk}/countersign_ruling/", {"note": "同意。"}, format="json")
    assert r.status_code == 200, r.json()
    assert "countersign_ruling" not in r.json()["actions"]
    assert AFTER_RULING_CLOCKS <= _running(case)
    offered = _offered(case, users, HELD)
    assert {"request_review", "request_clarification"} <= offered["applicant"]
    assert {"feedback", "file_report", "record_same_level", "start_correction", "skip_correction"} \
        <= offered["supervisor"]
    assert "record_accountability_decision" in offered["inspector1"]
    assert "revoke_ruling" in offered["committee1"]
    assert case.letters.filter(kind=LetterKind.RULING).exists()
    # The countersign's event hands the result uses to the 组织部门.
    assert len(obligations_open(case_id=case.pk)) == 1
    assert case.letters.filter(kind=LetterKind.RESULT_USE_NOTICE).exists()
    r = api(users["supervisor"]).post(f"/api/v1/cases/{case.pk}/feedback/", {"recipients": "张伟"}, format="json")
    assert r.status_code == 200, r.json()
    assert publication_draft_create(case=case, actor=users["admin"]).pk


def test_rule_step_says_the_ruling_awaits_the_countersign(world, client):
    """The page's message after the ruling: on a joint version it awaits
    the countersign, not that the letter is being prepared."""
    from core.steps import step_get

    users = world["users"]
    case = to_ruled(accept_case(users), users)
    step = step_get("rule")
    assert "认定书" in str(step.success(case)) and "会签" not in str(step.success(case))
    _joint(world)
    case.refresh_from_db()
    with_joint = str(step.success(case))
    assert "待组织部门会签" in with_joint and "生成" not in with_joint


def _to_review_decided(world, users, result="exempt"):
    case = to_ruled(accept_case(users), users, result="rejected")
    if PolicyVersion.objects.get(pk=world["policy"].pk).procedure.get("joint_ruling"):
        services.ruling_countersign(case=case, actor=users["org_dept"])
    services.case_request_review(case=case, actor=users["applicant"], reasons="认定时未考虑已挽回损失。")
    others = review_members(world, n=3)
    members = {f"review{i}": u for i, u in enumerate(others)}
    vote_all(case, members, results=(result,) * 3, members=tuple(members))
    services.case_decide_review(case=case, actor=others[0], result=result, reasons="复核认为符合容错条件。",
                                applied_items=list(case.policy_version.items.filter(kind="positive"))[:1],
                                uses=[{"item": case.policy_version.items.filter(kind="result_use")
                                       .order_by("number").first(), "duration_months": None}])
    case.refresh_from_db()
    return case


def test_joint_review_decision_countersigned_and_signed_by_both(world, client, tmp_path):
    users = world["users"]
    _joint(world)
    case = _to_review_decided(world, users)
    assert case.stage == Stage.RULED and case.outcome == "exempt"
    assert not case.letters.filter(kind=LetterKind.REVIEW_DECISION).exists()
    assert not (_running(case) & {"feedback", "filing"})
    assert case.events.filter(kind="countersign_requested").count() == 2
    # What follows the review decision waits as the ruling's did; the result
    # uses of the changed ruling are not handed over yet.
    _assert_held(case, users)
    assert obligations_open(case_id=case.pk) == []
    # Only the 组织部门 is offered the review's countersign (the ruling's is done).
    offered = _offered(case, users, ("org_dept", "committee1", "supervisor", "applicant"))
    assert "countersign_review" in offered["org_dept"] and "countersign_ruling" not in offered["org_dept"]
    assert not any("countersign_review" in v for k, v in offered.items() if k != "org_dept")
    client.force_login(users["org_dept"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-goto="countersign_review"' in page.split('id="case-next"')[1].split("</span>")[0]
    # The page's form countersigns it.
    r = client.post(reverse("reviews:action", args=[case.pk, "countersign_review"]), {"note": "同意复核决定。"},
                    follow=True)
    assert "已会签" in r.content.decode()
    event = case.events.get(kind="review_countersigned")
    assert event.actor_id == users["org_dept"].pk and event.data["body"] == "中共怀来县委组织部"
    assert {"feedback", "filing"} <= _running(case)
    assert api(users["org_dept"]).post(f"/api/v1/cases/{case.pk}/countersign_review/", {},
                                       format="json").status_code == 409
    letter = case.letters.get(kind=LetterKind.REVIEW_DECISION)
    text = _pdf_text(letter, tmp_path)
    assert "复核决定书" in text and "中共怀来县纪律检查委员会" in text and "中共怀来县委组织部" in text
    assert "会同中共怀来县委组织部作出本复核决定" in text
    offered = _offered(case, users, ("supervisor",))
    assert {"feedback", "file_report"} <= offered["supervisor"]


def test_review_countersign_through_the_api(world):
    users = world["users"]
    _joint(world)
    case = _to_review_decided(world, users, result="exempt")
    url = f"/api/v1/cases/{case.pk}/countersign_review/"
    for name, status in (("committee1", 403), ("applicant", 403), ("km_org_dept", 404)):
        assert api(users[name]).post(url, {}, format="json").status_code == status, name
    # The ruling's countersign is done: its endpoint refuses.
    r = api(users["org_dept"]).post(f"/api/v1/cases/{case.pk}/countersign_ruling/", {}, format="json")
    assert r.status_code == 409
    r = api(users["org_dept"]).post(url, {"note": "同意。"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["step"]["name"] == "countersign_review"
    assert "countersign_review" not in r.json()["actions"]
    assert case.letters.filter(kind=LetterKind.REVIEW_DECISION).count() == 1
    # The changed ruling's result uses reach the 组织部门 now (the first ruling was rejected: none before).
    obligations_open(case_id=case.pk)
    assert ResultUse.objects.filter(case=case, ruling__kind=Ruling.Kind.REVIEW).exists()


def test_not_joint_unchanged(world, tmp_path):
    """Without ``joint_ruling``: the letters at the ruling and the review
    decision, signed by the commission alone; no countersign step, nothing held."""
    users = world["users"]
    case = to_ruled(accept_case(users), users, result="rejected")
    assert case.letters.filter(kind=LetterKind.RULING).exists()
    assert AFTER_RULING_CLOCKS <= _running(case)
    assert not case.events.filter(kind="countersign_requested").exists()
    offered = _offered(case, users, (*HELD, "org_dept"))
    assert {"feedback", "file_report", "record_same_level"} <= offered["supervisor"]
    assert "request_review" in offered["applicant"]
    assert not ({"countersign_ruling", "countersign_review"} & offered["org_dept"])
    case = _to_review_decided(world, users)
    letter = case.letters.get(kind=LetterKind.REVIEW_DECISION)
    assert {"feedback", "filing"} <= _running(case)
    assert not ({"countersign_ruling", "countersign_review"} & set(case_actions_for_user(case=case,
                                                                                        user=users["org_dept"])))
    r = api(users["org_dept"]).post(f"/api/v1/cases/{case.pk}/countersign_review/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "not_joint"
    text = _pdf_text(letter, tmp_path)
    assert "中共怀来县纪律检查委员会" in text and "组织部" not in text
    assert not CaseEvent.objects.filter(case=case, kind__in=("countersign_requested", "review_countersigned")).exists()


def _awaiting(world, n):
    """``n`` ruled cases of the joint version whose ruling awaits the
    countersign (rows, not the workflow: for the queue's query count)."""
    import datetime as dt

    from tests.factories import make_case

    users = world["users"]
    cases = []
    for _i in range(n):
        case = make_case(applicant=users["applicant"], stage=Stage.RULED, outcome="exempt",
                         policy_version=world["policy"])
        Ruling.objects.create(case=case, result="exempt", reasons="符合容错条件。", decided_on=dt.date(2026, 11, 2),
                              recorded_by=users["committee1"])
        cases.append(case)
    return cases


def test_countersign_queue_lists_what_awaits_the_org_department(world, client):
    """待会签: the 组织部门 of the jurisdiction finds the joint decisions
    awaiting his countersign in a queue of his own and on his workbench; a
    countersigned one leaves it; a version that does not rule jointly never
    puts a case there; other roles may not open it."""
    from dashboard.workbench import workbench_for_user
    from reviews.selectors import countersign_queue

    users = world["users"]
    _joint(world)
    case = to_ruled(accept_case(users), users, result="mitigated")
    assert [c.pk for c in countersign_queue(user=users["org_dept"])] == [case.pk]
    client.force_login(users["org_dept"])
    page = client.get(reverse("reviews:countersign_queue")).content.decode()
    assert case.number in page and "待会签" in page
    section = next(s for s in workbench_for_user(user=users["org_dept"]) if s.key == "countersign")
    assert section.count == 1 and [r.pk for r in section.rows] == [case.pk]
    assert str(section.title) == "待会签"
    client.force_login(users["committee1"])
    assert client.get(reverse("reviews:countersign_queue")).status_code == 403
    assert all(s.key != "countersign" for s in workbench_for_user(user=users["committee1"]))

    services.ruling_countersign(case=case, actor=users["org_dept"], note="同意。")
    assert not countersign_queue(user=users["org_dept"]).exists()
    # A version that rules alone: its ruled cases never wait for a countersign.
    _joint(world, on=False)
    _awaiting(world, 1)
    assert not countersign_queue(user=users["org_dept"]).exists()


def test_countersign_queue_query_count_is_fixed(world, client, django_assert_num_queries):
    """The queue page and the 组织部门's home page (its 待会签 section) cost
    the same queries for one case as for three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = world["users"]
    _joint(world)
    _awaiting(world, 1)
    client.force_login(users["org_dept"])
    url = reverse("reviews:countersign_queue")
    client.get(url)
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as home_one:
        assert client.get("/").status_code == 200
    _awaiting(world, 2)
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as home_three:
        home = client.get("/").content.decode()
    assert page.count("<tr>") == 1 + 3
    assert len(three.captured_queries) == len(one.captured_queries)
    assert "待会签" in home and len(home_three.captured_queries) == len(home_one.captured_queries)


def test_countersign_pending_is_a_documented_refusal(world):
    """Every endpoint a pending countersign refuses (409 countersign_pending)
    lists it among its refusals in the schema: 反馈, 报备, 备案, 复核, the
    correction steps, the accountability decision, revocation and
    publication (core.schema reads them off the steps and views)."""
    schema = APIClient().get("/api/schema/?format=json").json()
    ops = {op["operationId"]: op for methods in schema["paths"].values() for op in methods.values()}
    held = ("case_feedback", "case_file_report", "case_record_same_level", "case_request_review",
            "case_start_correction", "case_skip_correction", "case_record_accountability_decision",
            "case_revoke_ruling", "case_publication_draft", "case_publication_publish")
    for name in held:
        assert "待组织部门会签" in ops[name]["description"], name
        assert "409" in ops[name]["responses"], name
