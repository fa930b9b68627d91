"""letter_issue, the render task's failure paths and regeneration."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from cases.models import CaseEvent
from core.exceptions import ApplicationError
from letters import services, snapshot
from letters.models import Letter, LetterNumberCounter, LetterVersion
from letters.services import letter_issue, letter_regenerate
from letters.tasks import letter_render as letter_render_task
from tests.factories import make_case

from .conftest import pdf_text, ruling_context

pytestmark = pytest.mark.django_db


def test_issue_is_idempotent_and_numbers_per_body_and_year(letter_case, users, world):
    """Issuing the same (case, kind, ref) twice returns the first letter;
    letters of one body share one gapless sequence per year whatever their
    kind; another jurisdiction has its own sequence; a history row is
    written; the render is queued on commit only."""
    today = dt.date.today()
    first = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    again = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    assert again.pk == first.pk
    second = letter_issue(case=letter_case, kind="not_accepted", actor=users["intake"], context={"reason": "不符合"})
    km_case = make_case(applicant=users["km_applicant"], unit=world["units"]["kunming-fgw"], stage="submitted",
                        number="昆容〔2026〕第0001号")
    km = letter_issue(case=km_case, kind="acceptance", actor=users["km_intake"])
    year = first.issued_on.year
    assert first.number == f"怀纪容〔{year}〕1号"
    assert second.number == f"怀纪容〔{year}〕2号"
    assert km.number == f"昆纪容〔{year}〕1号"
    assert first.status == Letter.Status.PENDING and first.context["case"]["applicant"] == "李堃"
    assert first.context["date_cn"].startswith("二〇")
    assert CaseEvent.objects.filter(case=letter_case, kind="letter_issued").count() == 2
    assert LetterNumberCounter.objects.get(body="怀纪容", year=year).last == 2
    assert abs((first.issued_on - today).days) <= 1


def test_rolled_back_step_leaves_no_gap(letter_case, users):
    """A step that fails after issuing its letter rolls the number back with
    it: the next letter gets the same number, no gap."""
    with pytest.raises(RuntimeError), transaction.atomic():
        letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
        raise RuntimeError("the step failed after the letter")
    assert not Letter.objects.exists()
    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    assert letter.number_seq == 1


def test_number_falls_back_to_short_name(letter_case, users):
    """Without a letter prefix on the policy jurisdiction, the body is the
    jurisdiction's short name + 纪容."""
    jurisdiction = letter_case.policy_version.document.jurisdiction
    jurisdiction.letter_prefix = ""
    jurisdiction.save(update_fields=["letter_prefix"])
    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    assert letter.number.startswith("怀纪容〔")
    assert letter.number_body == "怀纪容"


def test_ruling_needs_result_and_items_of_the_case_policy(letter_case, users, world):
    """A ruling without a result, or citing an item of another policy, is
    refused and allocates nothing."""
    with pytest.raises(ApplicationError) as refused:
        letter_issue(case=letter_case, kind="ruling", actor=users["committee1"], context={})
    assert refused.value.message == gettext(snapshot.ERR_RESULT)
    foreign = world["km_policy"].items.first()
    context = ruling_context(letter_case)
    context["assessment"].append({"item_id": foreign.id, "finding": "met"})
    with pytest.raises(ApplicationError) as refused:
        letter_issue(case=letter_case, kind="ruling", actor=users["committee1"], context=context)
    assert refused.value.message == gettext(snapshot.ERR_ITEM) % {"id": foreign.id}
    assert not Letter.objects.exists()


def test_missing_glyph_fails_loudly_without_retry(world, users, eager_celery, django_capture_on_commit_callbacks):
    """A name with a character no letter font has (U+30000, CJK Extension G) is
    never printed as tofu: the letter fails at once, with the character in
    the error, after one attempt, and stores no file."""
    applicant = users["applicant2"]
    applicant.full_name = "\U00030000野"
    applicant.save(update_fields=["full_name"])
    case = make_case(applicant=applicant, unit=world["units"]["huailai-zj"], stage="submitted",
                     number="怀容〔2026〕第0009号")
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=case, kind="acceptance", actor=users["intake"])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.FAILED
    assert "U+30000" in letter.error
    assert letter.attempts == 1
    assert not letter.file
    assert CaseEvent.objects.filter(case=case, kind="letter_failed").count() == 1


def test_transient_failure_is_retried_then_failed_and_admin_retry_succeeds(
    letter_case, users, settings, tmp_path, eager_celery, django_capture_on_commit_callbacks
):
    """Storage that cannot be written is a transient error: the task retries
    with backoff (three more attempts), then the letter shows as failed with
    the error; once storage is back an admin's regeneration renders it."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.FAILED
    assert "NotADirectoryError" in letter.error
    assert letter.attempts == 4

    settings.MEDIA_ROOT = tmp_path / "media-ok"
    with django_capture_on_commit_callbacks(execute=True):
        letter_regenerate(letter=letter, actor=users["admin"])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.READY
    assert letter.error == ""
    assert (settings.MEDIA_ROOT / letter.file.name).exists()
    assert not LetterVersion.objects.filter(letter=letter).exists()  # nothing was ready before


def test_regenerate_keeps_the_old_version_and_is_reproducible(
    letter_case, users, eager_celery, django_capture_on_commit_callbacks
):
    """Regenerating a ready letter keeps its file and version as a
    LetterVersion; rendering the same snapshot with the same templates gives
    the same bytes (same SHA-256), and the number does not change."""
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind="ruling", actor=users["committee1"],
                              context=ruling_context(letter_case))
    letter.refresh_from_db()
    old_sha, old_file, number = letter.sha256, letter.file.name, letter.number
    with django_capture_on_commit_callbacks(execute=True):
        letter_regenerate(letter=letter, actor=users["admin"])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.READY
    assert letter.sha256 == old_sha and letter.number == number
    version = LetterVersion.objects.get(letter=letter)
    assert (version.sha256, version.file.name) == (old_sha, old_file)
    assert (settings.MEDIA_ROOT / version.file.name).exists()
    assert "予以容错" in pdf_text(settings.MEDIA_ROOT / letter.file.name)
    assert CaseEvent.objects.filter(case=letter_case, kind="letter_regenerated").count() == 1


def test_regenerate_is_for_admins_and_not_while_pending(letter_case, users):
    """Only an admin of the case's jurisdiction may regenerate, and not a
    letter that is still being prepared."""
    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    with pytest.raises(ApplicationError) as refused:
        letter_regenerate(letter=letter, actor=users["intake"])
    assert refused.value.message == gettext(services.ERR_NOT_ADMIN)
    assert refused.value.status_code == 403
    with pytest.raises(ApplicationError) as refused:
        letter_regenerate(letter=letter, actor=users["admin"])
    assert refused.value.message == gettext(services.ERR_PENDING)
    assert services.letter_may_regenerate(letter=letter, actor=users["admin"]) is True


def test_task_for_a_vanished_letter_is_a_no_op(db):
    """A task whose letter was rolled back with its step does nothing."""
    assert letter_render_task.apply(args=[987654]).get() == "missing"


def test_workflow_acceptance_issues_the_letter(letter_case, users, eager_celery, django_capture_on_commit_callbacks):
    """Accepting a case (cases.services.case_accept) issues and renders the
    acceptance notice after the step commits."""
    from cases.services import case_accept

    with django_capture_on_commit_callbacks(execute=True):
        case_accept(case=letter_case, actor=users["intake"])
    letter = Letter.objects.get(case=letter_case, kind="acceptance")
    assert letter.status == Letter.Status.READY, letter.error
    assert "决定予以受理" in pdf_text(settings.MEDIA_ROOT / letter.file.name).replace("\n", "")
