"""The one selector that decides which cases a user may see (DESIGN §1)."""

import pytest

from cases.selectors import case_list_for_user
from reviews.models import Recusal
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world):
    u, us = world["units"], world["users"]
    return {
        "draft": make_case(applicant=us["applicant"], stage="draft"),
        "edu_submitted": make_case(applicant=us["applicant"], stage="submitted"),
        "edu_unit_review": make_case(applicant=us["applicant"], stage="unit_review"),
        "zj_submitted": make_case(applicant=us["applicant2"], stage="submitted"),
        "km_submitted": make_case(applicant=us["km_applicant"], stage="submitted"),
        # A case whose applicant sits in the discipline commission itself.
        "jw_case": make_case(applicant=us["inspector2"], unit=u["huailai-jw"], stage="verification"),
    }


def visible(user, cases):
    ids = set(case_list_for_user(user=user).values_list("pk", flat=True))
    return {name for name, c in cases.items() if c.pk in ids}


class TestVisibility:
    def test_applicant_sees_only_his_own(self, users, cases):
        """An applicant sees his own cases, drafts included, and nobody else's."""
        assert visible(users["applicant"], cases) == {"draft", "edu_submitted", "edu_unit_review"}
        assert visible(users["applicant2"], cases) == {"zj_submitted"}

    def test_unit_filing_visible_to_filer(self, world, users):
        """A unit application filed by a cadre for his unit is his to see."""
        filer = users["applicant2"]
        other = UserFactory(org_unit=world["units"]["huailai-zj"])
        c = make_case(applicant=other, created_by=filer, origin="unit")
        assert c.pk in set(case_list_for_user(user=filer).values_list("pk", flat=True))

    def test_unit_reviewer_sees_his_units_non_drafts(self, users, cases):
        """The unit reviewer sees his unit's submitted cases, not drafts, not other units."""
        assert visible(users["unit_reviewer"], cases) == {"edu_submitted", "edu_unit_review"}

    @pytest.mark.parametrize("username", ["intake", "supervisor", "committee1", "admin"])
    def test_jurisdiction_staff_see_their_jurisdiction(self, users, cases, username):
        """Intake, supervisor, committee and admin see non-draft cases inside
        their jurisdiction only (admin holds two jurisdictions)."""
        expected = {"edu_submitted", "edu_unit_review", "zj_submitted", "jw_case"}
        if username == "admin":
            expected = expected | {"km_submitted"}
        assert visible(users[username], cases) == expected

    def test_inspector_recuses(self, users, cases):
        """An inspector never sees a case of his own unit, his own case, or one
        he is marked related to."""
        assert visible(users["inspector1"], cases) == {"edu_submitted", "edu_unit_review", "zj_submitted"}
        Recusal.objects.create(case=cases["zj_submitted"], user=users["inspector1"], reason="亲属关系")
        assert visible(users["inspector1"], cases) == {"edu_submitted", "edu_unit_review"}
        # inspector2 is the applicant of jw_case: he sees it only as its applicant.
        assert "jw_case" in visible(users["inspector2"], cases)

    def test_other_jurisdiction_sees_nothing_of_huailai(self, users, cases):
        """昆明 staff see only 昆明 cases."""
        assert visible(users["km_intake"], cases) == {"km_submitted"}
        assert visible(users["km_inspector"], cases) == {"km_submitted"}

    def test_user_without_roles_sees_nothing(self, world, cases):
        """A user with no role and no case of his own sees nothing."""
        assert visible(UserFactory(), cases) == set()

    def test_inactive_user_sees_nothing(self, users, cases):
        """A deactivated user sees nothing."""
        user = users["intake"]
        user.is_active = False
        assert visible(user, cases) == set()
