"""Reads of letters. Access follows the owner: a letter is visible to
whoever may see its case or its pre-filing, as the owner's own
``get_for_user`` says (core.subjects), else 404."""

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from accounts.selectors import HANDLING_ROLES, user_roles
from core.subjects import subject

from .models import Letter, LetterVersion
from .services import letter_may_regenerate


class LetterList(list):
    """The letters of a case, with what the case page needs to know about
    them as a whole (whether to keep polling)."""

    @property
    def has_pending(self) -> bool:
        return any(letter.status == Letter.Status.PENDING for letter in self)


def letter_list_for_case(*, case) -> LetterList:
    """One query. The caller has checked that the user may see ``case``."""
    return LetterList(Letter.objects.filter(case_id=case.pk).order_by("issued_on", "id"))


def letter_get_for_user(*, user: User, letter_id) -> Letter:
    """The letter if ``user`` may see its case, else ``Http404``."""
    try:
        letter_id = int(letter_id)
    except (TypeError, ValueError):
        raise Http404 from None
    letter = Letter.objects.filter(pk=letter_id).first()
    if letter is None:
        raise Http404
    _check_owner(letter, user)
    return letter


def _check_owner(letter: Letter, user: User) -> None:
    """``Http404`` unless ``user`` may see the letter's case or pre-filing
    (which are then set on the letter)."""
    if letter.case_id is not None:
        letter.case = subject("case").get_for_user(user, letter.case_id)
    else:
        letter.prefiling = subject("prefiling").get_for_user(user, letter.prefiling_id)


def letter_version_get_for_user(*, user: User, version_id) -> LetterVersion:
    """An earlier version of a letter, for those who may regenerate it (the
    admins of the case's jurisdiction) and who may see the case; else 404."""
    try:
        version_id = int(version_id)
    except (TypeError, ValueError):
        raise Http404 from None
    version = LetterVersion.objects.select_related("letter").filter(pk=version_id).first()
    if version is None:
        raise Http404
    _check_owner(version.letter, user)
    if not letter_may_regenerate(letter=version.letter, actor=user):
        raise Http404
    return version


def letter_download_name(letter: Letter) -> str:
    return f"{letter.number}{letter.title}.pdf"


def letter_register_may_view(*, user: User) -> bool:
    """The issuing register (发文登记) is kept by the handling staff;
    applicants find their letters on their case or filing."""
    return bool(user_roles(user) & HANDLING_ROLES)


def letter_register_for_user(*, user: User, filters: dict | None = None):
    """The issuing register: every letter of the cases and pre-filings
    ``user`` may see, in number order within each issuing body and year
    (newest first). ``filters``: year, kind, q (number, case or filing number
    or title). One query a page, with the owner joined."""
    filters = filters or {}
    cases = subject("case").visible(user).order_by().values("pk")
    filings = subject("prefiling").visible(user).order_by().values("pk")
    qs = (Letter.objects.filter(Q(case__in=cases) | Q(prefiling__in=filings))
          .select_related("case", "prefiling"))
    if year := filters.get("year"):
        qs = qs.filter(number_year=year)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if text := (filters.get("q") or "").strip():
        qs = qs.filter(Q(number__icontains=text) | Q(case__number__icontains=text) | Q(case__title__icontains=text)
                       | Q(prefiling__number__icontains=text) | Q(prefiling__title__icontains=text))
    return qs.order_by("number_body", "-number_year", "-number_seq")
