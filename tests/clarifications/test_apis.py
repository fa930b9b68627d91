"""Clarification cases through the API: opened from a report
(POST /api/v1/clarifications/), taken by the generated step endpoints
(POST /api/v1/cases/{id}/<step>/) to a public clarification on the portal
and to a 诬告陷害 referral; who reported is never given to the cadre; the
error shape is the API's one; the list and the case page pin their
queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent
from clarifications.models import ReportMatter

from .conftest import POINTS, REPORTER, REPORTER_PHONE, check_all, open_case

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _step(user, case_id, step, data=None, status=200):
    response = _client(user).post(f"/api/v1/cases/{case_id}/{step}/", data or {}, format="json")
    assert response.status_code == status, response.content.decode()
    return response.json()


def _actions(user, case_id):
    return [a["name"] for a in _client(user).get(f"/api/v1/cases/{case_id}/").json()["actions"]]


def _open(users, units):
    body = {
        "cadre": users["applicant"].pk, "unit": units["huailai-edu"].pk, "title": "关于反映教育局干部有关问题的核查",
        "report_number": "怀纪信〔2026〕017号", "received_on": timezone.localdate().isoformat(),
        "channel": "online", "reporter_name": REPORTER, "reporter_contact": REPORTER_PHONE, "points": POINTS,
    }
    response = _client(users["inspector1"]).post("/api/v1/clarifications/", body, format="json")
    assert response.status_code == 201, response.content.decode()
    return response.json()


def _check(users, case_id, findings=("untrue", "unfounded", "untrue")):
    inspector = users["inspector1"]
    for number, finding in enumerate(findings, 1):
        _step(inspector, case_id, "record_finding", {"number": number, "finding": finding, "basis": "经核查无此事实。"})
    _step(inspector, case_id, "seek_cadre_view", {"note": "书面征求意见"})
    assert "record_cadre_view" in _actions(users["applicant"], case_id)
    _step(users["applicant"], case_id, "record_cadre_view", {"view": "反映不实。"})
    return _step(inspector, case_id, "conclude_check", {"conclusion": "所反映问题失实或查无实据。"})


def test_api_from_report_to_public_clarification_on_the_portal(users, units, client):
    opened = _open(users, units)
    case_id = opened["case"]
    assert opened["stage"] == "report_check" and opened["reporter_name"] == REPORTER and opened["internal"]
    answer = _check(users, case_id)
    assert answer["stage"] == "report_clarification"
    assert answer["step"]["name"] == "conclude_check"
    _step(users["supervisor"], case_id, "decide_clarification", {"scope": "public", "method": "notice"})
    answer = _step(users["inspector1"], case_id, "issue_statement")
    # The inspector does not publish; the case-work administrator does.
    assert "publish_clarification" not in [a["name"] for a in answer["actions"]]
    assert "publish_clarification" in _actions(users["admin"], case_id)
    _step(users["admin"], case_id, "publish_clarification")
    _step(users["inspector1"], case_id, "close_clarification", {"reason": ""})
    assert Case.objects.get(pk=case_id).stage == "closed"

    page = client.get("/public/clarifications/").content.decode()
    assert "失实" in page and "查无实据" in page and POINTS[0] in page
    for secret in ("张伟", REPORTER, REPORTER_PHONE, "怀纪信"):
        assert secret not in page
    # Published once: a second publication is refused in the API's one shape.
    error = _step(users["admin"], case_id, "publish_clarification", status=409)
    assert error["code"] == "not_ready" and error["detail"]


def test_api_from_report_to_a_false_accusation_referral(users, units):
    case_id = _open(users, units)["case"]
    # No finding yet: nothing untrue to refer.
    error = _step(users["inspector1"], case_id, "refer_false_accusation",
                  {"referred_to": "县公安局", "facts": "捏造事实"}, status=409)
    assert error["code"] == "not_ready"
    _check(users, case_id)
    _step(users["inspector1"], case_id, "refer_false_accusation",
          {"referred_to": "县公安局", "facts": "举报人明知不实仍多次捏造事实举报。",
           "referred_on": timezone.localdate().isoformat()})
    _step(users["intake"], case_id, "record_petition", {
        "occurred_on": timezone.localdate().isoformat(), "description": "就同一事项反复到县信访局上访。",
        "handling": "告知核查结论，依法引导。"})
    staff = _client(users["inspector1"]).get(f"/api/v1/clarifications/{case_id}/").json()
    assert staff["referred_to"] == "县公安局" and len(staff["petitions"]) == 1
    matter = ReportMatter.objects.get(case_id=case_id)
    assert matter.referred_on == timezone.localdate()


def test_the_reporter_is_never_shown_to_the_cadre(users, units, client):
    case = open_case(users, units)
    check_all(case, users)
    cadre = users["applicant"]
    record = _client(cadre).get(f"/api/v1/clarifications/{case.pk}/").json()
    assert record["internal"] is False
    for key in ("reporter_name", "reporter_contact", "report_number", "referred_to", "petitions"):
        assert key not in record
    events = _client(cadre).get(f"/api/v1/cases/{case.pk}/events/").content.decode()
    detail = _client(cadre).get(f"/api/v1/cases/{case.pk}/").content.decode()
    client.force_login(cadre)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    for text in (record.__repr__(), events, detail, page):
        assert REPORTER not in text and REPORTER_PHONE not in text and "怀纪信" not in text
    assert POINTS[0] in page  # he sees what he is asked about
    # His unit's reviewer neither.
    client.force_login(users["unit_reviewer"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert page.count(POINTS[0]) and REPORTER not in page
    # The handling staff do.
    client.force_login(users["inspector2"])
    assert REPORTER in client.get(f"/cases/{case.pk}/").content.decode()


def test_who_may_take_each_step_is_the_kernels(users, units):
    case_id = _open(users, units)["case"]
    error = _step(users["applicant"], case_id, "record_finding",
                  {"number": 1, "finding": "untrue", "basis": "x"}, status=403)
    assert error["code"] == "permission_denied"
    _step(users["km_inspector"], case_id, "record_finding", {"number": 1, "finding": "untrue", "basis": "x"},
          status=404)
    error = _step(users["inspector1"], case_id, "decide_clarification", {"scope": "unit", "method": "letter"},
                  status=403)
    error = _step(users["supervisor"], case_id, "decide_clarification", {"scope": "unit", "method": "letter"},
                  status=409)
    assert error["code"] == "illegal_transition"
    error = _step(users["inspector1"], case_id, "record_finding", {"number": 9, "finding": "untrue", "basis": "x"},
                  status=422)
    # Only an inspector opens one.
    response = _client(users["intake"]).post("/api/v1/clarifications/", {
        "cadre": users["applicant"].pk, "unit": units["huailai-edu"].pk, "title": "t", "report_number": "1",
        "received_on": timezone.localdate().isoformat(), "points": ["x"]}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert CaseEvent.objects.filter(case_id=case_id).count() == 1


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_and_case_page_queries_do_not_grow(users, units, client):
    client.force_login(users["inspector1"])
    first = open_case(users, units)
    check_all(first, users)
    one_list = _queries(client, "/clarifications/")
    one_page = _queries(client, f"/cases/{first.pk}/")
    for _n in range(3):
        check_all(open_case(users, units), users)
    assert _queries(client, "/clarifications/") == one_list
    assert _queries(client, f"/cases/{first.pk}/") == one_page
    assert _queries(client, f"/api/v1/clarifications/{first.pk}/") <= 12


def test_the_schema_documents_the_endpoints_in_the_others_style(users):
    client = APIClient()
    client.force_login(users["admin"])
    schema = client.get("/api/schema/?format=json").json()
    operations = {op["operationId"]: op for methods in schema["paths"].values() for op in methods.values()}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    opened = operations["clarification_case_open"]
    assert opened["tags"] == ["clarifications"] and "201" in opened["responses"]
    assert opened["responses"]["403"]["content"] == error
    assert operations["clarification_case_get"]["responses"]["404"]["content"] == error
    for step in ("record_finding", "seek_cadre_view", "record_cadre_view", "conclude_check",
                 "decide_clarification", "issue_statement", "publish_clarification", "refer_false_accusation",
                 "record_petition", "close_clarification"):
        operation = operations[f"case_{step}"]
        assert operation["tags"] == ["clarifications"], step
        assert {"401", "403", "404", "409"} <= set(operation["responses"]), step
        assert operation["responses"]["409"]["content"] == error, step
    # The 409 of a step names its refusals (core.schema reads the declaration).
    assert "请先对每项反映问题作出核查结论" in operations["case_conclude_check"]["description"]


def test_the_schema_speaks_chinese_for_these_endpoints_too(world):
    schema = APIClient().get("/api/schema/?format=json").json()
    assert schema["paths"]["/api/v1/clarifications/"]["post"]["summary"] == "根据信访举报启动澄清正名事项"
    step = schema["paths"]["/api/v1/cases/{case_id}/conclude_check/"]["post"]["summary"]
    assert step.startswith("核查完结")
