"""The correction APIs (POST /api/v1/cases/{id}/<action>/): permissions for
every action, shapes, uploads; the case-page panel; pinned query counts."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import CaseEvent
from corrections.models import RectificationTask
from corrections.selectors import correction_record
from reviews.models import Recusal

from .conftest import PATH, bring_to, do, kwargs_for, pdf

pytestmark = pytest.mark.django_db

DECIDING = {"supervisor", "committee1"}
INSPECTORS = {"inspector1", "inspector2"}
ALLOWED = {
    "start_correction": DECIDING, "skip_correction": DECIDING, "send_correction_notice": INSPECTORS,
    "record_talk": INSPECTORS, "add_rectification_task": INSPECTORS,
    "submit_rectification_report": {"applicant"}, "accept_rectification": INSPECTORS,
    "return_rectification": INSPECTORS, "record_rule_change": INSPECTORS,
    "request_clarification": INSPECTORS | {"applicant", "intake"}, "record_clarification": INSPECTORS,
    "issue_clarification": INSPECTORS, "record_referral": INSPECTORS, "skip_clarification": DECIDING,
    "close": INSPECTORS | DECIDING,
}
# Who may see a 怀来 case at all; the others get a 404.
SEES = {"applicant", "unit_reviewer", "intake", "inspector1", "inspector2", "supervisor", "committee1", "admin"}
CANDIDATES = sorted(SEES | {"applicant2", "km_inspector", "km_intake"})
MULTIPART = {"submit_rectification_report", "record_rule_change"}


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(user, case, action):
    url = f"/api/v1/cases/{case.pk}/{action}/"
    data = kwargs_for(action, case)
    if action in MULTIPART:
        return _client(user).post(url, data, format="multipart")
    data.pop("files", None)
    for key, value in list(data.items()):
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return _client(user).post(url, data, format="json")


@pytest.mark.parametrize("action", list(ALLOWED))
def test_permissions_for_every_action(ruled, users, action):
    """Each action, at the state where it is next: refused for everyone
    outside its role (403 if they may see the case, 404 if not, nothing
    written), taken by one who holds it (200, the one answer of every step:
    the case with its next actions, and the step with what it made)."""
    bring_to(action, ruled, users)
    events = CaseEvent.objects.filter(case=ruled).count()
    for name in CANDIDATES:
        if name in ALLOWED[action]:
            continue
        response = _post(users[name], ruled, action)
        assert response.status_code == (403 if name in SEES else 404), (name, response.json())
        assert response.json()["code"] in ("permission_denied", "not_found")
    assert CaseEvent.objects.filter(case=ruled).count() == events
    allowed = sorted(ALLOWED[action])[0]
    response = _post(users[allowed], ruled, action)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == ruled.pk and body["step"]["name"] == action
    assert {"stage", "outcome", "actions", "events"} <= set(body)
    assert CaseEvent.objects.filter(case=ruled).count() > events
    record = _client(users[allowed]).get(f"/api/v1/cases/{ruled.pk}/correction-record/").json()
    assert set(record) == {"case", "stage", "outcome", "correction", "tasks", "clarification"}


def test_recused_inspector_gets_404(ruled, users):
    """An inspector marked as related to the case neither sees it nor acts."""
    Recusal.objects.create(case=ruled, user=users["inspector2"], reason="亲属关系")
    bring_to("send_correction_notice", ruled, users)
    assert _post(users["inspector2"], ruled, "send_correction_notice").status_code == 404


def test_km_inspector_404_on_every_endpoint(ruled, users):
    """Another jurisdiction's inspector gets a 404 from every endpoint,
    whatever the state."""
    for action in ALLOWED:
        response = _client(users["km_inspector"]).post(f"/api/v1/cases/{ruled.pk}/{action}/", {}, format="json")
        assert response.status_code == 404, action


def test_illegal_step_and_bad_input_shapes(ruled, users):
    """A step out of order is a 409 with the message; missing input is a
    400 with the fields."""
    response = _client(users["inspector1"]).post(f"/api/v1/cases/{ruled.pk}/record_talk/", {
        "talk_on": "2026-01-05", "participants": "a", "record": "b", "acknowledgement": "c"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    response = _client(users["supervisor"]).post(f"/api/v1/cases/{ruled.pk}/start_correction/", {},
                                                 format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"decided_by", "problems"}


def test_report_upload_multipart(ruled, users):
    """The cadre uploads his report with two evidence files; the record
    lists them; a returned report shows the new due date."""
    bring_to("submit_rectification_report", ruled, users)
    task = RectificationTask.objects.get(correction__case=ruled)
    response = _client(users["applicant"]).post(
        f"/api/v1/cases/{ruled.pk}/submit_rectification_report/",
        {"task_id": task.pk, "text": "已补办手续", "files": [pdf(), pdf("附件二.pdf")]}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["step"]["record"]["type"] == "corrections.rectificationreport"
    record_url = f"/api/v1/cases/{ruled.pk}/correction-record/"
    reports = _client(users["applicant"]).get(record_url).json()["tasks"][0]["reports"]
    assert [f["original_name"] for f in reports[0]["files"]] == ["整改证明.pdf", "附件二.pdf"]
    response = _client(users["inspector1"]).post(f"/api/v1/cases/{ruled.pk}/return_rectification/",
                                                 {"task_id": task.pk, "reason": "缺少审批文件"}, format="json")
    assert response.status_code == 200, response.json()
    body = _client(users["inspector1"]).get(record_url).json()
    assert body["tasks"][0]["status"] == "open"
    assert body["tasks"][0]["reports"][0]["decision"] == "returned"
    assert body["tasks"][0]["due_date"]


def test_record_clarification_api(ruled, users):
    """Untrue points go in as a list; an empty list is refused."""
    bring_to("record_clarification", ruled, users)
    url = f"/api/v1/cases/{ruled.pk}/record_clarification/"
    assert _client(users["inspector1"]).post(url, {"points": []}, format="json").status_code == 400
    response = _client(users["inspector1"]).post(
        url, {"points": [{"allegation": "收受好处", "finding": "查无实据"}]}, format="json")
    assert response.status_code == 200, response.json()
    record = _client(users["inspector1"]).get(f"/api/v1/cases/{ruled.pk}/correction-record/").json()
    assert record["clarification"]["points"] == [
        {"number": 1, "allegation": "收受好处", "finding": "查无实据"}]


def test_schema_has_every_action(client, users):
    """/api/schema/ documents one POST per action."""
    client.force_login(users["admin"])
    schema = client.get("/api/schema/?format=json").json()
    for action in ALLOWED:
        assert "post" in schema["paths"][f"/api/v1/cases/{{case_id}}/{action}/"], action


def test_record_query_count(ruled, users, django_assert_num_queries):
    """The record (panel and API) takes a fixed number of queries, however
    many tasks, reports and files."""
    bring_to("record_rule_change", ruled, users)
    do("add_rectification_task", ruled, users)
    do("submit_rectification_report", ruled, users)
    do("request_clarification", ruled, users)
    with django_assert_num_queries(8):
        record = correction_record(case=ruled)
        for task in record["tasks"]:
            for report in task.reports.all():
                list(report.files.all())
            _ = task.clock.due_date if task.clock else None
        list(record["correction"].rule_files.all())
        list(record["clarification"].points.all()) if record["clarification"] else None


class TestPanel:
    def _page(self, client, user, case):
        client.force_login(user)
        url = reverse("cases:detail", args=[case.pk])
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    def test_cadre_sees_what_is_asked_and_the_upload(self, client, ruled, users):
        """The cadre sees his open task with its due date and the report
        form with a file input; the unit reviewer sees the record only."""
        bring_to("submit_rectification_report", ruled, users)
        task = RectificationTask.objects.get(correction__case=ruled)
        html = self._page(client, users["applicant"], ruled)
        assert 'id="corrections"' in html
        assert task.clock.due_date.isoformat() in html
        assert 'name="submit_rectification_report-files"' in html
        assert 'enctype="multipart/form-data"' in html
        html = self._page(client, users["unit_reviewer"], ruled)
        assert "补办采购审批手续" in html
        assert "<form method=\"post\" class=\"correction-action\"" not in html

    def test_browser_post_and_error_message(self, client, ruled, users):
        """A panel form posts to the app's view, which calls the service and
        redirects back with a message; a refused step shows the error."""
        client.force_login(users["inspector1"])
        response = client.post(reverse("corrections:action", args=[ruled.pk, "send_correction_notice"]), {},
                               follow=True)
        assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[ruled.pk])
        messages = list(response.context["messages"])
        assert [m.level_tag for m in messages] == ["error"]
        assert not CaseEvent.objects.filter(case=ruled, kind="correction_notice_sent").exists()
        client.force_login(users["supervisor"])
        response = client.post(reverse("corrections:action", args=[ruled.pk, "start_correction"]), {
            "start_correction-decided_by": "县纪委常委会", "start_correction-problems": "程序问题",
            "start_correction-four_forms": ""}, follow=True)
        ruled.refresh_from_db()
        assert ruled.stage == "correction"
        assert [m.level_tag for m in response.context["messages"]] == ["success"]

    def test_file_download_needs_visibility(self, client, ruled, users):
        """Report files download for those who may see the case; others get
        a 404."""
        bring_to("accept_rectification", ruled, users)
        from corrections.models import CorrectionFile

        f = CorrectionFile.objects.get(case=ruled)
        url = reverse("corrections:file", args=[ruled.pk, f.pk])
        client.force_login(users["unit_reviewer"])
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        client.force_login(users["km_inspector"])
        assert client.get(url).status_code == 404


assert set(PATH) == set(ALLOWED)


@pytest.mark.parametrize("who", ["inspector1", "applicant"])
def test_panel_query_count(rf, ruled, users, who, django_assert_num_queries):
    """The panel's context (record, actions, forms) takes a fixed number
    of queries for a busy case."""
    from corrections.selectors import correction_panel_context

    bring_to("record_rule_change", ruled, users)
    do("add_rectification_task", ruled, users)
    do("request_clarification", ruled, users)
    request = rf.get("/")
    request.user = type(users[who]).objects.get(pk=users[who].pk)
    from cases.models import Case

    # As the case page loads it (cases.selectors.case_detail_for_user): the
    # panel reads the version's correction procedure (issue 16). The
    # inspector's two more are the steps' readiness: his recusal (read once
    # for the corrections' and careers' steps, core.steps.StepContext) and
    # whether an accountability decision exists; careers' steps read the
    # ruling the panel seeded.
    case = Case.objects.select_related("unit", "policy_version").get(pk=ruled.pk)
    with django_assert_num_queries(11 if who == "inspector1" else 9):
        context = correction_panel_context(request, case)
    assert context["tasks"] and context["clarification"]
