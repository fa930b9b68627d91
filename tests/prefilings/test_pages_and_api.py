import datetime as dt

from prefilings import services
from prefilings.models import EarlyWarning, PreFiling

from .conftest import FRIDAY, at, make_draft, pdf


def _many(users, n):
    filings = [make_draft(users["applicant"], title=f"改革事项{i}") for i in range(n)]
    with at(FRIDAY):
        for f in filings:
            services.prefiling_submit(filing=f, actor=users["applicant"])
    return filings


# Session, user, memberships (cached for nav and list), the bell's count,
# the paginator's count, the page (none when the count is 0).
PAGE_QUERIES = {"/prefilings/": 6, "/prefilings/intake/": 6, "/prefilings/warnings/": 5}


class TestListQueries:
    def test_list_api_query_count_is_fixed(self, users, client, django_assert_num_queries):
        """Session, user, memberships, count and page: the same for 2 or 6 filings."""
        client.force_login(users["intake"])
        _many(users, 2)
        with django_assert_num_queries(5):
            body = client.get("/api/v1/prefilings/").json()
        assert body["count"] == 2
        _many(users, 4)
        with django_assert_num_queries(5):
            body = client.get("/api/v1/prefilings/?queue=intake").json()
        assert body["count"] == 6
        assert body["results"][0]["review_due"] == "2026-01-12"

    def test_list_pages_query_count_is_fixed(self, users, client, django_assert_num_queries):
        """The three list pages cost the same whatever the number of rows."""
        client.force_login(users["intake"])
        _many(users, 2)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = {}
        for url in ("/prefilings/", "/prefilings/intake/", "/prefilings/warnings/"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts[url] = len(ctx.captured_queries)
        assert counts == PAGE_QUERIES
        _many(users, 5)
        for url, n in counts.items():
            with django_assert_num_queries(n):
                client.get(url)

    def test_intake_queue_shows_due_dates(self, users, client):
        """The intake queue lists submitted filings with their review due date, overdue marked."""
        _many(users, 1)
        client.force_login(users["intake"])
        with at(dt.date(2026, 1, 12)):
            html = client.get("/prefilings/intake/").content.decode()
        assert "改革事项0" in html and "2026-01-12" in html and "tag overdue" not in html
        with at(dt.date(2026, 1, 13)):
            html = client.get("/prefilings/intake/").content.decode()
        assert "tag overdue" in html

    def test_warnings_page_lists_filings_with_open_warnings(self, registered, users, client):
        """Inspectors see the filings with open warnings, and not the others."""
        make_draft(users["applicant"], title="没有预警的事项")
        services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="进展",
                                           risks=[{"risk": 0, "realised": True}, {"risk": 1, "realised": False}])
        client.force_login(users["inspector1"])
        html = client.get("/prefilings/warnings/").content.decode()
        assert registered.title in html and "没有预警的事项" not in html


class TestApiFlow:
    def test_create_submit_register_report_resolve_evaluate(self, users, client):
        """The whole track through the API, one generated POST per step."""
        client.force_login(users["applicant"])
        response = client.post("/api/v1/prefilings/", {
            "title": "API 改革事项", "measure": "内容", "reasons": "原因", "responsible": "张伟",
            "risks": [{"risk": "风险一", "control": "控制一"}],
            "procedures": {"collective_decision": {"done": True, "note": "党组会"}},
            "period_start": "2026-02-01", "period_end": "2026-06-30",
        }, content_type="application/json")
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        filing = PreFiling.objects.get(pk=pk)
        response = client.post(f"/api/v1/prefilings/{pk}/submit/", content_type="application/json")
        # Incomplete: the step refuses (409), naming what lacks.
        assert response.status_code == 409 and response.json()["code"] == "incomplete", response.content
        assert any("集体" in m for m in response.json()["extra"]["missing"])
        services.prefiling_attachment_add(filing=filing, actor=users["applicant"], file=pdf(),
                                          kind="collective_decision")
        with at(FRIDAY):
            assert client.post(f"/api/v1/prefilings/{pk}/submit/").json()["status"] == "submitted"
        client.force_login(users["intake"])
        body = client.post(f"/api/v1/prefilings/{pk}/request_supplement/", {"missing": "方案全文"},
                           content_type="application/json").json()
        assert body["status"] == "supplement"
        client.force_login(users["applicant"])
        client.post(f"/api/v1/prefilings/{pk}/supplement/", {"answer": "已上传"}, content_type="application/json")
        client.force_login(users["intake"])
        body = client.post(f"/api/v1/prefilings/{pk}/register/", {"report_interval_days": 14},
                           content_type="application/json").json()
        assert body["status"] == "registered" and body["report_interval_days"] == 14
        assert body["actions"] == []  # intake has nothing more to do
        assert body["letter"]["status"] == "pending"
        client.force_login(users["applicant"])
        body = client.post(f"/api/v1/prefilings/{pk}/report_progress/", {
            "summary": "进展", "risks": [{"risk": 0, "realised": True, "note": "发生"}]},
            content_type="application/json").json()
        warning = body["warnings"][0]
        assert warning["status"] == "open"
        client.force_login(users["inspector1"])
        body = client.post(f"/api/v1/prefilings/{pk}/resolve_warning/", {
            "warning": warning["id"], "resolution": "reminder_talk", "note": "谈话提醒",
            "resolved_on": dt.date.today().isoformat()}, content_type="application/json").json()
        assert body["warnings"][0]["status"] == "resolved"
        client.force_login(users["applicant"])
        body = client.post(f"/api/v1/prefilings/{pk}/evaluate/", {"outcome": "完成", "lessons": "经验"},
                           content_type="application/json").json()
        assert body["status"] == "closed"
        assert [e["kind"] for e in body["events"]][-1] == "evaluated"
        assert not EarlyWarning.objects.filter(status="open").exists()

    def test_detail_api_query_count(self, registered, users, client, django_assert_num_queries):
        """The detail costs a fixed number of queries."""
        client.force_login(users["inspector1"])
        # Session, user, memberships, the visibility check, the filing with its
        # evaluation, then its letters, attachments, events, reports, warnings
        # and citations.
        with django_assert_num_queries(11):
            assert client.get(f"/api/v1/prefilings/{registered.pk}/").status_code == 200


class TestPages:
    def test_file_a_measure_through_the_form(self, users, client):
        """The create page saves a draft with risk rows and procedure flags."""
        client.force_login(users["applicant"])
        assert client.get("/prefilings/new/").status_code == 200
        response = client.post("/prefilings/new/", {
            "title": "表单事项", "measure": "内容", "reasons": "原因", "responsible": "张伟",
            "period_start": "2026-02-01", "period_end": "2026-06-30",
            "collective_decision_done": "on", "collective_decision_note": "党组会",
            "risks-TOTAL_FORMS": "2", "risks-INITIAL_FORMS": "0", "risks-MIN_NUM_FORMS": "0",
            "risks-MAX_NUM_FORMS": "20", "risks-0-risk": "风险一", "risks-0-control": "控制一",
            "risks-1-risk": "", "risks-1-control": "",
        })
        assert response.status_code == 302
        filing = PreFiling.objects.get(title="表单事项")
        assert filing.risks == [{"risk": "风险一", "control": "控制一"}]
        assert filing.procedures["collective_decision"]["done"] is True

    def test_action_views_post_and_redirect(self, submitted, users, client):
        """Register from the page: redirected back with a message; refusals show the service's error."""
        client.force_login(users["applicant"])
        response = client.post(f"/prefilings/{submitted.pk}/register/", {"report_interval_days": "30"},
                               follow=True)
        submitted.refresh_from_db()
        assert submitted.status == "submitted"
        assert response.status_code == 200
        client.force_login(users["intake"])
        response = client.post(f"/prefilings/{submitted.pk}/register/", {"report_interval_days": "30"})
        assert response.status_code == 302
        submitted.refresh_from_db()
        assert submitted.status == "registered"

    def test_detail_page_renders_every_part(self, registered, users, client):
        """The filing page shows the declared risks, procedures, history and report form."""
        client.force_login(users["applicant"])
        html = client.get(f"/prefilings/{registered.pk}/").content.decode()
        assert "供餐企业资质不足导致食品安全问题" in html
        assert "risk_0_realised" in html
        assert registered.number in html
