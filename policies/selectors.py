import datetime as dt

from django.db.models import Q

from .models import PolicyVersion


def policy_version_in_force(*, org_unit, on_date: dt.date) -> PolicyVersion | None:
    """The published version in force on ``on_date`` for the nearest
    jurisdiction at or above ``org_unit`` that has one.

    Where a jurisdiction has several documents in force, the one most
    recently effective wins.
    """
    ancestor_ids = org_unit.ancestor_ids() or [org_unit.pk]
    candidates = list(
        PolicyVersion.objects.filter(
            status=PolicyVersion.Status.PUBLISHED,
            document__jurisdiction__org_unit_id__in=ancestor_ids,
            effective_from__lte=on_date,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))
        .select_related("document__jurisdiction")
        .order_by("-effective_from", "-number")
    )
    if not candidates:
        return None
    depth = {pk: i for i, pk in enumerate(ancestor_ids)}
    # Deepest jurisdiction first, then the latest in force.
    candidates.sort(key=lambda v: -depth.get(v.document.jurisdiction.org_unit_id, -1))
    return candidates[0]
