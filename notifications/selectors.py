"""Reads for notifications, and *who is concerned* by a case.

``audience_users`` is the one place that turns audience tokens ("the
applicant", "the intake officers of the jurisdiction", ...) into users. The
deadlines sweep (who must act on a clock) and ``case_event_notify`` (who is
concerned by an event) both name their audiences with these tokens.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import Role, User
from accounts.selectors import users_with_role
from core.subjects import hook, subject

from .models import Notification, NotificationPreference

# Audience tokens.
APPLICANT = "applicant"
FILER = "filer"  # whoever filed the case (a unit's clerk, or the applicant)
UNIT_REVIEWERS = "unit_reviewers"  # of the case's unit
INTAKE = "intake"  # of the case's jurisdiction
INSPECTORS = "inspectors"  # of the jurisdiction, minus those who must recuse
SUPERVISORS = "supervisors"  # of the jurisdiction
COMMITTEE = "committee"  # of the jurisdiction
ORG_DEPT = "org_dept"  # the organization department of the jurisdiction

# Token -> (role, which org unit of the case it is held over).
_ROLE_AUDIENCES = {
    UNIT_REVIEWERS: (Role.UNIT_REVIEWER, "unit"),
    INTAKE: (Role.INTAKE, "jurisdiction"),
    INSPECTORS: (Role.INSPECTOR, "jurisdiction"),
    SUPERVISORS: (Role.SUPERVISOR, "jurisdiction"),
    COMMITTEE: (Role.COMMITTEE, "jurisdiction"),
    ORG_DEPT: (Role.ORG_DEPT, "jurisdiction"),
}


class AudienceCache:
    """Role holders per (role, org unit), so that a batch of cases in the
    same units costs one query per role and unit, not one per case."""

    def __init__(self):
        self._holders: dict[tuple[str, int], list[User]] = {}
        self._recused: dict[int, set[int]] = {}

    def holders(self, role: str, org_unit) -> list[User]:
        key = (role, org_unit.pk)
        if key not in self._holders:
            self._holders[key] = list(users_with_role(role=role, org_unit=org_unit))
        return self._holders[key]

    def prefetch_recusals(self, case_ids) -> None:
        """Load the recusals of many cases in one query (the sweep's batch),
        through the hook of the app that records them (reviews)."""
        wanted = [pk for pk in case_ids if pk not in self._recused]
        found = hook("case", "recused_ids", _no_recusals)(wanted) if wanted else {}
        for pk in wanted:
            self._recused[pk] = set(found.get(pk, ()))

    def recused_ids(self, case) -> set[int]:
        if case.pk not in self._recused:
            self.prefetch_recusals([case.pk])
        return self._recused[case.pk]


def _no_recusals(case_ids) -> dict[int, set[int]]:
    return {}


def audience_users(*, case, audience: Iterable[str], cache: AudienceCache | None = None) -> list[User]:
    """The users the tokens in ``audience`` stand for, for ``case``; each at
    most once, in a stable order. The caller decides who is left out (the
    actor of an event)."""
    cache = cache or AudienceCache()
    users: dict[int, User] = {}
    for token in audience:
        if token == APPLICANT:
            found = [case.applicant]
        elif token == FILER:
            # Whoever filed for the cadre; not the inspector who opened a
            # proactive case (he is staff on it: core.subjects.Parties).
            found = [case.created_by] if parties(case).filer_id else []
        elif token in _ROLE_AUDIENCES:
            role, where = _ROLE_AUDIENCES[token]
            found = cache.holders(role, getattr(case, where))
            if token == INSPECTORS:
                # 回避: an inspector who is the applicant, in the applicant's
                # unit or marked as related never hears of the case (DESIGN §1).
                recused = cache.recused_ids(case)
                party_ids = parties(case).ids
                found = [
                    u for u in found
                    if u.pk not in recused and u.pk not in party_ids and u.org_unit_id != case.unit_id
                ]
        else:
            raise ValueError(f"unknown audience token: {token}")
        for user in found:
            if user is not None and user.is_active:
                users.setdefault(user.pk, user)
    return list(users.values())


def parties(case):
    """The case's parties, as its owner defines them (core.subjects)."""
    return subject("case").parties(case)


def case_url(case_id: int | None) -> str:
    """Link to the case page ("" for a notification without a case)."""
    return subject("case").page_url(case_id) if case_id is not None else ""


def notification_list_for_user(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("actor", "case")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_preference_get(*, user: User) -> NotificationPreference:
    """The user's preference; an unsaved default (immediate) if he has none."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


def notification_digest_user_ids() -> list[int]:
    """Users who chose the daily digest and have unread notifications not yet
    e-mailed."""
    return list(
        Notification.objects.filter(
            read_at__isnull=True, emailed_at__isnull=True,
            recipient__notification_preference__email_mode=NotificationPreference.EmailMode.DIGEST,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
