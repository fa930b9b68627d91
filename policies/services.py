"""Every write to the policy catalogue and the working-day calendar.

A published version is immutable: a case is judged under the version that
was in force when it was filed and keeps a reference to it (DESIGN §3), so a
change to the rules is a new version (``policy_version_create_draft_from``,
edit, ``policy_version_publish``). The one field of a published version that
may still change is ``effective_to``, set when a later version replaces it;
it says when the version stopped applying to *new* cases and changes nothing
a filed case depends on.
"""

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.exceptions import ApplicationError
from core.history import chain_append

from .calendar import MAX_AMOUNT
from .importer import extract_text, split_clauses
from .models import (
    CONFIRMED_CERTAINTIES,
    STEP_SET_STAGES,
    UNCONFIRMED_CERTAINTIES,
    CalendarDay,
    CalendarYear,
    Certainty,
    ImportedClause,
    Jurisdiction,
    PolicyAuditEntry,
    PolicyDocument,
    PolicyItem,
    PolicyVersion,
    StageTimeLimit,
    TimeLimitStage,
    TimeUnit,
)
from .procedure import procedure_validate
from .selectors import jurisdiction_admin_can, jurisdiction_open_draft

PUBLISHED_IMMUTABLE = gettext_noop(
    "This policy version is published and can no longer be changed. "
    "Create a new draft from it and publish that instead."
)
ALREADY_PUBLISHED = gettext_noop("This policy version is already published.")
MISSING_TIME_LIMITS = gettext_noop("Every stage needs a time limit before the version can be published. Missing: %(stages)s.")
EFFECTIVE_ORDER = gettext_noop(
    "The new version must take effect after version %(number)s of the same document "
    "(effective from %(date)s)."
)
EFFECTIVE_TO_BEFORE_FROM = gettext_noop("The end of the effective period cannot be before its start.")
BAD_AMOUNT = gettext_noop("The time limit must be a whole number from 1 to %(max)s.")
# Shown wherever a due date touches a year without calendar data.
FLAGGED_WARNING = gettext_noop(
    "The calendar has no holiday data for %(years)s: those days were counted as ordinary weeks. "
    "Check the date, or ask an administrator to enter that year's holidays."
)
AMOUNT_TOO_LARGE = gettext_noop("At most %(max)s for this unit.")
BAD_UNIT = gettext_noop("Unknown time unit: %(unit)s.")
BAD_STAGE = gettext_noop("Unknown stage: %(stage)s.")
BAD_KIND = gettext_noop("Unknown item kind: %(kind)s.")
BAD_CERTAINTY = gettext_noop("Unknown certainty: %(certainty)s.")
BAD_EXTENSION = gettext_noop("A maximum extension needs the extension to be allowed, and cannot be negative.")
DUPLICATE_ITEM = gettext_noop("Item %(number)s of this kind already exists in the version.")
EMPTY_TEXT = gettext_noop("The item text cannot be empty.")
BAD_YEAR = gettext_noop("The year must be between 2000 and 2100.")
UNCONFIRMED = gettext_noop(
    "This version still holds %(count)s items or time limits that nobody has confirmed against the "
    "jurisdiction's own text (drafted after comparable rules, or example defaults): %(labels)s. "
    "Confirm them first, or publish with the explicit confirmation that they are published as they stand."
)
NOT_RECONSTRUCTED = gettext_noop(
    "Only an item nobody has confirmed (drafted after comparable rules, or an example default) needs confirming."
)
CONFIRMED_CERTAINTY = gettext_noop("A confirmed item is verbatim or a faithful summary of the text.")

VERSION_EDITABLE_FIELDS = (
    "effective_from", "effective_to", "start_rule", "quorum_numerator", "quorum_denominator", "notes",
    "procedure",
)
ITEM_EDITABLE_FIELDS = (
    "title", "text", "source", "article", "certainty", "default_duration_months", "exempt_duration_months",
    "duration_certainty",
)


def _audit(*, actor, action: str, version: PolicyVersion | None = None, data: dict | None = None):

    chain_append(
        PolicyAuditEntry, actor=actor if getattr(actor, "pk", None) else None, version=version,
        action=action, data=data or {},
    )


def audit_repair(*, version: PolicyVersion, marked: list[str], procedure: dict | None) -> None:
    """The loader's repair of a published version (issue 16), in the audit
    log: which copied items were marked, and the procedure filled in."""
    _audit(actor=None, action=PolicyAuditEntry.Action.VERSION_REPAIRED, version=version,
           data={"copied_items_marked": marked, "procedure_filled": _json(procedure) if procedure else None})


def _lock_version(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update(of=("self",)).select_related("document").get(pk=version.pk)


def _ensure_draft(version: PolicyVersion) -> None:
    if version.status == PolicyVersion.Status.PUBLISHED:
        raise ApplicationError(_(PUBLISHED_IMMUTABLE), code="published_immutable")


def policy_version_assert_editable(*, version: PolicyVersion) -> None:
    """Raise ``ApplicationError`` if the stored version is published (for
    interfaces such as admin forms that validate before saving)."""
    status = PolicyVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
    if status == PolicyVersion.Status.PUBLISHED:
        raise ApplicationError(_(PUBLISHED_IMMUTABLE), code="published_immutable")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --- versions -------------------------------------------------------------


@transaction.atomic
def policy_version_create(*, document, actor, number: int | None = None, effective_from: dt.date,
                          start_rule: str = PolicyVersion.StartRule.NEXT_DAY, notes: str = "",
                          quorum_numerator: int = 2, quorum_denominator: int = 3,
                          procedure: dict | None = None) -> PolicyVersion:
    """A new, empty draft of ``document`` (the next number unless given)."""
    procedure = procedure_validate(procedure or {})
    if number is None:
        number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion(
        document=document, number=number, effective_from=effective_from, start_rule=start_rule,
        notes=notes, quorum_numerator=quorum_numerator, quorum_denominator=quorum_denominator,
        procedure=procedure,
    )
    version.full_clean()
    version.save()
    _audit(actor=actor, action=PolicyAuditEntry.Action.VERSION_CREATED, version=version,
           data={"number": number, "effective_from": effective_from.isoformat()})
    return version


@transaction.atomic
def policy_version_update(*, version: PolicyVersion, actor, data: dict) -> PolicyVersion:
    """Change a draft's dates, start-day rule, quorum or notes."""
    version = _lock_version(version)
    _ensure_draft(version)
    old = {f: getattr(version, f) for f in VERSION_EDITABLE_FIELDS if f in data}
    changed = []
    for field in VERSION_EDITABLE_FIELDS:
        if field in data and getattr(version, field) != data[field]:
            setattr(version, field, data[field])
            changed.append(field)
    if not changed:
        return version
    if version.effective_to and version.effective_to < version.effective_from:
        raise ValidationError({"effective_to": _(EFFECTIVE_TO_BEFORE_FROM)})
    if "procedure" in changed:
        procedure_validate(version.procedure)
    version.full_clean()
    version.save(update_fields=[*changed, "updated_at"])
    _audit(actor=actor, action=PolicyAuditEntry.Action.VERSION_UPDATED, version=version,
           data={f: {"old": _json(old[f]), "new": _json(getattr(version, f))} for f in changed})
    return version


def policy_version_unconfirmed(version: PolicyVersion) -> list[str]:
    """Labels of the items and time limits of ``version`` that nobody has
    checked against the jurisdiction's own text."""
    items = [
        f"{i.get_kind_display()} {i.number}"
        for i in version.items.filter(certainty__in=UNCONFIRMED_CERTAINTIES).order_by("kind", "number")
    ]
    limits = [
        str(t.get_stage_display())
        for t in version.time_limits.filter(certainty__in=UNCONFIRMED_CERTAINTIES).order_by("stage")
    ]
    return items + limits


@transaction.atomic
def policy_version_publish(*, version: PolicyVersion, actor,
                           acknowledge_unconfirmed: bool = False) -> PolicyVersion:
    """Publish a draft. From now on it is immutable.

    A version that still holds items drafted after comparable rules or
    example-default values is published only with ``acknowledge_unconfirmed``
    (the admin's explicit confirmation); the audit entry records what was
    published unconfirmed (issue 16).

    Publishing closes the previous published version of the same document if
    its period overlaps: its ``effective_to`` becomes the day before the new
    version takes effect. Two versions of one document in force on the same
    day would make "the version in force when the case was filed" ambiguous;
    closing the old one keeps one answer per day and touches nothing a filed
    case depends on (the case keeps its own version). A new version must
    therefore start after the one it replaces.
    """
    version = _lock_version(version)
    if version.status == PolicyVersion.Status.PUBLISHED:
        raise ApplicationError(_(ALREADY_PUBLISHED), code="already_published")
    present = set(version.time_limits.values_list("stage", flat=True))
    missing = [str(label) for value, label in TimeLimitStage.choices
               if value not in present and value not in STEP_SET_STAGES]
    if missing:
        raise ApplicationError(_(MISSING_TIME_LIMITS) % {"stages": "、".join(missing)}, code="missing_time_limits")
    others = list(
        PolicyVersion.objects.select_for_update()
        .filter(document_id=version.document_id, status=PolicyVersion.Status.PUBLISHED)
        .exclude(pk=version.pk)
        .order_by("effective_from", "pk")
    )
    for other in others:
        if other.effective_from >= version.effective_from:
            raise ApplicationError(
                _(EFFECTIVE_ORDER) % {"number": other.number, "date": other.effective_from.isoformat()},
                code="effective_order",
            )
    procedure_validate(version.procedure or {})
    unconfirmed = policy_version_unconfirmed(version)
    if unconfirmed and not acknowledge_unconfirmed:
        shown = "、".join(unconfirmed[:8]) + ("……" if len(unconfirmed) > 8 else "")
        raise ApplicationError(_(UNCONFIRMED) % {"count": len(unconfirmed), "labels": shown},
                               code="unconfirmed_items")
    for other in others:
        if other.effective_to is None or other.effective_to >= version.effective_from:
            old_to = other.effective_to
            other.effective_to = version.effective_from - dt.timedelta(days=1)
            other.save(update_fields=["effective_to", "updated_at"])
            _audit(actor=actor, action=PolicyAuditEntry.Action.VERSION_CLOSED, version=other,
                   data={"old": _json(old_to), "new": other.effective_to.isoformat(),
                         "replaced_by": version.pk})
    version.status = PolicyVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at", "updated_at"])
    _audit(actor=actor, action=PolicyAuditEntry.Action.VERSION_PUBLISHED, version=version,
           data={"number": version.number, "effective_from": version.effective_from.isoformat(),
                 "unconfirmed_acknowledged": unconfirmed})
    return version


@transaction.atomic
def policy_version_create_draft_from(*, version: PolicyVersion, actor,
                                     effective_from: dt.date | None = None) -> PolicyVersion:
    """A new draft of the same document holding a copy of ``version``'s items
    and time limits, ready to be edited and published. By default it takes
    effect today (or the day after ``version`` does, if that is later)."""
    source = PolicyVersion.objects.select_related("document").get(pk=version.pk)
    # Lock the document's versions so two copies do not take the same number.
    list(PolicyVersion.objects.select_for_update().filter(document_id=source.document_id).values_list("pk"))
    if effective_from is None:
        effective_from = max(timezone.localdate(), source.effective_from + dt.timedelta(days=1))
    draft = policy_version_create(
        document=source.document, actor=actor, effective_from=effective_from,
        start_rule=source.start_rule, notes=source.notes,
        quorum_numerator=source.quorum_numerator, quorum_denominator=source.quorum_denominator,
        procedure=source.procedure,
    )
    PolicyItem.objects.bulk_create(
        PolicyItem(
            version=draft, kind=i.kind, number=i.number, title=i.title, text=i.text, source=i.source,
            article=i.article, certainty=i.certainty, confirmed_at=i.confirmed_at,
            confirmed_by_id=i.confirmed_by_id, default_duration_months=i.default_duration_months,
            exempt_duration_months=i.exempt_duration_months, duration_certainty=i.duration_certainty,
        )
        for i in source.items.all()
    )
    # The contradiction pairs follow the copied items (by kind and number).
    copies = {(i.kind, i.number): i for i in draft.items.all()}
    for item in source.items.prefetch_related("contradicts"):
        targets = [copies[(c.kind, c.number)] for c in item.contradicts.all()]
        if targets:
            copies[(item.kind, item.number)].contradicts.add(*targets)
    StageTimeLimit.objects.bulk_create(
        StageTimeLimit(
            version=draft, stage=t.stage, amount=t.amount, unit=t.unit,
            extension_allowed=t.extension_allowed, extension_max=t.extension_max,
            source=t.source, certainty=t.certainty,
        )
        for t in source.time_limits.all()
    )
    _audit(actor=actor, action=PolicyAuditEntry.Action.DRAFT_COPIED, version=draft,
           data={"from_version": source.pk, "from_number": source.number})
    return draft


# --- items ------------------------------------------------------------------


def _check_item_values(*, kind: str | None = None, certainty: str | None = None, text: str | None = None,
                       duration_certainty: str | None = None) -> None:
    if kind is not None and kind not in PolicyItem.Kind.values:
        raise ValidationError({"kind": _(BAD_KIND) % {"kind": kind}})
    if certainty is not None and certainty not in Certainty.values:
        raise ValidationError({"certainty": _(BAD_CERTAINTY) % {"certainty": certainty}})
    if duration_certainty and duration_certainty not in Certainty.values:
        raise ValidationError({"duration_certainty": _(BAD_CERTAINTY) % {"certainty": duration_certainty}})
    if text is not None and not text.strip():
        raise ValidationError({"text": _(EMPTY_TEXT)})


@transaction.atomic
def policy_item_create(*, version: PolicyVersion, actor, kind: str, number: int, text: str,
                       certainty: str, title: str = "", source: str = "", article: str = "",
                       default_duration_months: int | None = None,
                       duration_certainty: str = "", exempt_duration_months: int | None = None) -> PolicyItem:
    version = _lock_version(version)
    _ensure_draft(version)
    _check_item_values(kind=kind, certainty=certainty, text=text, duration_certainty=duration_certainty)
    if version.items.filter(kind=kind, number=number).exists():
        raise ValidationError({"number": _(DUPLICATE_ITEM) % {"number": number}})
    item = PolicyItem(
        version=version, kind=kind, number=number, title=title, text=text, source=source, article=article,
        certainty=certainty, default_duration_months=default_duration_months,
        exempt_duration_months=exempt_duration_months, duration_certainty=duration_certainty,
    )
    item.full_clean()
    item.save()
    _audit(actor=actor, action=PolicyAuditEntry.Action.ITEM_CREATED, version=version,
           data={"item": item.pk, "kind": kind, "number": number})
    return item


@transaction.atomic
def policy_item_update(*, item: PolicyItem, actor, data: dict) -> PolicyItem:
    item = PolicyItem.objects.select_for_update().get(pk=item.pk)
    version = _lock_version(item.version)
    _ensure_draft(version)
    _check_item_values(certainty=data.get("certainty"), text=data.get("text"),
                       duration_certainty=data.get("duration_certainty"))
    changed = {}
    for field in ITEM_EDITABLE_FIELDS:
        if field in data and getattr(item, field) != data[field]:
            changed[field] = {"old": getattr(item, field), "new": data[field]}
            setattr(item, field, data[field])
    if changed:
        fields = [*changed, "updated_at"]
        # An admin who turns an unconfirmed item (reconstructed or an
        # example default) into a verbatim or summary one has checked it
        # against his text: that is the confirmation.
        old_certainty = changed.get("certainty", {}).get("old")
        if old_certainty in UNCONFIRMED_CERTAINTIES and item.certainty in CONFIRMED_CERTAINTIES:
            item.confirmed_at, item.confirmed_by = timezone.now(), actor if getattr(actor, "pk", None) else None
            fields += ["confirmed_at", "confirmed_by"]
        item.full_clean()
        item.save(update_fields=fields)
        _audit(actor=actor, action=PolicyAuditEntry.Action.ITEM_UPDATED, version=version,
               data={"item": item.pk, "changes": changed})
    return item


@transaction.atomic
def policy_item_confirm(*, item: PolicyItem, actor, text: str | None = None, article: str = "",
                        source: str = "", certainty: str = Certainty.VERBATIM) -> PolicyItem:
    """An admin confirms an unconfirmed item (drafted after comparable rules,
    or an example default) against his jurisdiction's own text: its wording
    (``text``, verbatim unless he says it is a summary), the article it
    stands in, and the source. From then on it is no longer marked
    参照同类规定拟定（待核定） / 示例默认（待核定）."""
    item = PolicyItem.objects.select_for_update().get(pk=item.pk)
    version = _lock_version(item.version)
    _ensure_draft(version)
    if not item.is_unconfirmed:
        raise ApplicationError(_(NOT_RECONSTRUCTED), code="not_reconstructed")
    if certainty not in (Certainty.VERBATIM, Certainty.SUMMARY):
        raise ValidationError({"certainty": _(CONFIRMED_CERTAINTY)})
    if text is not None:
        _check_item_values(text=text)
    old = {"text": item.text, "source": item.source, "article": item.article, "certainty": item.certainty}
    if text is not None:
        item.text = text.strip()
    item.article = article.strip() or item.article
    item.source = source.strip() or item.source
    if item.taken_from and not source.strip():
        # A copy from a template, confirmed against this jurisdiction's own
        # text: its source is now that text, no longer the template.
        item.source = f"《{version.document.title}》{item.article}"
    item.certainty = certainty
    item.confirmed_at = timezone.now()
    item.confirmed_by = actor if getattr(actor, "pk", None) else None
    item.full_clean()
    item.save(update_fields=["text", "article", "source", "certainty", "confirmed_at", "confirmed_by",
                             "updated_at"])
    _audit(actor=actor, action=PolicyAuditEntry.Action.ITEM_CONFIRMED, version=version,
           data={"item": item.pk, "kind": item.kind, "number": item.number, "old": old,
                 "new": {"text": item.text, "source": item.source, "article": item.article,
                         "certainty": item.certainty}})
    return item


@transaction.atomic
def policy_item_delete(*, item: PolicyItem, actor) -> None:
    item = PolicyItem.objects.select_for_update().get(pk=item.pk)
    version = _lock_version(item.version)
    _ensure_draft(version)
    data = {"item": item.pk, "kind": item.kind, "number": item.number, "text": item.text}
    item.delete()
    _audit(actor=actor, action=PolicyAuditEntry.Action.ITEM_DELETED, version=version, data=data)


def time_limit_validate(*, stage: str, amount, unit: str, extension_allowed: bool = False,
                        extension_max: int = 0, certainty: str = Certainty.EXAMPLE_DEFAULT) -> None:
    """Raise ``ValidationError`` (per field) for a bad stage time limit."""
    errors = {}
    if stage not in TimeLimitStage.values or stage in STEP_SET_STAGES:
        errors["stage"] = _(BAD_STAGE) % {"stage": stage}
    if unit not in TimeUnit.values:
        errors["unit"] = _(BAD_UNIT) % {"unit": unit}
    else:
        top = MAX_AMOUNT[unit]
        if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= top:
            errors["amount"] = _(BAD_AMOUNT) % {"max": top}
    if not isinstance(extension_max, int) or extension_max < 0 or (extension_max and not extension_allowed):
        errors["extension_max"] = _(BAD_EXTENSION)
    if certainty not in Certainty.values:
        errors["certainty"] = _(BAD_CERTAINTY) % {"certainty": certainty}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def stage_time_limit_set(*, version: PolicyVersion, actor, stage: str, amount: int, unit: str,
                         extension_allowed: bool = False, extension_max: int = 0, source: str = "",
                         certainty: str = Certainty.EXAMPLE_DEFAULT) -> StageTimeLimit:
    """Create or change the time limit of ``stage`` in a draft version."""
    version = _lock_version(version)
    _ensure_draft(version)
    time_limit_validate(stage=stage, amount=amount, unit=unit, extension_allowed=extension_allowed,
                        extension_max=extension_max, certainty=certainty)
    limit, created = StageTimeLimit.objects.select_for_update().get_or_create(
        version=version, stage=stage,
        defaults={"amount": amount, "unit": unit, "extension_allowed": extension_allowed,
                  "extension_max": extension_max, "source": source, "certainty": certainty},
    )
    if not created:
        limit.amount, limit.unit, limit.source, limit.certainty = amount, unit, source, certainty
        limit.extension_allowed, limit.extension_max = extension_allowed, extension_max
        limit.save(update_fields=["amount", "unit", "extension_allowed", "extension_max", "source",
                                  "certainty", "updated_at"])
    _audit(actor=actor, action=PolicyAuditEntry.Action.TIME_LIMIT_SET, version=version,
           data={"stage": stage, "amount": amount, "unit": unit, "extension_max": extension_max,
                 "certainty": certainty})
    return limit


@transaction.atomic
def stage_time_limit_delete(*, time_limit: StageTimeLimit, actor) -> None:
    version = _lock_version(time_limit.version)
    _ensure_draft(version)
    StageTimeLimit.objects.filter(pk=time_limit.pk).delete()
    _audit(actor=actor, action=PolicyAuditEntry.Action.TIME_LIMIT_SET, version=version,
           data={"stage": time_limit.stage, "deleted": True})


# --- calendar ---------------------------------------------------------------


@transaction.atomic
def calendar_day_set(*, actor, date: dt.date, kind: str, name: str = "") -> CalendarDay:
    """Enter a holiday or a 调休 working day; it overrides the library."""
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": _(BAD_KIND) % {"kind": kind}})
    day, created = CalendarDay.objects.select_for_update().get_or_create(
        date=date, defaults={"kind": kind, "name": name}
    )
    if not created and (day.kind, day.name) != (kind, name):
        day.kind, day.name = kind, name
        day.save(update_fields=["kind", "name", "updated_at"])
    _audit(actor=actor, action=PolicyAuditEntry.Action.CALENDAR_CHANGED,
           data={"date": date.isoformat(), "kind": kind, "name": name})
    return day


@transaction.atomic
def calendar_year_set(*, actor, year: int, complete: bool = True, note: str = "") -> CalendarYear:
    """Mark a year as entered completely (its holidays and 调休 days are all
    in ``CalendarDay``), so that computations touching it are not flagged."""
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _(BAD_YEAR)})
    row, created = CalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"complete": complete, "note": note}
    )
    if not created and (row.complete, row.note) != (complete, note):
        row.complete, row.note = complete, note
        row.save(update_fields=["complete", "note", "updated_at"])
    _audit(actor=actor, action=PolicyAuditEntry.Action.CALENDAR_CHANGED,
           data={"year": year, "complete": complete})
    return row


@transaction.atomic
def calendar_day_delete(*, day: CalendarDay, actor) -> None:
    """Remove an override: the library's answer applies again to that date."""
    data = {"date": day.date.isoformat(), "kind": day.kind, "name": day.name, "deleted": True}
    CalendarDay.objects.filter(pk=day.pk).delete()
    _audit(actor=actor, action=PolicyAuditEntry.Action.CALENDAR_CHANGED, data=data)


# --- import of a 办法 document (issue 16) -----------------------------------

ERR_CLASSIFY_KIND = gettext_noop("Unknown classification: %(kind)s.")
ERR_CLASSIFY_STAGE = gettext_noop("A time limit needs its stage, its amount and its unit (工作日 or 日).")
ERR_PROCEDURE_KEY = gettext_noop("Unknown procedure setting: %(key)s.")
ERR_ALREADY_CLASSIFIED = gettext_noop("This clause is already classified; remove what it created first.")
# Procedure settings a clause can state, and where its text goes.
CLAUSE_PROCEDURE_KEYS = (
    "review.body", "appeal.path", "statements.supplement_lapse", "statements.review_not_suspended",
    "correction.five_steps", "correction.four_forms", "preliminary_notice", "joint_ruling",
)


@transaction.atomic
def policy_document_import(*, document, actor, effective_from: dt.date, text: str | None = None,
                           file_name: str = "", data: bytes | None = None,
                           time_limits_from: PolicyVersion | None = None) -> PolicyVersion:
    """A new draft of ``document`` holding the clauses of the uploaded 办法
    (DOCX, PDF with a text layer, or pasted text), each verbatim with its
    article number, for the admin to classify. Nothing becomes a rule until
    he does. ``time_limits_from`` (e.g. the version in force) lends the
    draft its stage time limits with their own certainty, so the draft can
    be published once the 办法's own limits replace them."""
    raw = extract_text(name=file_name, data=data, text=text)
    clauses = split_clauses(raw)
    draft = policy_version_create(document=document, actor=actor, effective_from=effective_from)
    ImportedClause.objects.bulk_create(
        ImportedClause(version=draft, seq=n, article=c.article, text=c.text, amount=c.amount, unit=c.unit)
        for n, c in enumerate(clauses, start=1)
    )
    if time_limits_from is not None:
        StageTimeLimit.objects.bulk_create(
            StageTimeLimit(version=draft, stage=t.stage, amount=t.amount, unit=t.unit,
                           extension_allowed=t.extension_allowed, extension_max=t.extension_max,
                           source=t.source, certainty=t.certainty)
            for t in time_limits_from.time_limits.all()
        )
    digest = hashlib.sha256(data if data else raw.encode()).hexdigest()
    _audit(actor=actor, action=PolicyAuditEntry.Action.DRAFT_IMPORTED, version=draft,
           data={"file": file_name, "sha256": digest, "clauses": len(clauses),
                 "time_limits_from": time_limits_from.pk if time_limits_from else None})
    return draft


def _clause_source(clause) -> str:
    return f"《{clause.version.document.title}》{clause.article}：“{clause.text}”"


@transaction.atomic
def imported_clause_classify(*, clause, actor, kind: str, title: str = "", stage: str = "",
                             amount: int | None = None, unit: str = "", procedure_key: str = "",
                             value: str = "", extension_allowed: bool = False, extension_max: int = 0):
    """Classify one imported clause of a draft: as a list item (verbatim,
    certainty verbatim, the article as its source), as a stage time limit
    (its unit 工作日 or 日), as a procedure setting (policies.procedure), or
    as nothing the system applies. Returns the clause."""
    clause = ImportedClause.objects.select_for_update().select_related("version__document").get(pk=clause.pk)
    version = _lock_version(clause.version)
    _ensure_draft(version)
    if kind not in ImportedClause.Kind.values or not kind:
        raise ValidationError({"kind": _(ERR_CLASSIFY_KIND) % {"kind": kind}})
    if clause.kind:
        raise ApplicationError(_(ERR_ALREADY_CLASSIFIED), code="already_classified")
    source = _clause_source(clause)
    if kind in PolicyItem.Kind.values:
        number = (version.items.filter(kind=kind).aggregate(n=Max("number"))["n"] or 0) + 1
        clause.item = policy_item_create(
            version=version, actor=actor, kind=kind, number=number, text=clause.text, title=title.strip(),
            source=source, article=clause.article, certainty=Certainty.VERBATIM,
        )
    elif kind == ImportedClause.Kind.TIME_LIMIT:
        amount = clause.amount if amount is None else amount
        unit = unit or clause.unit
        if not stage or amount is None or not unit:
            raise ValidationError({"stage": _(ERR_CLASSIFY_STAGE)})
        stage_time_limit_set(version=version, actor=actor, stage=stage, amount=amount, unit=unit,
                             extension_allowed=extension_allowed, extension_max=extension_max,
                             source=source, certainty=Certainty.VERBATIM)
        clause.stage, clause.amount, clause.unit = stage, amount, unit
    elif kind == ImportedClause.Kind.PROCEDURE:
        if procedure_key not in CLAUSE_PROCEDURE_KEYS:
            raise ValidationError({"procedure_key": _(ERR_PROCEDURE_KEY) % {"key": procedure_key}})
        proc = dict(version.procedure or {})
        text = (value or clause.text).strip()
        head, _sep, tail = procedure_key.partition(".")
        entry_source = f"《{version.document.title}》{clause.article}"
        if head == "statements":
            statements = dict(proc.get("statements") or {})
            statements[tail] = {"text": text, "source": entry_source}
            proc["statements"] = statements
        elif head == "review":
            proc["review"] = {"body": text, "source": entry_source}
        elif head == "appeal":
            proc["appeal"] = {"path": text, "source": entry_source}
        elif head == "correction":
            proc["correction"] = {"mode": tail, "source": entry_source}
        elif head == "preliminary_notice":
            proc["preliminary_notice"] = {"required": True, "source": entry_source}
        elif head == "joint_ruling":
            proc["joint_ruling"] = {"with": "org_department", "body": text, "source": entry_source}
        policy_version_update(version=version, actor=actor, data={"procedure": procedure_validate(proc)})
        clause.procedure_key = procedure_key
    clause.kind = kind
    clause.save(update_fields=["kind", "item", "stage", "amount", "unit", "procedure_key", "updated_at"])
    return clause


# --- items an earlier load copied from another jurisdiction (issue 16) -------

ERR_NOT_COPIED = gettext_noop("Only an item copied from another jurisdiction and not yet adopted can be "
                              "adopted or deleted here.")
ERR_COPY_IN_USE = gettext_noop(
    "This copied item is cited by %(count)s records (rulings, cases, publications or careers records): it "
    "stays for their history and cannot be deleted. Leave it hidden, or adopt it if your own text says it.")
ERR_ADOPT_SOURCE = gettext_noop("Name where your own text says this (the 办法 and its article).")


def _lock_copy(item: PolicyItem) -> tuple[PolicyItem, PolicyVersion]:
    """The copied item (read through the base manager: the default one
    hides it) and its version, locked; refused unless it is a copy nobody
    has adopted yet."""
    item = PolicyItem.all_objects.select_for_update().get(pk=item.pk)
    version = _lock_version(item.version)
    if not item.copied_from or item.adopted_at is not None:
        raise ApplicationError(_(ERR_NOT_COPIED), code="not_copied")
    return item, version


def policy_item_references(item: PolicyItem) -> int:
    """How many rows of other models point at ``item`` (foreign keys and
    many-to-many links, hidden ones included): rulings, claimed items,
    publications, careers records cite it by these."""
    count = 0
    for rel in PolicyItem._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        if rel.related_model in (PolicyItem, ImportedClause):
            continue
        count += rel.related_model._base_manager.filter(**{rel.field.name: item}).count()
    return count


@transaction.atomic
def policy_item_copy_adopt(*, item: PolicyItem, actor, source: str, article: str = "",
                           certainty: str = Certainty.VERBATIM) -> PolicyItem:
    """An admin adopts an item an earlier load copied into his version from
    another jurisdiction (``copied_from``), having found it in his own 办法:
    ``source`` names his text, ``article`` where it stands, ``certainty``
    whether the item quotes it or summarises it. The wording is not changed
    (the version is published: the copy was in it when it was published,
    the repair only hid it); an item his text words differently is deleted
    here and added to a new draft instead. From then on the version offers
    the item as its own; ``copied_from`` stays as its provenance."""
    item, version = _lock_copy(item)
    if certainty not in (Certainty.VERBATIM, Certainty.SUMMARY):
        raise ValidationError({"certainty": _(CONFIRMED_CERTAINTY)})
    if not (source or "").strip():
        raise ValidationError({"source": _(ERR_ADOPT_SOURCE)})
    old = {"source": item.source, "article": item.article, "certainty": item.certainty}
    now, who = timezone.now(), actor if getattr(actor, "pk", None) else None
    item.source, item.article, item.certainty = source.strip(), article.strip() or item.article, certainty
    item.adopted_at = item.confirmed_at = now
    item.adopted_by = item.confirmed_by = who
    item.full_clean()
    item.save(update_fields=["source", "article", "certainty", "adopted_at", "adopted_by", "confirmed_at",
                             "confirmed_by", "updated_at"])
    _audit(actor=actor, action=PolicyAuditEntry.Action.COPY_ADOPTED, version=version,
           data={"item": item.pk, "kind": item.kind, "number": item.number, "title": item.title,
                 "text": item.text, "copied_from": item.copied_from, "old": old,
                 "new": {"source": item.source, "article": item.article, "certainty": item.certainty}})
    return item


@transaction.atomic
def policy_item_copy_delete(*, item: PolicyItem, actor) -> None:
    """Delete a copied item nobody cites (it applies to nothing already).
    One that a ruling, case, publication or careers record cites stays for
    that history: refused."""
    item, version = _lock_copy(item)
    references = policy_item_references(item)
    if references:
        raise ApplicationError(_(ERR_COPY_IN_USE) % {"count": references}, code="copy_in_use")
    data = {"item": item.pk, "kind": item.kind, "number": item.number, "title": item.title, "text": item.text,
            "copied_from": item.copied_from}
    item.delete()
    _audit(actor=actor, action=PolicyAuditEntry.Action.COPY_DELETED, version=version, data=data)


# --- a template adopted into a jurisdiction's own draft (issue 16) ----------

ERR_ADOPT_NOT_ADMIN = gettext_noop("Only an administrator of %(jurisdiction)s can adopt a template into its draft.")
ERR_ADOPT_OPEN_DRAFT = gettext_noop(
    "%(jurisdiction)s already has a draft being edited (%(draft)s). Publish or delete it before adopting a "
    "template.")
ERR_ADOPT_TITLE = gettext_noop(
    "Give the title of your own 办法: letters cite it (对照《…》有关条款), never the template's.")
ERR_ADOPT_FOREIGN_TITLE = gettext_noop(
    "《%(title)s》 is a document of %(jurisdiction)s. Give the title of your own 办法.")
ERR_ADOPT_TEMPLATE = gettext_noop("Choose a published version of another jurisdiction as the template.")
ERR_ADOPT_OWN = gettext_noop(
    "This is a version of your own jurisdiction: create a new draft from it instead of adopting it.")


def _origin(template: PolicyVersion, *, item: PolicyItem | None = None,
            limit: StageTimeLimit | None = None) -> dict:
    row = item or limit
    return {
        "jurisdiction": template.document.jurisdiction.code,
        "jurisdiction_name": template.document.jurisdiction.name,
        "document": template.document.title,
        "document_code": template.document.code,
        "version": template.pk,
        "version_number": template.number,
        **({"item": item.pk, "article": item.article} if item else {"stage": limit.stage}),
        "source": row.source,
        "certainty": row.certainty,
    }


def _origin_text(origin: dict) -> str:
    """The copy's source as stored (Chinese, as the catalogues' sources)."""
    text = f"取自《{origin['document']}》（{origin['jurisdiction_name']}第{origin['version_number']}版）"
    text += origin.get("article", "")
    return f"{text}；原出处：{origin['source']}" if origin.get("source") else text


def _adoption_document(*, jurisdiction, title: str, number: str, issuer: str):
    """The jurisdiction's document of that title, or a new one."""
    document = jurisdiction.documents.select_for_update().filter(title=title).first()
    if document is not None:
        return document
    taken = set(PolicyDocument.objects.filter(code__startswith=jurisdiction.code).values_list("code", flat=True))
    code, n = f"{jurisdiction.code}-banfa"[:80], 1
    while code in taken:
        n += 1
        code = f"{jurisdiction.code}-banfa-{n}"[:80]
    document = PolicyDocument(jurisdiction=jurisdiction, code=code, title=title, number=number, issuer=issuer)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def policy_version_adopt_template(*, jurisdiction, template: PolicyVersion, actor, title: str,
                                  document_number: str = "", issuer: str = "",
                                  effective_from: dt.date | None = None) -> PolicyVersion:
    """An administrator of ``jurisdiction`` adopts another jurisdiction's
    published version (a shipped catalogue, or one an admin published) as
    the template of his own draft, which he then edits item by item against
    his own 办法 and publishes.

    The draft belongs to his own document ``title`` (created unless the
    jurisdiction has one of that title): letters under it cite that title,
    never the template's. Every item and time limit is copied with where it
    came from (``taken_from``: jurisdiction, version, article, source and
    the certainty it had there); none is confirmed for this jurisdiction:
    items are marked 参照同类规定拟定（待核定）(``RECONSTRUCTED``), time limits
    and durations are example defaults, until the admin confirms each
    against his text. The template's articles are not kept as the item's
    article (they number another text). The procedure settings are not
    copied: they name the other jurisdiction's bodies and rules (issue 16:
    nothing is copied from one jurisdiction into another silently). One
    audit entry names the template and the jurisdiction."""
    if not jurisdiction_admin_can(user=actor, jurisdiction=jurisdiction):
        raise ApplicationError(_(ERR_ADOPT_NOT_ADMIN) % {"jurisdiction": jurisdiction.name},
                               code="permission_denied", status_code=403)
    jurisdiction = Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
    title, document_number, issuer = (title or "").strip(), (document_number or "").strip(), (issuer or "").strip()
    if not title:
        raise ValidationError({"title": _(ERR_ADOPT_TITLE)})
    template = (PolicyVersion.objects.select_related("document__jurisdiction")
                .filter(pk=getattr(template, "pk", None), status=PolicyVersion.Status.PUBLISHED).first())
    if template is None:
        raise ValidationError({"template": _(ERR_ADOPT_TEMPLATE)})
    if template.document.jurisdiction_id == jurisdiction.pk:
        raise ValidationError({"template": _(ERR_ADOPT_OWN)})
    foreign = (PolicyDocument.objects.filter(title=title).exclude(jurisdiction=jurisdiction)
               .select_related("jurisdiction").first())
    if foreign is not None:
        raise ValidationError({"title": _(ERR_ADOPT_FOREIGN_TITLE) % {
            "title": title, "jurisdiction": foreign.jurisdiction.name}})
    draft = jurisdiction_open_draft(jurisdiction)
    if draft is not None:
        raise ApplicationError(_(ERR_ADOPT_OPEN_DRAFT) % {"jurisdiction": jurisdiction.name, "draft": draft},
                               code="open_draft")
    document = _adoption_document(jurisdiction=jurisdiction, title=title, number=document_number, issuer=issuer)
    if effective_from is None:
        latest = document.versions.filter(status=PolicyVersion.Status.PUBLISHED).order_by("-effective_from").first()
        effective_from = timezone.localdate()
        if latest is not None and latest.effective_from >= effective_from:
            effective_from = latest.effective_from + dt.timedelta(days=1)
    # Said on the version itself too (admin page, public portal once published).
    notes = (f"本版以{template.document.jurisdiction.name}《{template.document.title}》第{template.number}版为模板起草："
             f"各条目和时限均取自该版本，在对照《{document.title}》逐项核定之前标注为待核定；该版本的程序设置未复制。")
    version = policy_version_create(document=document, actor=actor, effective_from=effective_from, notes=notes)
    items = list(template.items.order_by("kind", "number"))
    PolicyItem.objects.bulk_create(
        PolicyItem(
            version=version, kind=i.kind, number=i.number, title=i.title, text=i.text, article="",
            source=_origin_text(origin), certainty=Certainty.RECONSTRUCTED, taken_from=origin,
            default_duration_months=i.default_duration_months, exempt_duration_months=i.exempt_duration_months,
            # Another jurisdiction's period is not this one's rule.
            duration_certainty=Certainty.EXAMPLE_DEFAULT if i.default_duration_months is not None
            or i.exempt_duration_months is not None else "",
        )
        for i in items for origin in [_origin(template, item=i)]
    )
    copies = {(i.kind, i.number): i for i in version.items.all()}
    for item in template.items.prefetch_related("contradicts"):
        targets = [copies[(c.kind, c.number)] for c in item.contradicts.all() if (c.kind, c.number) in copies]
        if targets:
            copies[(item.kind, item.number)].contradicts.add(*targets)
    limits = list(template.time_limits.order_by("stage"))
    StageTimeLimit.objects.bulk_create(
        StageTimeLimit(
            version=version, stage=t.stage, amount=t.amount, unit=t.unit, extension_allowed=t.extension_allowed,
            extension_max=t.extension_max, source=f"示例默认（待核定）：{_origin_text(origin)}",
            certainty=Certainty.EXAMPLE_DEFAULT, taken_from=origin,
        )
        for t in limits for origin in [_origin(template, limit=t)]
    )
    _audit(actor=actor, action=PolicyAuditEntry.Action.DRAFT_ADOPTED, version=version, data={
        "jurisdiction": jurisdiction.code, "document": document.title, "document_code": document.code,
        "template_version": template.pk, "template_number": template.number,
        "template_document": template.document.title, "template_jurisdiction": template.document.jurisdiction.code,
        "items": len(items), "time_limits": len(limits), "unconfirmed": len(items) + len(limits),
        "procedure_not_copied": sorted((template.procedure or {}).keys()),
    })
    return version
