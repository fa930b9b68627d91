"""API endpoints and pages of verification and ruling: the same
permissions as the services, the error shape, and pinned query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from cases.models import Stage
from reviews import services
from reviews.models import Assignment, Ruling, Vote

from .conftest import accept_case, all_met, items, judgements, to_defence, to_deliberation, to_ruled

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestApi:
    def test_full_path_through_the_api(self, users):
        """Every step is a POST; the answer (the one shape of every step) is
        the case with its new stage and next actions, and the step."""
        case = accept_case(users)
        url = f"/api/v1/cases/{case.pk}/"
        r = api(users["supervisor"]).post(url + "assign/", {"inspectors": [users["inspector1"].pk,
                                                                           users["inspector2"].pk]}, format="json")
        assert r.status_code == 200, r.json()
        r = api(users["inspector1"]).post(url + "record_interview/", {
            "person": "张伟", "held_on": "2026-01-06", "summary": "陈述经过"}, format="json")
        assert r.status_code == 200
        distinctions, factors = judgements()
        r = api(users["inspector1"]).post(url + "assess/", {
            "conditions": all_met(case), "positive_item": items(case, "positive")[0].pk,
            "negative_items": [], "negative_note": "未发现负面清单情形", "distinctions": distinctions,
            "factors": factors}, format="json")
        assert r.status_code == 200, r.json()
        r = api(users["inspector2"]).post(url + "preliminary_report/", {
            "recommended_result": "exempt", "summary": "符合"}, format="json")
        assert r.json()["stage"] == Stage.DEFENCE
        r = api(users["applicant"]).post(url + "waive_defence/", {}, format="json")
        assert r.json()["stage"] == Stage.DELIBERATION
        members = [users[f"committee{i}"].pk for i in (1, 2, 3)]
        r = api(users["committee1"]).post(url + "deliberate/", {
            "held_on": "2026-01-08", "members_present": members,
            "votes": [{"member": m, "result": "exempt", "opinion": "同意"} for m in members]}, format="json")
        assert r.status_code == 200, r.json()
        assert r.json()["step"]["name"] == "deliberate" and r.json()["step"]["record"]["type"] == "reviews.meeting"
        assert Vote.objects.filter(meeting__case=case).count() == 3
        # Votes recorded by the minute-taker count once each member confirms.
        r = api(users["committee2"]).post(url + "rule/", {"result": "exempt", "reasons": "x"}, format="json")
        assert r.status_code == 409 and r.json()["code"] == "votes_unconfirmed"
        for name in ("committee2", "committee3"):
            assert api(users[name]).post(url + "confirm_vote/", {}, format="json").status_code == 200
        uses = items(case, "result_use")
        r = api(users["committee2"]).post(url + "rule/", {
            "result": "exempt", "reasons": "符合条件", "uses": [{"item": uses[1].pk}],
            "needs_clarification": True}, format="json")
        assert r.status_code == 200 and r.json()["outcome"] == "exempt"
        for action in ("feedback", "file_report"):
            r = api(users["supervisor"]).post(url + f"{action}/", {"recipients": "张伟"}, format="json")
            assert r.status_code == 200
        r = api(users["applicant"]).post(url + "request_review/", {"reasons": "不服"}, format="json")
        assert r.json()["stage"] == Stage.REVIEW
        record = api(users["applicant"]).get(url + "review-record/").json()
        assert [x["kind"] for x in record["rulings"]] == ["first"]
        # Exempt: no impact period unless the version sets one.
        assert record["rulings"][0]["uses"][0]["duration_months"] is None
        # Each member's vote is internal: the applicant sees the meeting, not the votes.
        assert record["meetings"][0]["votes"] == [] and record["records"] == []
        record = api(users["supervisor"]).get(url + "review-record/").json()
        assert len(record["meetings"][0]["votes"]) == 3

    def test_refusals_use_the_error_shape(self, users):
        """A negative-list item refuses exempt with the items named; a vote
        twice is a 409."""
        case = to_deliberation(accept_case(users), users)
        services.meeting_record(case=case, actor=users["committee1"], held_on=dt.date(2026, 1, 8),
                                members_present=[users["committee1"], users["committee2"]])
        client = api(users["committee1"])
        assert client.post(f"/api/v1/cases/{case.pk}/vote/", {"result": "exempt"}, format="json").status_code == 200
        r = client.post(f"/api/v1/cases/{case.pk}/vote/", {"result": "rejected"}, format="json")
        assert r.status_code == 409 and r.json()["code"] == "already_voted"

    def test_other_jurisdiction_sees_nothing(self, users):
        """km_inspector gets 404 on every step and on the record."""
        case = to_defence(accept_case(users), users)
        client = api(users["km_inspector"])
        for action in ("assign", "record_interview", "assess", "preliminary_report", "defend", "waive_defence",
                       "add_testimony", "record_assessment_report", "record_hearing", "deliberate", "vote",
                       "rule", "feedback", "file_report", "request_review", "decide_review"):
            assert client.post(f"/api/v1/cases/{case.pk}/{action}/", {}, format="json").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}/review-record/").status_code == 404

    def test_wrong_role_is_refused(self, users):
        """Who may see the case but not take the step is refused (403) and
        nothing changes."""
        case = accept_case(users)
        r = api(users["inspector1"]).post(f"/api/v1/cases/{case.pk}/assign/", {
            "inspectors": [users["inspector1"].pk, users["inspector2"].pk]}, format="json")
        assert r.status_code == 403
        assert not Assignment.objects.filter(case=case).exists()
        r = api(users["applicant"]).post(f"/api/v1/cases/{case.pk}/assess/", {
            "conditions": {}, "distinctions": {}, "factors": {}}, format="json")
        assert r.status_code == 403

    def test_open_proactive(self, users, units):
        """An inspector opens a proactive case; an applicant may not."""
        body = {"applicant": users["applicant2"].pk, "unit": units["huailai-zj"].pk, "title": "主动容错",
                "trigger": "问责调查"}
        r = api(users["inspector2"]).post("/api/v1/cases/proactive/", body, format="json")
        assert r.status_code == 201 and r.json()["stage"] == "verification"
        assert r.json()["case_number"].startswith("怀容")
        assert api(users["applicant"]).post("/api/v1/cases/proactive/", body, format="json").status_code == 403


class TestPages:
    def test_panel_shows_forms_to_those_who_may_act(self, users, client):
        """The supervisor sees the assignment form; the applicant sees the
        record but no form; km_inspector gets 404."""
        case = accept_case(users)
        url = reverse("reviews:case", args=[case.pk])
        client.force_login(users["supervisor"])
        body = client.get(url).content.decode()
        assert 'data-action="assign"' in body
        client.force_login(users["applicant"])
        body = client.get(url).content.decode()
        assert "尚未指派核实人员" in body and 'data-action="assign"' not in body
        client.force_login(users["km_inspector"])
        assert client.get(url).status_code == 404
        assert client.post(reverse("reviews:action", args=[case.pk, "assign"]), {}).status_code == 404

    def test_panel_uses_chinese_punctuation(self, users, client):
        """Issue 22: no ASCII colon or comma between Chinese words: the
        ruling reads 首次认定：予以容错、免予问责, the assessor and date are
        set apart by a middle dot."""
        case = to_ruled(accept_case(users), users)
        client.force_login(users["committee1"])
        body = client.get(reverse("reviews:case", args=[case.pk])).content.decode()
        ruling = Ruling.objects.get(case=case)
        with translation.override("zh-hans"):
            expected = f"{ruling.get_kind_display()}：{ruling.get_result_display()}"
        assert expected in body
        assert f"{ruling.get_kind_display()}: " not in body and "陈静, " not in body

    def test_form_post_calls_the_service_and_redirects(self, users, client):
        """Posting the assignment form assigns and says so; a refusal is a
        message, not a change."""
        case = accept_case(users)
        client.force_login(users["supervisor"])
        url = reverse("reviews:action", args=[case.pk, "assign"])
        r = client.post(url, {"inspectors": [users["inspector1"].pk]}, follow=True)
        assert "至少指派两名" in r.content.decode()
        r = client.post(url, {"inspectors": [users["inspector1"].pk, users["inspector2"].pk]}, follow=True)
        assert "已指派核实人员" in r.content.decode()
        assert Assignment.objects.filter(case=case, active=True).count() == 2

    def test_inspector_queue_query_count_is_fixed(self, users, django_assert_num_queries, client):
        """The inspector's queue lists his cases with due dates in a fixed
        number of queries, whatever their number."""
        for _ in range(3):
            case = accept_case(users)
            services.case_assign(case=case, actor=users["supervisor"],
                                 inspectors=[users["inspector1"], users["inspector2"]])
        client.force_login(users["inspector1"])
        url = reverse("reviews:inspector_queue")
        client.get(url)
        with django_assert_num_queries(5):
            r = client.get(url)
        assert r.content.decode().count("<tr>") == 4  # header + 3 cases
        accept_case(users)
        with django_assert_num_queries(5):
            client.get(url)

    def test_queues_flag_overdue_and_scope(self, users, client):
        """The supervisor's queue flags an overdue case; km_inspector's queue
        is empty; the committee sees cases in deliberation."""
        import time_machine

        from deadlines.models import Clock

        case = accept_case(users)
        due = Clock.objects.get(case=case, stage="verification").due_date
        with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=3), dt.time(10), tzinfo=dt.UTC)):
            client.force_login(users["supervisor"])
            body = client.get(reverse("reviews:supervisor_queue")).content.decode()
        assert case.number in body and 'class="tag overdue"' in body and ">待指派<" in body
        client.force_login(users["km_inspector"])
        assert case.number not in client.get(reverse("reviews:inspector_queue")).content.decode()
        to_deliberation(case, users)
        client.force_login(users["committee2"])
        assert case.number in client.get(reverse("reviews:committee_queue")).content.decode()
        client.force_login(users["applicant"])
        assert client.get(reverse("reviews:committee_queue")).status_code == 403

    def test_supervisor_queue_puts_those_waiting_first(self, users, client):
        """A case with its two inspectors follows those still waiting for
        him, however early it is due; the services keep the stored count
        (Case.active_inspectors) the queue reads: assignment sets it,
        recusal of an assigned inspector lowers it and the case waits again."""
        from cases.models import Case

        assigned, *waiting = [accept_case(users) for _ in range(3)]
        services.case_assign(case=assigned, actor=users["supervisor"],
                             inspectors=[users["inspector1"], users["inspector2"]])
        assert Case.objects.get(pk=assigned.pk).active_inspectors == 2
        client.force_login(users["supervisor"])
        url = reverse("reviews:supervisor_queue")
        body = client.get(url).content.decode()
        order = sorted([assigned, *waiting], key=lambda c: body.index(c.number))
        assert order == [*waiting, assigned] and body.count(">待指派<") == 2
        services.recusal_mark(case=assigned, actor=users["supervisor"], user=users["inspector2"], reason="系近亲属")
        assert Case.objects.get(pk=assigned.pk).active_inspectors == 1
        assert client.get(url).content.decode().count(">待指派<") == 3

    def test_committee_queue_query_count(self, users, client, django_assert_num_queries):
        """The committee queue keeps its count as cases are added."""
        to_ruled(accept_case(users), users)
        client.force_login(users["committee3"])
        url = reverse("reviews:committee_queue")
        client.get(url)
        with django_assert_num_queries(5):
            client.get(url)

    def test_proactive_form(self, users, units, client):
        """The proactive form opens a case and goes to its page."""
        client.force_login(users["inspector1"])
        url = reverse("reviews:proactive_create")
        assert client.get(url).status_code == 200
        r = client.post(url, {"applicant": users["applicant2"].pk, "unit": units["huailai-zj"].pk,
                              "title": "问责中发现的情形", "trigger": "问责调查", "matter": "工程款拨付"})
        assert r.status_code == 302
        client.force_login(users["applicant"])
        assert client.get(url).status_code == 403


class TestCasePage:
    def test_panel_on_the_case_page_only_after_acceptance(self, users, client):
        """The case page shows the panel once the case is accepted, not
        while it awaits intake."""
        from cases.services import case_create

        from .conftest import fill_draft

        draft = fill_draft(case_create(actor=users["applicant"], title="草稿"), users["applicant"])
        client.force_login(users["applicant"])
        assert 'id="reviews-panel"' not in client.get(case_page_url_for(draft)).content.decode()
        case = accept_case(users)
        body = client.get(case_page_url_for(case)).content.decode()
        assert 'id="reviews-panel"' in body

    def test_supervisor_queue_query_count(self, users, client, django_assert_num_queries):
        """The supervisor's queue keeps its count as cases are added."""
        accept_case(users)
        client.force_login(users["supervisor"])
        url = reverse("reviews:supervisor_queue")
        client.get(url)
        # The rows are one query: a keyset page across those waiting for
        # him and the others (reviews.selectors.supervisor_queue_page).
        with django_assert_num_queries(5):
            client.get(url)
        accept_case(users)
        with django_assert_num_queries(5):
            assert client.get(url).content.decode().count(">待指派<") == 2

    def test_mark_recusal_through_the_page(self, users, client):
        """The supervisor marks an inspector as related; the assignment
        form then refuses him, saying why."""
        case = accept_case(users)
        client.force_login(users["supervisor"])
        client.post(reverse("reviews:action", args=[case.pk, "mark_recusal"]),
                    {"user": users["inspector2"].pk, "reason": "系申请人近亲属"})
        r = client.post(reverse("reviews:action", args=[case.pk, "assign"]),
                        {"inspectors": [users["inspector1"].pk, users["inspector2"].pk]}, follow=True)
        assert "有利害关系" in r.content.decode()


def case_page_url_for(case):
    from reviews.views import case_page_url

    return case_page_url(case.pk)
