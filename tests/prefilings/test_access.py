import pytest

from prefilings import services
from prefilings.selectors import prefiling_list_for_user, prefiling_stats

from .conftest import make_draft

EVERYONE = ["applicant", "applicant2", "unit_reviewer", "intake", "inspector1", "supervisor", "committee1",
            "admin", "km_applicant", "km_intake", "km_inspector"]


def _visible(users, filing):
    return {name for name in EVERYONE
            if prefiling_list_for_user(user=users[name]).filter(pk=filing.pk).exists()}


class TestVisibility:
    def test_draft_is_visible_to_the_unit_only(self, draft, users):
        """A draft: the filer and the unit's reviewers."""
        assert _visible(users, draft) == {"applicant", "unit_reviewer"}

    def test_submitted_is_visible_to_the_jurisdiction(self, submitted, users):
        """Once submitted: intake, inspectors, supervisors, the committee and admins of 怀来县 too."""
        assert _visible(users, submitted) == {"applicant", "unit_reviewer", "intake", "inspector1", "supervisor",
                                              "committee1", "admin"}

    @pytest.mark.parametrize("name", ["applicant2", "km_intake", "km_inspector"])
    def test_pages_and_api_leak_nothing(self, submitted, users, client, name):
        """Others get the same 404 as for a filing that does not exist."""
        client.force_login(users[name])
        for url in (f"/prefilings/{submitted.pk}/", f"/api/v1/prefilings/{submitted.pk}/",
                    f"/prefilings/{submitted.pk}/files/{submitted.attachments.first().pk}/"):
            assert client.get(url).status_code == 404, url
        response = client.post(f"/api/v1/prefilings/{submitted.pk}/register/", {}, content_type="application/json")
        assert response.status_code == 404
        assert client.get("/api/v1/prefilings/999999/").status_code == 404

    def test_wrong_role_gets_403_with_the_error_shape(self, submitted, users, client):
        """The filer may see the filing but not register it."""
        client.force_login(users["applicant"])
        response = client.post(f"/api/v1/prefilings/{submitted.pk}/register/", {}, content_type="application/json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"

    def test_action_forms_follow_the_rules(self, submitted, users):
        """Intake sees the review forms; the filer and inspectors do not."""
        assert services.prefiling_actions_for_user(filing=submitted, user=users["intake"]) == [
            "request_supplement", "register", "refuse"]
        assert services.prefiling_actions_for_user(filing=submitted, user=users["applicant"]) == []
        assert services.prefiling_actions_for_user(filing=submitted, user=users["inspector1"]) == []

    def test_inspector_of_the_filing_unit_may_not_resolve(self, registered, users, units):
        """An inspector who works in the filing unit must recuse himself (回避)."""
        from accounts.services import membership_grant

        membership_grant(user=users["unit_reviewer"], org_unit=units["huailai"], role="inspector")
        # Nothing to resolve before a warning is open (the step's readiness).
        assert "resolve_warning" not in services.prefiling_actions_for_user(filing=registered, user=users["inspector1"])
        services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="进展",
                                           risks=[{"risk": 0, "realised": True}, {"risk": 1, "realised": False}])
        assert "resolve_warning" not in services.prefiling_actions_for_user(filing=registered,
                                                                            user=users["unit_reviewer"])
        assert "resolve_warning" in services.prefiling_actions_for_user(filing=registered, user=users["inspector1"])


class TestStats:
    def test_counts_by_status_and_open_warnings(self, registered, users, django_assert_num_queries):
        """The dashboard's figures: per status and open warnings, in two queries."""
        make_draft(users["applicant"], title="另一项")
        services.prefiling_report_progress(filing=registered, actor=users["applicant"], summary="进展",
                                           risks=[{"risk": 0, "realised": True}, {"risk": 1, "realised": True}])
        users["inspector1"]._membership_cache = None
        with django_assert_num_queries(3):  # memberships, statuses, warnings
            stats = prefiling_stats(user=users["inspector1"])
        assert stats["by_status"]["registered"] == 1
        assert stats["by_status"]["draft"] == 0  # drafts are the unit's own
        assert stats["open_warnings"] == 2
        assert prefiling_stats(user=users["applicant"])["by_status"]["draft"] == 1
