import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Role
from accounts.selectors import user_has_role

from .calendar import DueDate, WorkCalendar, compute_due_date
from .models import CONFIRMED_CERTAINTIES, Jurisdiction, PolicyItem, PolicyVersion, StageTimeLimit, TimeLimitStage

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogues"
# The jurisdiction whose published version applies where no local one does.
CENTRAL_CODE = "central"

ITEM_KIND_ORDER = [
    PolicyItem.Kind.CONDITION,
    PolicyItem.Kind.POSITIVE,
    PolicyItem.Kind.NEGATIVE,
    PolicyItem.Kind.DISTINCTION,
    PolicyItem.Kind.FACTOR,
    PolicyItem.Kind.RESULT_USE,
    PolicyItem.Kind.CORRECTION_STEP,
    PolicyItem.Kind.DISCLOSURE_SCOPE,
    PolicyItem.Kind.PREVENTION_AREA,
]


def _in_force(qs: QuerySet, on_date: dt.date) -> QuerySet:
    return qs.filter(
        status=PolicyVersion.Status.PUBLISHED, effective_from__lte=on_date,
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))


def policy_version_in_force(*, org_unit, on_date: dt.date) -> PolicyVersion | None:
    """The published version in force on ``on_date`` for the nearest
    jurisdiction at or above ``org_unit`` that has one; failing that, the
    central base (jurisdiction ``central``) in force that day.

    Where a jurisdiction has several documents in force, the one most
    recently effective wins.
    """
    ancestor_ids = org_unit.ancestor_ids() or [org_unit.pk]
    candidates = list(
        _in_force(PolicyVersion.objects.all(), on_date)
        .filter(document__jurisdiction__org_unit_id__in=ancestor_ids)
        .select_related("document__jurisdiction")
        .order_by("-effective_from", "-number")
    )
    if not candidates:
        return (
            _in_force(PolicyVersion.objects.all(), on_date)
            .filter(document__jurisdiction__code=CENTRAL_CODE)
            .select_related("document__jurisdiction")
            .order_by("-effective_from", "-number")
            .first()
        )
    depth = {pk: i for i, pk in enumerate(ancestor_ids)}
    # Deepest jurisdiction first, then the latest in force (the sort is stable).
    candidates.sort(key=lambda v: -depth.get(v.document.jurisdiction.org_unit_id, -1))
    return candidates[0]


def stage_time_limit(*, version: PolicyVersion, stage: str) -> StageTimeLimit | None:
    """The time limit ``version`` sets for ``stage``, or ``None``. Uses the
    prefetched ``time_limits`` when the caller loaded them."""
    cache = getattr(version, "_prefetched_objects_cache", {})
    if "time_limits" in cache:
        return next((t for t in cache["time_limits"] if t.stage == stage), None)
    return version.time_limits.filter(stage=stage).first()


def stage_time_limit_stated(*, version: PolicyVersion, stage: str) -> StageTimeLimit | None:
    """The time limit of ``stage`` a letter may state as the rule: only one
    taken from (or confirmed against) the jurisdiction's own text. An
    example default still runs the case's clock, but no letter prints it
    as binding (issue 16: nothing printed states a rule the version does
    not configure)."""
    limit = stage_time_limit(version=version, stage=stage)
    return limit if limit is not None and limit.certainty in CONFIRMED_CERTAINTIES else None


def policy_version_copied_items(version: PolicyVersion) -> list[PolicyItem]:
    """The items an earlier load copied into ``version`` from another
    jurisdiction and nobody has adopted (hidden by the default manager),
    for the admin to adopt or delete (issue 16)."""
    return list(PolicyItem.all_objects.filter(version=version, adopted_at__isnull=True)
                .exclude(copied_from="").order_by("kind", "number"))


def stage_due_date(*, version: PolicyVersion, stage: str, start: dt.date,
                   calendar: WorkCalendar | None = None) -> tuple[StageTimeLimit, DueDate] | None:
    """The due date of ``stage`` started on ``start`` under ``version``, with
    its explanation (``DueDate.flagged`` when a year lacks calendar data), or
    ``None`` when the version sets no limit for the stage. The version's own
    start-day rule applies."""
    limit = stage_time_limit(version=version, stage=stage)
    if limit is None:
        return None
    due = compute_due_date(start, limit.amount, limit.unit, start_rule=version.start_rule, calendar=calendar)
    return limit, due


def _with_counts(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        **{
            f"count_{kind}": Count("items", filter=Q(items__kind=kind), distinct=True)
            for kind in PolicyItem.Kind.values
        },
        count_time_limits=Count("time_limits", distinct=True),
    )


def policy_version_list(*, jurisdiction_code: str | None = None, published_only: bool = True) -> QuerySet:
    """Versions with their document and jurisdiction, and item counts per
    kind (``count_<kind>``), in one query."""
    qs = PolicyVersion.objects.select_related("document__jurisdiction")
    if published_only:
        qs = qs.filter(status=PolicyVersion.Status.PUBLISHED)
    if jurisdiction_code:
        qs = qs.filter(document__jurisdiction__code=jurisdiction_code)
    return _with_counts(qs).order_by("document__jurisdiction__code", "document__code", "-number")


def policy_version_get(*, version_id: int, published_only: bool = True) -> PolicyVersion:
    """A version with all items and time limits loaded (three queries); 404
    if it does not exist or, for the public, is not published."""
    qs = PolicyVersion.objects.select_related("document__jurisdiction").prefetch_related(
        Prefetch("items", queryset=PolicyItem.objects.order_by("kind", "number")),
        Prefetch("time_limits", queryset=StageTimeLimit.objects.order_by("stage")),
    )
    if published_only:
        qs = qs.filter(status=PolicyVersion.Status.PUBLISHED)
    version = qs.filter(pk=version_id).first()
    if version is None:
        raise Http404("No such policy version.")
    return version


def items_by_kind(version: PolicyVersion) -> list[tuple[str, str, list[PolicyItem]]]:
    """``[(kind, label, items)]`` in reading order, for loaded items; kinds
    without items are left out."""
    groups: dict[str, list[PolicyItem]] = {}
    for item in version.items.all():
        groups.setdefault(item.kind, []).append(item)
    return [
        (kind, PolicyItem.Kind(kind).label, sorted(groups[kind], key=lambda i: i.number))
        for kind in ITEM_KIND_ORDER if kind in groups
    ]


def time_limits_in_stage_order(version: PolicyVersion) -> list[StageTimeLimit]:
    order = {value: i for i, value in enumerate(TimeLimitStage.values)}
    return sorted(version.time_limits.all(), key=lambda t: order.get(t.stage, 99))


def jurisdiction_list_public() -> list[Jurisdiction]:
    """Jurisdictions that have published versions, each with
    ``public_versions`` (published, newest first) and their documents; two
    queries."""
    versions = PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).select_related(
        "document"
    ).order_by("document__code", "-number")
    return list(
        Jurisdiction.objects.filter(documents__versions__status=PolicyVersion.Status.PUBLISHED)
        .distinct()
        .order_by("code")
        .prefetch_related(Prefetch("documents__versions", queryset=versions, to_attr="public_versions"))
    )


def _item_key(item) -> tuple[str, int]:
    return (item.kind, item.number)


ITEM_COMPARED = ("title", "text", "source", "certainty", "default_duration_months", "exempt_duration_months",
                 "duration_certainty")
LIMIT_COMPARED = ("amount", "unit", "extension_allowed", "extension_max", "source", "certainty")
VERSION_COMPARED = ("status", "effective_from", "effective_to", "start_rule", "quorum_numerator",
                    "quorum_denominator", "notes")


def policy_version_compare(*, a: PolicyVersion, b: PolicyVersion) -> dict:
    """What changed from version ``a`` to ``b``: fields, items (matched by kind
    and number) and time limits (matched by stage)."""
    a = policy_version_get(version_id=a.pk, published_only=False)
    b = policy_version_get(version_id=b.pk, published_only=False)
    fields = [
        {"field": f, "label": PolicyVersion._meta.get_field(f).verbose_name, "a": getattr(a, f), "b": getattr(b, f)}
        for f in VERSION_COMPARED if getattr(a, f) != getattr(b, f)
    ]
    a_items = {_item_key(i): i for i in a.items.all()}
    b_items = {_item_key(i): i for i in b.items.all()}
    items = []
    for key in sorted(a_items.keys() | b_items.keys(), key=lambda k: (ITEM_KIND_ORDER.index(k[0]), k[1])):
        old, new = a_items.get(key), b_items.get(key)
        if old and new:
            changed = [f for f in ITEM_COMPARED if getattr(old, f) != getattr(new, f)]
            if not changed:
                continue
            change = "changed"
        else:
            changed = []
            change = "removed" if old else "added"
        items.append({"kind": key[0], "kind_label": PolicyItem.Kind(key[0]).label, "number": key[1],
                      "change": change, "fields": changed, "a": old, "b": new})
    a_limits = {t.stage: t for t in a.time_limits.all()}
    b_limits = {t.stage: t for t in b.time_limits.all()}
    limits = []
    for stage in sorted(a_limits.keys() | b_limits.keys()):
        old, new = a_limits.get(stage), b_limits.get(stage)
        if old and new:
            changed = [f for f in LIMIT_COMPARED if getattr(old, f) != getattr(new, f)]
            if not changed:
                continue
            change = "changed"
        else:
            changed, change = [], ("removed" if old else "added")
        limits.append({"stage": stage, "change": change, "fields": changed, "a": old, "b": new})
    return {"a": a, "b": b, "fields": fields, "items": items, "time_limits": limits,
            "identical": not (fields or items or limits)}


# --- templates a jurisdiction adopts into its own draft (issue 16) -----------


@lru_cache(maxsize=1)
def shipped_document_codes() -> frozenset[str]:
    """The codes of the documents the shipped catalogues hold (the examples
    an admin adopts), read once from ``policies/catalogues``."""
    codes = set()
    for path in CATALOGUE_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        codes |= {d["code"] for d in data.get("documents") or [] if "code" in d}
    return frozenset(codes)


def jurisdiction_admin_can(*, user, jurisdiction: Jurisdiction) -> bool:
    """Whether ``user`` administers ``jurisdiction`` (the 业务管理员 over its
    org unit). A jurisdiction no org unit is linked to has no admin but the
    installation's superuser."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if jurisdiction.org_unit_id is None:
        return bool(user.is_superuser)
    return user_has_role(user, Role.ADMIN, jurisdiction.org_unit)


def jurisdiction_open_draft(jurisdiction: Jurisdiction) -> PolicyVersion | None:
    """The jurisdiction's draft version being edited, if any."""
    return (PolicyVersion.objects.filter(document__jurisdiction=jurisdiction, status=PolicyVersion.Status.DRAFT)
            .select_related("document").order_by("-id").first())


def adoption_templates(*, jurisdiction: Jurisdiction) -> list[PolicyVersion]:
    """The published versions of other jurisdictions ``jurisdiction`` may
    adopt as a template, the shipped examples first, each with ``shipped``,
    ``count_<kind>`` and ``count_time_limits``: what adopting it copies
    (an earlier load's hidden copies are not; one query)."""
    shipped = shipped_document_codes()
    own = Q(items__copied_from="") | Q(items__adopted_at__isnull=False)
    versions = list(
        PolicyVersion.objects.select_related("document__jurisdiction")
        .filter(status=PolicyVersion.Status.PUBLISHED).exclude(document__jurisdiction=jurisdiction)
        .annotate(**{f"count_{kind}": Count("items", filter=own & Q(items__kind=kind), distinct=True)
                     for kind in PolicyItem.Kind.values},
                  count_time_limits=Count("time_limits", distinct=True))
    )
    for version in versions:
        version.shipped = version.document.code in shipped
    return sorted(versions, key=lambda v: (not v.shipped, v.document.jurisdiction.code, v.document.code, -v.number))


def adoption_preview(template: PolicyVersion) -> dict:
    """What adopting ``template`` copies: per list, how many items and how
    many of them its own jurisdiction has not confirmed either; the time
    limits; and the procedure settings, which are not copied (they name the
    other jurisdiction's bodies and rules). In the new draft every copied
    item and limit is unconfirmed."""
    items = list(PolicyItem.objects.filter(version=template).only("kind", "certainty"))
    lists = []
    for kind in ITEM_KIND_ORDER:
        of_kind = [i for i in items if i.kind == kind]
        if of_kind:
            lists.append({"kind": kind, "label": PolicyItem.Kind(kind).label, "count": len(of_kind),
                          "unconfirmed_there": sum(i.certainty not in CONFIRMED_CERTAINTIES for i in of_kind)})
    limits = list(StageTimeLimit.objects.filter(version=template).values_list("certainty", flat=True))
    return {
        "template": template,
        "lists": lists,
        "items": len(items),
        "items_unconfirmed_there": sum(row["unconfirmed_there"] for row in lists),
        "time_limits": len(limits),
        "time_limits_unconfirmed_there": sum(c not in CONFIRMED_CERTAINTIES for c in limits),
        "unconfirmed": len(items) + len(limits),
        "procedure_not_copied": sorted((template.procedure or {}).keys()),
    }
