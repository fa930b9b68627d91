"""API and pages of careers: the department's list and recording, 404 for
another jurisdiction's department, pinned query counts."""

import dataclasses
import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from careers import services
from careers.models import AccountabilityDecision, EventKind, FollowUp, ResultUse
from core.events import EVENT_KINDS
from tests.files import PDF_BYTES as PDF

from .conftest import rule

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestApi:
    def test_department_lists_and_applies(self, mitigated, users, today):
        client = api(users["org_dept"])
        body = client.get("/api/v1/result-uses/?status=active").json()
        assert body["count"] == 2
        row = body["results"][0]
        assert {"id", "case_number", "cadre_name", "title", "impact_months", "ends_on", "status",
                "applications"} <= set(row)
        resp = client.post(f"/api/v1/result-uses/{row['id']}/apply/", {
            "occasion": "2026年度考核", "outcome": "未受影响", "applied_on": today.isoformat(), "note": "称职"},
            format="json")
        assert resp.status_code == 200, resp.content
        assert resp.json()["applications"][0]["outcome"] == "未受影响"

    def test_bad_input_is_refused_and_changes_nothing(self, mitigated, users, today):
        """A date in the future is refused by the service: 422 (the API's
        contract for a well-formed request the rules refuse)."""
        use = ResultUse.objects.filter(case=mitigated).first()
        resp = api(users["org_dept"]).post(f"/api/v1/result-uses/{use.pk}/apply/", {
            "occasion": "考核", "outcome": "未受影响", "applied_on": (today + dt.timedelta(days=3)).isoformat()},
            format="json")
        assert resp.status_code == 422
        assert not use.applications.exists()

    def test_other_jurisdiction_sees_nothing(self, mitigated, users, today):
        """昆明's organization department: empty lists, 404 on the records,
        on the case and on the steps."""
        client = api(users["km_org_dept"])
        use = ResultUse.objects.filter(case=mitigated).first()
        talk = FollowUp.objects.get(case=mitigated)
        assert client.get("/api/v1/result-uses/").json()["count"] == 0
        assert client.get("/api/v1/followups/").json()["count"] == 0
        assert client.get(f"/api/v1/result-uses/{use.pk}/").status_code == 404
        assert client.post(f"/api/v1/result-uses/{use.pk}/apply/", {}, format="json").status_code == 404
        assert client.post(f"/api/v1/followups/{talk.pk}/record/", {}, format="json").status_code == 404
        assert client.get(f"/api/v1/cases/{mitigated.pk}/").status_code == 404

    def test_the_followups_confidentiality_is_the_event_registrys(self, mitigated, users, today):
        """The summary is hidden from the cadre because the talk's event kind
        is registered internal (careers/events.py), the rule the case page's
        timeline follows: registered otherwise, the cadre would read it."""
        talk = FollowUp.objects.get(case=mitigated)
        services.followup_record(followup=talk, actor=users["org_dept"], held_on=today, participants="郑琳、张伟",
                                 summary="谈及下一步工作安排")
        assert talk.event_kind == EventKind.TALK_RECORDED

        def cadre_reads():
            return [f["summary"] for f in api(users["applicant"]).get("/api/v1/followups/").json()["results"]
                    if f["id"] == talk.pk]

        assert cadre_reads() == [""]
        key = ("case", EventKind.TALK_RECORDED)
        registered = EVENT_KINDS[key]
        assert registered.internal
        EVENT_KINDS[key] = dataclasses.replace(registered, internal=False)
        try:
            assert cadre_reads() == ["谈及下一步工作安排"]
        finally:
            EVENT_KINDS[key] = registered
        assert cadre_reads() == [""]

    def test_the_cadre_sees_his_own_and_cannot_record(self, mitigated, users, today):
        use = ResultUse.objects.filter(case=mitigated).first()
        assert api(users["applicant"]).get("/api/v1/result-uses/").json()["count"] == 2
        assert api(users["applicant2"]).get(f"/api/v1/result-uses/{use.pk}/").status_code == 404
        resp = api(users["applicant"]).post(f"/api/v1/result-uses/{use.pk}/apply/", {
            "occasion": "考核", "outcome": "未受影响", "applied_on": today.isoformat()}, format="json")
        assert resp.status_code == 403

    def test_followup_and_steps(self, mitigated, users, today):
        talk = FollowUp.objects.get(case=mitigated)
        resp = api(users["org_dept"]).post(f"/api/v1/followups/{talk.pk}/record/", {
            "held_on": today.isoformat(), "participants": "郑琳、张伟", "summary": "谈心谈话"}, format="json")
        assert resp.status_code == 200 and resp.json()["status"] == "done"
        assert resp.json()["summary"] == "谈心谈话"
        # The talk's notes are internal: the cadre sees that it was held, not what was noted.
        own = api(users["applicant"]).get("/api/v1/followups/").json()["results"]
        assert [(f["id"], f["status"], f["summary"]) for f in own if f["id"] == talk.pk] == [(talk.pk, "done", "")]
        assert api(users["org_dept"]).get("/api/v1/followups/").json()["results"][0]["summary"] == "谈心谈话"
        # The two case steps answer like every generated step endpoint: the
        # case with its actions, and the record the step made.
        resp = api(users["inspector1"]).post(f"/api/v1/cases/{mitigated.pk}/record_accountability_decision/", {
            "organ": "县纪委", "decision": "reduced", "form": "circular", "decided_on": today.isoformat(),
            "document_number": "怀纪〔2026〕5号"}, format="json")
        assert resp.status_code == 200, resp.content
        body = resp.json()
        assert body["step"]["name"] == "record_accountability_decision"
        assert body["step"]["record"]["type"] == "careers.accountabilitydecision"
        assert "record_accountability_decision" not in {a["name"] for a in body["actions"]}
        decision = AccountabilityDecision.objects.get(pk=body["step"]["record"]["id"])
        assert decision.follows_ruling is True and decision.document is None
        resp = api(users["org_dept"]).post(f"/api/v1/cases/{mitigated.pk}/revoke_ruling/", {
            "held_on": today.isoformat(), "participants": "x", "reason": "y"}, format="json")
        assert resp.status_code == 403
        resp = api(users["committee1"]).post(f"/api/v1/cases/{mitigated.pk}/revoke_ruling/", {
            "held_on": today.isoformat(), "participants": "孙丽、周杰、吴敏", "reason": "材料造假"}, format="json")
        assert resp.status_code == 200, resp.content
        assert resp.json()["outcome"] == "rejected"
        assert resp.json()["step"]["record"]["type"] == "careers.revocation"
        # Again: the step is gone (409 from the step's own readiness).
        resp = api(users["committee1"]).post(f"/api/v1/cases/{mitigated.pk}/revoke_ruling/", {
            "held_on": today.isoformat(), "participants": "孙丽", "reason": "材料造假"}, format="json")
        assert resp.status_code == 409

    def test_decision_document_is_checked_and_stored(self, mitigated, users, today):
        """The decision document goes through the upload checks: a file
        whose content is not an accepted type is 422 and nothing is
        recorded; a PDF is stored with the case's files, locked."""
        url = f"/api/v1/cases/{mitigated.pk}/record_accountability_decision/"
        data = {"organ": "县纪委", "decision": "reduced", "decided_on": today.isoformat(),
                "document_number": "怀纪〔2026〕6号"}
        bad = SimpleUploadedFile("决定书.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
        resp = api(users["inspector1"]).post(url, {**data, "document": bad}, format="multipart")
        assert resp.status_code == 422, resp.content
        assert "document" in resp.json()["fields"]
        assert not AccountabilityDecision.objects.filter(case=mitigated).exists()
        good = SimpleUploadedFile("决定书.pdf", PDF, content_type="application/pdf")
        resp = api(users["inspector1"]).post(url, {**data, "document": good}, format="multipart")
        assert resp.status_code == 200, resp.content
        decision = AccountabilityDecision.objects.select_related("document").get(case=mitigated)
        assert decision.document.original_name == "决定书.pdf" and decision.document.locked
        assert decision.document.sha256 == hashlib.sha256(PDF).hexdigest()
        event = mitigated.events.get(kind="accountability_decided")
        assert event.data["document"]["sha256"] == decision.document.sha256

    def test_list_query_count_is_pinned(self, mitigated, users, today, django_assert_num_queries):
        client = api(users["org_dept"])
        client.get("/api/v1/result-uses/")
        with django_assert_num_queries(3):
            client.get("/api/v1/result-uses/")

    def test_schema_documents_the_endpoints(self, client, users):
        client.force_login(users["org_dept"])
        schema = client.get("/api/schema/?format=json").json()
        for path in ("/api/v1/result-uses/", "/api/v1/result-uses/{use_id}/apply/",
                     "/api/v1/followups/{followup_id}/record/", "/api/v1/cases/{case_id}/revoke_ruling/",
                     "/api/v1/cases/{case_id}/record_accountability_decision/"):
            assert path in schema["paths"], path


class TestPages:
    def test_workbench_and_recording(self, client, mitigated, users, today):
        client.force_login(users["org_dept"])
        home = client.get("/")
        assert any(s.key == "result_uses" and s.count == 2 for s in home.context["sections"])
        page = client.get("/careers/")
        assert page.status_code == 200 and "考核" in page.content.decode()
        use = ResultUse.objects.filter(case=mitigated).first()
        resp = client.post(f"/careers/uses/{use.pk}/apply/", {
            "occasion": "2026年度考核", "outcome": "未受影响", "applied_on": today.isoformat()})
        assert resp.status_code == 302
        assert "2026年度考核" in client.get(f"/careers/uses/{use.pk}/").content.decode()
        # The case page (the department sees the ruled case) shows the panel.
        case_page = client.get(f"/cases/{mitigated.pk}/").content.decode()
        assert 'id="careers"' in case_page and "2026年度考核" in case_page

    def test_other_jurisdiction_gets_404(self, client, mitigated, users, today):
        client.force_login(users["km_org_dept"])
        use = ResultUse.objects.filter(case=mitigated).first()
        assert client.get(f"/careers/uses/{use.pk}/").status_code == 404
        assert client.post(f"/careers/uses/{use.pk}/apply/", {}).status_code == 404
        assert client.get(f"/cases/{mitigated.pk}/").status_code == 404
        assert 'data-testid="uses"' not in client.get("/careers/").content.decode()

    def test_page_query_counts_are_pinned(self, client, mitigated, users, today, django_assert_num_queries):
        client.force_login(users["org_dept"])
        use = ResultUse.objects.filter(case=mitigated).first()
        client.get("/careers/")
        with django_assert_num_queries(8):
            client.get("/careers/")
        with django_assert_num_queries(6):
            client.get(f"/careers/uses/{use.pk}/")


class TestCadreRecord:
    """The cadre's record (容错档案): one page and one API per cadre."""

    def _apply(self, case, users, today):
        use = ResultUse.objects.filter(case=case).order_by("policy_item__number").first()
        services.use_apply(obligation=use, actor=users["org_dept"], occasion="2026年度考核", outcome="未受影响",
                           applied_on=today)
        return use

    def test_api_lists_cases_rulings_uses_and_applications(self, mitigated, users, today):
        self._apply(mitigated, users, today)
        cadre = users["applicant"]
        for name in ("applicant", "org_dept", "inspector1"):
            resp = api(users[name]).get(f"/api/v1/cadres/{cadre.pk}/record/")
            assert resp.status_code == 200, (name, resp.content)
            body = resp.json()
            assert body["cadre"] == cadre.pk
            [case] = body["cases"]
            assert case["id"] == mitigated.pk and case["outcome"] == "mitigated"
            assert [r["result"] for r in case["rulings"]] == ["mitigated"]
            assert len(case["result_uses"]) == 2
            applied = [u for u in case["result_uses"] if u["applications"]]
            assert applied[0]["applications"][0]["outcome"] == "未受影响"
            assert case["followups"][0]["kind"] == "talk" and case["followups"][0]["due_date"]
            assert case["accountability_decision"] is None and case["correction"] is None

    @pytest.mark.parametrize("name", ["km_org_dept", "applicant2", "km_inspector"])
    def test_others_get_404(self, mitigated, users, today, client, name):
        cadre = users["applicant"]
        assert api(users[name]).get(f"/api/v1/cadres/{cadre.pk}/record/").status_code == 404
        client.force_login(users[name])
        assert client.get(f"/careers/cadres/{cadre.pk}/").status_code == 404

    def test_unknown_cadre_is_404(self, users):
        assert api(users["org_dept"]).get("/api/v1/cadres/999999/record/").status_code == 404

    def test_page_shows_the_record_and_pins_its_queries(self, client, mitigated, users, today,
                                                        django_assert_num_queries):
        self._apply(mitigated, users, today)
        cadre = users["applicant"]
        client.force_login(users["org_dept"])
        url = f"/careers/cadres/{cadre.pk}/"
        body = client.get(url).content.decode()
        assert 'data-testid="record-case"' in body and "2026年度考核：未受影响" in body
        assert 'data-testid="record-followups"' in body
        # Linked from the use's page and the case panel.
        use = ResultUse.objects.filter(case=mitigated).first()
        assert url in client.get(f"/careers/uses/{use.pk}/").content.decode()
        assert url in client.get(f"/cases/{mitigated.pk}/").content.decode()
        with django_assert_num_queries(RECORD_PAGE_QUERIES):
            client.get(url)
        # A second case does not add queries.
        second = rule(users)
        services.obligations_open(case_id=second.pk)
        with django_assert_num_queries(RECORD_PAGE_QUERIES):
            resp = client.get(url)
        assert resp.content.decode().count('data-testid="record-case"') == 2
        with django_assert_num_queries(RECORD_API_QUERIES):
            assert len(api(users["org_dept"]).get(f"/api/v1/cadres/{cadre.pk}/record/").json()["cases"]) == 2


# The API: the cadre, his cases (with the one-to-one records joined),
# rulings, uses, applications, follow-ups. The page adds the session, the
# user, his memberships and the notification bell. Measured, whatever the
# number of cases.
RECORD_PAGE_QUERIES = 10
RECORD_API_QUERIES = 6
