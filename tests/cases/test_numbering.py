"""Case numbers are unique and gapless per jurisdiction and year, even when
many applications are submitted at the same moment (issue 4)."""

import threading

import pytest
from django.db import connections

from accounts.models import User
from cases import services
from cases.models import Case, CaseNumberCounter

from .conftest import fill_draft

SUBMITTERS = 8  # threads, each with its own database connection


def _submit_all_at_once(case_ids: list[int], user_ids: dict[int, int]) -> list[BaseException]:
    """Submit every draft from its own thread, all released together by a
    barrier, so that the allocations really contend for the counter row."""
    barrier = threading.Barrier(len(case_ids))
    errors: list[BaseException] = []

    def submit(case_id: int) -> None:
        try:
            case = Case.objects.get(pk=case_id)
            actor = User.objects.get(pk=user_ids[case_id])
            barrier.wait(timeout=30)
            services.case_submit(case=case, actor=actor)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(pk,)) for pk in case_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a submission hung"
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_gapless_unique_numbers(users, units):
    """Drafts of two units of 怀来县 and one of 昆明市 submitted at the same
    moment: each jurisdiction's numbers run 1..N without gap or duplicate,
    and the counter ends at N."""
    filers = [users["applicant"], users["applicant2"], users["km_applicant"]]
    user_ids = {}
    for i in range(SUBMITTERS):
        filer = filers[i % len(filers)]
        case = services.case_create(actor=filer, title=f"并发提交测试{i}")
        fill_draft(case, filer)
        user_ids[case.pk] = filer.pk

    errors = _submit_all_at_once(list(user_ids), user_ids)
    assert errors == []

    cases = Case.objects.filter(pk__in=list(user_ids)).select_related("jurisdiction")
    assert all(c.stage != "draft" and c.number for c in cases)
    by_jurisdiction: dict[str, list[Case]] = {}
    for case in cases:
        by_jurisdiction.setdefault(case.jurisdiction.code, []).append(case)
    assert set(by_jurisdiction) == {"huailai", "kunming"}
    for code, group in by_jurisdiction.items():
        seqs = sorted(c.number_seq for c in group)
        assert seqs == list(range(1, len(group) + 1)), code
        assert len({c.number for c in group}) == len(group)
        counter = CaseNumberCounter.objects.get(jurisdiction=group[0].jurisdiction, year=group[0].number_year)
        assert counter.last == len(group)
    prefixes = {code: {c.number[:2] for c in group} for code, group in by_jurisdiction.items()}
    assert prefixes == {"huailai": {"怀容"}, "kunming": {"昆容"}}


@pytest.mark.django_db(transaction=True)
def test_a_refused_submission_uses_no_number(users):
    """An incomplete draft submitted alongside complete ones is refused and
    takes no number: the others still get 1..N."""
    applicant = users["applicant"]
    complete = []
    for i in range(3):
        case = services.case_create(actor=applicant, title=f"完整申请{i}")
        fill_draft(case, applicant)
        complete.append(case.pk)
    incomplete = services.case_create(actor=applicant, title="未填完的申请").pk
    ids = [*complete, incomplete]

    errors = _submit_all_at_once(ids, dict.fromkeys(ids, applicant.pk))
    assert [getattr(e, "code", None) for e in errors] == ["incomplete"]
    assert Case.objects.get(pk=incomplete).number == ""
    seqs = sorted(Case.objects.filter(pk__in=complete).values_list("number_seq", flat=True))
    assert seqs == [1, 2, 3]
