import pytest

from cases import services as case_services
from cases.models import CaseEvent
from core.exceptions import ApplicationError
from prefilings import services
from prefilings.models import Citation
from prefilings.selectors import prefiling_letter_context, prefilings_cited_by_case
from tests.factories import make_case

from .conftest import make_draft


@pytest.fixture
def case_draft(users):
    return case_services.case_create(actor=users["applicant"], title="营养餐试点中供餐企业资质问题申请容错",
                                     matter="一家供餐企业证照过期", impact="停餐两天")


class TestCiting:
    def test_draft_cites_a_registered_filing(self, registered, case_draft, users):
        """The citation is stored and written to both histories."""
        citation = services.case_cite_prefiling(case=case_draft, prefiling=registered, actor=users["applicant"])
        assert citation.prefiling == registered
        assert CaseEvent.objects.filter(case=case_draft, kind="prefiling_cited",
                                        data__number=registered.number).exists()
        event = registered.events.get(kind="cited")
        assert event.data["case"] == case_draft.pk

    def test_refused_filing_cannot_be_cited(self, submitted, case_draft, users):
        """A refused filing is refused with a clear message; nothing is stored."""
        services.prefiling_refuse(filing=submitted, actor=users["intake"], reason="不属于报备范围")
        with pytest.raises(ApplicationError, match="Only a registered pre-filing can be cited") as exc:
            services.case_cite_prefiling(case=case_draft, prefiling=submitted, actor=users["applicant"])
        assert exc.value.status_code == 409
        assert not Citation.objects.exists()

    def test_unregistered_filing_cannot_be_cited(self, submitted, case_draft, users):
        """A filing still awaiting review cannot be cited either."""
        with pytest.raises(ApplicationError, match="Only a registered"):
            services.case_cite_prefiling(case=case_draft, prefiling=submitted, actor=users["applicant"])

    def test_twice_is_refused(self, registered, case_draft, users):
        """A case cites a filing once."""
        services.case_cite_prefiling(case=case_draft, prefiling=registered, actor=users["applicant"])
        with pytest.raises(ApplicationError, match="already cites"):
            services.case_cite_prefiling(case=case_draft, prefiling=registered, actor=users["applicant"])

    def test_only_the_filer_of_a_draft_or_an_inspector_of_a_proactive_case(self, registered, case_draft, users,
                                                                           units):
        """Others may not cite; a proactive case in verification may be cited on by an inspector."""
        with pytest.raises(ApplicationError) as exc:
            services.case_cite_prefiling(case=case_draft, prefiling=registered, actor=users["inspector1"])
        assert exc.value.status_code == 403
        proactive = make_case(applicant=users["applicant"], unit=units["huailai-edu"], stage="verification",
                              origin="proactive", created_by=users["inspector2"], number="怀容〔2026〕第0009号")
        services.case_cite_prefiling(case=proactive, prefiling=registered, actor=users["inspector1"])
        submitted_case = make_case(applicant=users["applicant"], stage="submitted")
        with pytest.raises(ApplicationError):
            services.case_cite_prefiling(case=submitted_case, prefiling=registered, actor=users["applicant"])

    def test_other_jurisdiction_is_refused(self, registered, users):
        """A Kunming case cannot cite a Huailai filing."""
        km_case = case_services.case_create(actor=users["km_applicant"], title="昆明事项")
        with pytest.raises(ApplicationError, match="another jurisdiction"):
            services.case_cite_prefiling(case=km_case, prefiling=registered, actor=users["km_applicant"])


class TestDeclaredVsHappened:
    def test_selector_sets_declared_beside_reported(self, registered, case_draft, users,
                                                    django_assert_num_queries):
        """Risks carry whether they were reported realised; procedures whether followed; three queries."""
        services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="进展",
                                           risks=[{"risk": 0, "realised": True}, {"risk": 1, "realised": False}])
        services.case_cite_prefiling(case=case_draft, prefiling=registered, actor=users["applicant"])
        with django_assert_num_queries(3):
            citations = prefilings_cited_by_case(case=case_draft)
        rows = citations[0].risk_rows
        assert [r["realised"] for r in rows] == [True, False]
        followed = {p["code"]: p["done"] for p in citations[0].procedures}
        assert followed == {"collective_decision": True, "expert_consultation": False, "hearing": False,
                            "legal_review": True}
        assert len(citations[0].warnings) == 1

    def test_partial_renders_for_the_assessment_form(self, registered, case_draft, users):
        """The partial shows the declared risk, its control and the case's matter."""
        from django.template.loader import render_to_string

        services.case_cite_prefiling(case=case_draft, prefiling=registered, actor=users["applicant"])
        html = render_to_string("prefilings/declared_vs_happened.html",
                                {"case": case_draft, "citations": prefilings_cited_by_case(case=case_draft)})
        assert "供餐企业资质不足导致食品安全问题" in html
        assert "公开招标并实地核查资质" in html
        assert "一家供餐企业证照过期" in html
        assert registered.number in html

    def test_ruling_letter_context(self, registered, case_draft, users):
        """The ruling letter gets number, measure and registration date of each cited filing."""
        services.case_cite_prefiling(case=case_draft, prefiling=registered, actor=users["applicant"])
        assert prefiling_letter_context(case=case_draft) == [{
            "number": "怀容备〔2026〕第0001号", "measure": "学校营养餐供餐模式改革试点",
            "registered_on": "2026-01-09", "registered_on_cn": "二〇二六年一月九日",
        }]

    def test_filing_page_lists_citing_cases(self, registered, case_draft, users, client):
        """The filing's page shows every case that cited it."""
        other = case_services.case_create(actor=users["applicant"], title="第二个申请")
        for case in (case_draft, other):
            services.case_cite_prefiling(case=case, prefiling=registered, actor=users["applicant"])
        client.force_login(users["inspector1"])
        html = client.get(f"/prefilings/{registered.pk}/").content.decode()
        assert "营养餐试点中供餐企业资质问题申请容错" in html and "第二个申请" in html


class TestCaseApi:
    def test_cite_via_api(self, registered, case_draft, users, client):
        """POST /api/v1/cases/{id}/cite_prefiling/ stores the citation; a refused filing gets 409."""
        client.force_login(users["applicant"])
        url = f"/api/v1/cases/{case_draft.pk}/cite_prefiling/"
        response = client.post(url, {"prefiling": registered.pk}, content_type="application/json")
        assert response.status_code == 200, response.content
        body = response.json()  # the one answer of every step: the case, and the step with what it made
        assert body["step"]["name"] == "cite_prefiling" and body["step"]["record"]["type"] == "prefilings.citation"
        assert registered.number in [e["data"].get("number") for e in body["events"] if e["kind"] == "prefiling_cited"]
        refused = make_draft(users["applicant"], title="被拒的事项")
        services.prefiling_submit(filing=refused, actor=users["applicant"])
        services.prefiling_refuse(filing=refused, actor=users["intake"], reason="不属于报备范围")
        response = client.post(url, {"prefiling": refused.pk}, content_type="application/json")
        assert response.status_code == 409
        assert response.json()["code"] == "not_citable"

    def test_cite_unknown_or_invisible_filing_is_404(self, registered, users, client):
        """Another unit's cadre cannot reach a filing of a unit not his."""
        km_case = case_services.case_create(actor=users["km_applicant"], title="昆明事项")
        client.force_login(users["km_applicant"])
        response = client.post(f"/api/v1/cases/{km_case.pk}/cite_prefiling/", {"prefiling": registered.pk},
                               content_type="application/json")
        assert response.status_code == 404


class TestCasePagePanel:
    def test_filer_cites_from_the_case_page(self, registered, case_draft, users, client):
        """The panel offers the registered filing; citing redirects back and shows the declared risks."""
        client.force_login(users["applicant"])
        html = client.get(f"/cases/{case_draft.pk}/").content.decode()
        assert f'action="/prefilings/cite/{case_draft.pk}/"' in html
        assert f'<option value="{registered.pk}">' in html
        response = client.post(f"/prefilings/cite/{case_draft.pk}/", {"prefiling": registered.pk})
        assert response.status_code == 302 and response["Location"] == f"/cases/{case_draft.pk}/"
        html = client.get(f"/cases/{case_draft.pk}/").content.decode()
        assert "供餐企业资质不足导致食品安全问题" in html
        assert f'<option value="{registered.pk}">' not in html  # cited once

    def test_panel_hidden_when_nothing_to_show(self, registered, users, client, units):
        """A case that cites nothing, seen by someone who may not cite, has no panel."""
        case = make_case(applicant=users["applicant"], unit=units["huailai-edu"], stage="submitted",
                         number="怀容〔2026〕第0003号")
        client.force_login(users["intake"])
        html = client.get(f"/cases/{case.pk}/").content.decode()
        assert "h-prefilings" not in html

    def test_refused_filing_posted_to_the_page_shows_the_message(self, submitted, case_draft, users, client):
        """Posting a refused filing's id gives the clear message and stores nothing."""
        services.prefiling_refuse(filing=submitted, actor=users["intake"], reason="不属于报备范围")
        client.force_login(users["applicant"])
        response = client.post(f"/prefilings/cite/{case_draft.pk}/", {"prefiling": submitted.pk}, follow=True)
        assert "只能引用已登记受理的报备事项" in response.content.decode()
        assert not Citation.objects.exists()
