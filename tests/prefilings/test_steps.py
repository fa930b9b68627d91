"""Pre-filings on the kernel (issue 21): every step with a service has its
generated endpoint POST /api/v1/prefilings/{id}/<step>/ with the case steps'
one answer and statuses, and the detail's ``actions`` are the page's forms
for every status and login. Real services, real database."""

import datetime as dt
import html
import re

import pytest
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from core.step_views import step_post
from core.steps import steps_of
from prefilings import services
from prefilings.apis import PreFilingDetailOutputSerializer
from prefilings.models import EarlyWarning, PreFiling, ProgressReport

from .conftest import FRIDAY, at, make_draft

pytestmark = pytest.mark.django_db

REALISED = [{"risk": 0, "realised": True, "note": "证照过期"}, {"risk": 1, "realised": False}]


def _warned(filing, users):
    services.prefiling_report_progress(filing=filing, actor=users["applicant"], summary="进展", risks=REALISED)
    filing.refresh_from_db()
    return filing


def _one_of_each_status(users):
    """A filing at every status, and a registered and a closed one with an
    open early warning (where the inspector has something to resolve)."""
    applicant, intake = users["applicant"], users["intake"]
    filings = {"draft": make_draft(applicant, title="草稿事项")}
    with at(FRIDAY):
        for name in ("submitted", "supplement", "registered", "warned", "refused", "closed"):
            filing = make_draft(applicant, title=f"{name}事项")
            services.prefiling_submit(filing=filing, actor=applicant)
            filings[name] = filing
        services.prefiling_request_supplement(filing=filings["supplement"], actor=intake, missing="方案全文")
        services.prefiling_refuse(filing=filings["refused"], actor=intake, reason="不属于报备范围")
        for name in ("registered", "warned", "closed"):
            services.prefiling_register(filing=filings[name], actor=intake, report_interval_days=30)
    for name in ("warned", "closed"):
        _warned(filings[name], users)
    services.prefiling_evaluate(filing=filings["closed"], actor=applicant, outcome="完成", lessons="经验")
    for filing in filings.values():
        filing.refresh_from_db()
    return filings


FORM_ACTION = re.compile(r'<form[^>]*?\saction="([^"]+)"')


def _page_actions(client, filing) -> set[str] | None:
    """The steps the filing page offers: each form that posts to the one
    generic step view, the draft's edit link and the file upload form."""
    response = client.get(f"/prefilings/{filing.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    body = response.content.decode()
    found = set()
    if f'href="/prefilings/{filing.pk}/edit/"' in body:
        found.add("edit")
    for url in FORM_ACTION.findall(body):
        try:
            match = resolve(html.unescape(url).split("?")[0])
        except Resolver404:
            continue
        if match.func is step_post:
            found.add(match.kwargs["action"])
        elif match.url_name == "attachment_add":
            found.add("attach")
    return found


def _api_actions(api, filing) -> set[str] | None:
    response = api.get(f"/api/v1/prefilings/{filing.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.content
    actions = response.json()["actions"]
    assert all(set(a) == {"name", "label"} and a["label"] for a in actions)  # as a case's
    return {a["name"] for a in actions}


def test_the_api_lists_the_page_actions_for_every_status_and_login(users, client):
    """For a filing at every status and every demo login, the detail API's
    ``actions`` are exactly the steps the page offers a form for; both read
    the declarations (prefilings/steps.py)."""
    filings = _one_of_each_status(users)
    assert {f.status for f in filings.values()} == set(PreFiling.Status.values)
    api = APIClient()
    compared = set()
    for filing in filings.values():
        for name, user in users.items():
            client.force_login(user)
            api.force_authenticate(user)
            page, listed = _page_actions(client, filing), _api_actions(api, filing)
            assert page == listed, (filing.title, name, page, listed)
            if listed:
                compared.add((filing.title, name, frozenset(listed)))
    offered = set().union(*(listed for _t, _n, listed in compared))
    # Every step of a pre-filing was offered to someone, somewhere.
    assert offered == set(steps_of("prefiling")), set(steps_of("prefiling")) - offered
    assert ("warned事项", "inspector1", frozenset({"resolve_warning"})) in compared
    assert not [c for c in compared if c[0] == "registered事项" and "resolve_warning" in c[2]]


def test_every_step_with_a_service_has_its_generated_endpoint():
    """The old hand-written endpoints are gone: one generated view per step."""
    from prefilings.api_urls import STEP_APIS

    assert set(STEP_APIS) == {n for n, s in steps_of("prefiling").items() if s.service is not None}
    assert {"submit", "register", "refuse", "report_progress", "resolve_warning", "evaluate"} <= set(STEP_APIS)
    for name, view in STEP_APIS.items():
        assert resolve(f"/api/v1/prefilings/1/{name}/").func.view_class is view
        step = view.step
        # The input is the declaration's (docs/kernel.md: no sixth file).
        assert step.input is None or step.input.__module__ in ("prefilings.steps", "prefilings.forms"), name
    assert STEP_APIS["submit"].step.input is None
    assert list(STEP_APIS["resolve_warning"].step.input().fields) == ["warning", "resolution", "note", "resolved_on"]


class TestOneAnswer:
    def test_a_step_answers_with_the_filing_and_the_record_it_made(self, registered, users):
        """As a case step: the detail (its ``actions`` included) plus
        ``step`` naming the step and the record it made."""
        api = APIClient()
        api.force_authenticate(users["applicant"])
        response = api.post(f"/api/v1/prefilings/{registered.pk}/report_progress/",
                            {"summary": "进展", "risks": REALISED}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        report = ProgressReport.objects.get(prefiling=registered)
        assert body["step"] == {"name": "report_progress",
                                "record": {"type": "prefilings.progressreport", "id": report.pk}}
        assert set(body) == set(PreFilingDetailOutputSerializer.Meta.fields) | {"step"}
        assert body == {**api.get(f"/api/v1/prefilings/{registered.pk}/").json(), "step": body["step"]}
        assert {a["name"] for a in body["actions"]} == {"attach", "report_progress", "evaluate"}

    def test_a_step_that_changes_only_the_filing_names_no_record(self, draft, users):
        api = APIClient()
        api.force_authenticate(users["applicant"])
        with at(FRIDAY):
            body = api.post(f"/api/v1/prefilings/{draft.pk}/submit/").json()
        assert body["status"] == "submitted" and body["step"] == {"name": "submit", "record": None}
        assert body["actions"] == []

    def test_resolve_warning_names_the_warning(self, registered, users):
        warning = _warned(registered, users).warnings.get()
        api = APIClient()
        api.force_authenticate(users["inspector1"])
        body = api.post(f"/api/v1/prefilings/{registered.pk}/resolve_warning/", {
            "warning": warning.pk, "resolution": "guidance", "note": "指导整改"}, format="json").json()
        assert body["step"]["record"] == {"type": "prefilings.earlywarning", "id": warning.pk}
        assert body["warnings"][0]["status"] == "resolved" and body["actions"] == []


class TestStatuses:
    def _api(self, user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    def test_400_when_the_input_breaks_the_schema(self, submitted, users):
        api = self._api(users["intake"])
        url = f"/api/v1/prefilings/{submitted.pk}/"
        response = api.post(url + "register/", {"report_interval_days": 0}, format="json")
        assert response.status_code == 400 and "report_interval_days" in response.json()["fields"]
        assert api.post(url + "refuse/", {"reason": ""}, format="json").status_code == 400
        submitted.refresh_from_db()
        assert submitted.status == "submitted"

    def test_422_when_a_service_rule_refuses(self, registered, users):
        """Input of the right shape, refused by the service: a risk left
        out of the report, a resolution dated in the future."""
        api = self._api(users["applicant"])
        response = api.post(f"/api/v1/prefilings/{registered.pk}/report_progress/",
                            {"summary": "进展", "risks": [{"risk": 0, "realised": False}]}, format="json")
        assert response.status_code == 422 and "risks" in response.json()["fields"], response.content
        warning = _warned(registered, users).warnings.get()
        response = self._api(users["inspector1"]).post(
            f"/api/v1/prefilings/{registered.pk}/resolve_warning/",
            {"warning": warning.pk, "resolution": "guidance", "note": "指导",
             "resolved_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, format="json")
        assert response.status_code == 422 and "resolved_on" in response.json()["fields"]
        warning.refresh_from_db()
        assert warning.status == "open"

    def test_409_when_the_status_or_the_step_refuses(self, registered, users):
        api = self._api(users["intake"])
        response = api.post(f"/api/v1/prefilings/{registered.pk}/register/", {}, format="json")
        assert response.status_code == 409 and response.json()["code"] == "illegal_transition"
        # The status allows it, but no early warning is open (the step's readiness).
        response = self._api(users["inspector1"]).post(
            f"/api/v1/prefilings/{registered.pk}/resolve_warning/",
            {"warning": 1, "resolution": "guidance", "note": "指导"}, format="json")
        assert response.status_code == 409 and response.json()["code"] == "not_ready"
        assert response.json()["detail"] == str(services.NO_OPEN_WARNING)

    def test_409_for_a_warning_already_resolved(self, registered, users):
        filing = _warned(registered, users)
        first, = filing.warnings.all()
        services.prefiling_report_progress(filing=filing, actor=users["applicant"], summary="又一次",
                                           risks=REALISED)  # a second warning stays open
        api = self._api(users["inspector1"])
        data = {"warning": first.pk, "resolution": "guidance", "note": "指导"}
        assert api.post(f"/api/v1/prefilings/{filing.pk}/resolve_warning/", data, format="json").status_code == 200
        response = api.post(f"/api/v1/prefilings/{filing.pk}/resolve_warning/", data, format="json")
        assert response.status_code == 409 and response.json()["detail"] == str(services.WARNING_RESOLVED)

    def test_403_for_a_role_that_may_not_act(self, submitted, users):
        response = self._api(users["applicant"]).post(f"/api/v1/prefilings/{submitted.pk}/refuse/",
                                                      {"reason": "理由"}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"

    def test_404_before_the_input_when_not_visible(self, submitted, users):
        """An outsider learns nothing, whatever the body; a warning of another
        filing is a 404 too."""
        response = self._api(users["km_intake"]).post(f"/api/v1/prefilings/{submitted.pk}/register/",
                                                      {"report_interval_days": "bad"}, format="json")
        assert response.status_code == 404
        other = make_draft(users["applicant"], title="另一事项")
        with at(FRIDAY):
            services.prefiling_submit(filing=other, actor=users["applicant"])
            services.prefiling_register(filing=other, actor=users["intake"], report_interval_days=30)
            services.prefiling_register(filing=submitted, actor=users["intake"], report_interval_days=30)
        warning = _warned(other, users).warnings.get()
        _warned(submitted, users)
        response = self._api(users["inspector1"]).post(
            f"/api/v1/prefilings/{submitted.pk}/resolve_warning/",
            {"warning": warning.pk, "resolution": "guidance", "note": "指导"}, format="json")
        assert response.status_code == 404
        warning.refresh_from_db()
        assert warning.status == "open"

    def test_a_retry_with_the_same_idempotency_key_does_not_report_twice(self, registered, users):
        """Idempotency-Key (core.idempotency) on a generated endpoint: the
        retry gets the stored answer and files no second report."""
        api = APIClient()
        api.force_login(users["applicant"])  # a key belongs to a signed-in user
        url = f"/api/v1/prefilings/{registered.pk}/report_progress/"
        data = {"summary": "进展", "risks": REALISED}
        first = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="h31-report-1")
        again = api.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="h31-report-1")
        assert first.status_code == again.status_code == 200
        assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
        assert ProgressReport.objects.filter(prefiling=registered).count() == 1
        assert EarlyWarning.objects.filter(prefiling=registered).count() == 1


class TestPage:
    def test_resolve_a_warning_through_the_generic_step_view(self, registered, users, client):
        """The warning's form posts to the one step view with its id."""
        warning = _warned(registered, users).warnings.get()
        client.force_login(users["inspector1"])
        page = client.get(f"/prefilings/{registered.pk}/").content.decode()
        assert f'action="/prefilings/{registered.pk}/resolve_warning/"' in page
        assert f'name="warning" value="{warning.pk}"' in page
        # Refused (no note): nothing changes, the message says why.
        response = client.post(f"/prefilings/{registered.pk}/resolve_warning/",
                               {"warning": warning.pk, "resolution": "guidance", "note": ""}, follow=True)
        warning.refresh_from_db()
        assert warning.status == "open" and response.status_code == 200
        response = client.post(f"/prefilings/{registered.pk}/resolve_warning/",
                               {"warning": warning.pk, "resolution": "guidance", "note": "当面指导"})
        assert response.status_code == 302 and response["Location"].endswith(f"/prefilings/{registered.pk}/#h-warnings")
        warning.refresh_from_db()
        assert warning.status == "resolved" and warning.resolution_note == "当面指导"
        assert f'action="/prefilings/{registered.pk}/resolve_warning/"' not in client.get(
            f"/prefilings/{registered.pk}/").content.decode()
