"""Read-only policy API and the due-date explanation."""

import pytest
from rest_framework.test import APIClient

from policies import services
from policies.models import PolicyVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


class TestPolicyListApi:
    def test_anonymous_list_with_counts(self, api, catalogue):
        """Anyone can list the published versions; each row names its
        jurisdiction and document and counts its lists."""
        r = api.get("/api/v1/policies/")
        assert r.status_code == 200
        body = r.json()
        assert body["count"] == PolicyVersion.objects.filter(status="published").count() >= 5
        kunming = next(row for row in body["results"] if row["jurisdiction"]["code"] == "kunming")
        assert kunming["counts"]["positive"] == 14 and kunming["counts"]["negative"] == 8
        assert kunming["counts"]["time_limits"] == 18
        assert kunming["jurisdiction"]["letter_prefix"] == "昆纪容"
        assert set(kunming) >= {"id", "number", "status", "effective_from", "effective_to", "document", "counts"}

    def test_filter_and_pagination(self, api, catalogue):
        """Filtering by jurisdiction code, and page_size paging."""
        r = api.get("/api/v1/policies/", {"jurisdiction": "jiangsu"})
        assert [row["jurisdiction"]["code"] for row in r.json()["results"]] == ["jiangsu"]
        r = api.get("/api/v1/policies/", {"page_size": 2})
        assert len(r.json()["results"]) == 2 and r.json()["next"]

    def test_drafts_not_listed(self, api, kunming_latest, policy_admin):
        """Drafts never appear in the public list."""
        services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        r = api.get("/api/v1/policies/", {"jurisdiction": "kunming"})
        assert [row["number"] for row in r.json()["results"]] == [2, 1]

    def test_query_count_is_fixed(self, api, catalogue, django_assert_num_queries):
        """Two queries (count and page), whatever the number of versions."""
        with django_assert_num_queries(2):
            api.get("/api/v1/policies/")


class TestPolicyDetailApi:
    def test_items_and_time_limits_with_source_and_certainty(self, api, kunming_latest, django_assert_num_queries):
        """A version with every item and time limit, each with its source
        and certainty; three queries."""
        with django_assert_num_queries(3):
            r = api.get(f"/api/v1/policies/{kunming_latest.pk}/")
        assert r.status_code == 200
        body = r.json()
        assert len(body["items"]) == kunming_latest.items.count()
        assert all(i["source"] and i["certainty"] in {"verbatim", "summary", "reconstructed", "example_default"} for i in body["items"])
        stages = [t["stage"] for t in body["time_limits"]]
        assert stages[0] == "unit_review" and len(stages) == 18
        pre = next(t for t in body["time_limits"] if t["stage"] == "prefiling_review")
        assert (pre["amount"], pre["unit"], pre["certainty"]) == (1, "working_day", "verbatim")
        use = next(i for i in body["items"] if i["kind"] == "result_use")
        assert use["duration_certainty"] == "example_default"

    def test_draft_and_missing_are_404(self, api, kunming_latest, policy_admin):
        """Drafts and unknown ids answer 404 in the error shape."""
        draft = services.policy_version_create_draft_from(version=kunming_latest, actor=policy_admin)
        for pk in (draft.pk, 999999):
            r = api.get(f"/api/v1/policies/{pk}/")
            assert r.status_code == 404
            assert r.json()["status"] == 404


class TestDueDateApi:
    def test_explanation(self, api, db):
        """Counted and skipped days with reasons across National Day 2025."""
        r = api.get("/api/v1/calendar/due-date/", {"start": "2025-09-26", "amount": 5, "unit": "working_day"})
        assert r.status_code == 200
        body = r.json()
        assert body["due"] == "2025-10-10"
        assert body["counted"][0] == {"date": "2025-09-28", "reason": "调休上班（国庆节）", "known": True}
        assert {"date": "2025-10-01", "reason": "国庆节", "known": True} in body["skipped"]
        assert body["flagged"] is False and body["warning"] is None

    def test_flagged_year_warns(self, api, db):
        """A period reaching 2027 is flagged with a warning."""
        r = api.get("/api/v1/calendar/due-date/",
                    {"start": "2026-12-28", "amount": 5, "unit": "working_day", "start_rule": "same_day"})
        body = r.json()
        assert body["flagged"] is True and body["unknown_years"] == [2027]
        assert "2027" in body["warning"]
        assert body["start_rule"] == "same_day"

    @pytest.mark.parametrize(
        ("params", "field", "status"),
        [
            ({"start": "2025-01-01", "amount": -3, "unit": "working_day"}, "amount", 400),
            ({"start": "2025-01-01", "amount": 3, "unit": "fortnight"}, "unit", 400),
            ({"start": "2025-02-30", "amount": 3, "unit": "working_day"}, "start", 400),
            ({"start": "yesterday", "amount": 3, "unit": "working_day"}, "start", 400),
            ({"start": "2025-01-01", "amount": "three", "unit": "working_day"}, "amount", 400),
            ({"start": "2025-01-01", "amount": 5000, "unit": "working_day"}, "amount", 400),
            # Within the schema's maximum (3660, calendar days) but over
            # the unit's own: a rule across two parameters, so 422.
            ({"start": "2025-01-01", "amount": 1001, "unit": "working_day"}, "amount", 422),
            ({"amount": 3, "unit": "working_day"}, "start", 400),
        ],
    )
    def test_bad_input(self, api, db, params, field, status):
        """Input that breaks the schema answers 400, input that breaks a
        rule the schema cannot state 422, in the one error shape, naming
        the field."""
        r = api.get("/api/v1/calendar/due-date/", params)
        assert r.status_code == status
        body = r.json()
        assert body["status"] == status and body["detail"]
        if field:
            assert field in body["fields"]

    def test_schema_has_the_endpoints(self, api, db):
        """The OpenAPI schema documents the three endpoints."""
        r = api.get("/api/schema/", {"format": "json"})
        paths = r.json()["paths"]
        assert {"/api/v1/policies/", "/api/v1/policies/{version_id}/", "/api/v1/calendar/due-date/"} <= set(paths)
