"""Search (``?q=``) finds Chinese substrings of two characters or more, the
case number and the applicant's name, on PostgreSQL (trigram index,
migration cases 0005) and on SQLite (make run: LIKE over the search text)."""

import pytest
from django.core.management import call_command

from accounts.models import User
from cases.models import Case
from cases.selectors import case_search

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def test_search_finds_substrings_numbers_and_names(db):
    call_command("generate_cases", count=80, counties=2, stdout=open("/dev/null", "w"))  # noqa: SIM115
    intake = User.objects.get(username="synthetic-intake")
    visible = case_search(user=intake)
    case = visible.exclude(number="").order_by("id").first()
    for text in (case.number, case.number[-6:], case.applicant.full_name, case.title[:2], case.title[-6:]):
        found = case_search(user=intake, filters={"q": text})
        assert found.filter(pk=case.pk).exists(), text
        assert all(text.upper() in c.search_text.upper() for c in found), text
    assert not case_search(user=intake, filters={"q": "不存在的内容"}).exists()
    # Only what he may see: an applicant finds his own cases only.
    applicant = case.applicant
    mine = case_search(user=applicant, filters={"q": case.title[:2]})
    assert set(mine.values_list("applicant_id", flat=True)) <= {applicant.pk}
    assert Case.objects.filter(search_text__contains=case.title[:2]).count() >= mine.count()
