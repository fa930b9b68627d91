"""Publication of outcomes and clarifications (DESIGN §2 "Publication").

An administrator of the case's jurisdiction drafts a publication after the
ruling; the text is generated from the case and the names, ID numbers,
phone numbers and addresses in it are hidden by default. Nothing goes out
(now, or later by the beat sweep) unless the leak check finds none of the
hidden terms nor the applicant's identifying fields in the text or the
attached PDF. Withdrawing leaves a notice on the public page, without the
content.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from accounts.models import Role, User
from accounts.selectors import user_has_role
from cases import content_checks
from cases.models import Case
from cases.services import case_event_record, case_lock
from core.exceptions import ApplicationError
from core.history import chain_append
from core.subjects import hook
from policies import procedure
from policies.models import PolicyItem
from reviews.models import Ruling
from reviews.selectors import COUNTERSIGN_AWAITED, countersign_awaited

from . import redaction
from .models import Publication, PublicationEventKind, PublicationLog
from .selectors import RULED_STAGES, clarification_public_get

# --- Messages (English msgids; translated when raised) --------------------------
NOT_ADMIN = gettext_lazy("Only an administrator of the case's jurisdiction may publish about it.")
NOT_RULED = gettext_lazy("An outcome can be published only after the ruling.")
ALREADY_EXISTS = gettext_lazy("This case already has a publication in progress or published.")
NOT_EDITABLE = gettext_lazy("Only a draft can be edited.")
ILLEGAL_STATUS = gettext_lazy("This is not possible while the publication is “%(status)s”.")
LEAKS_FOUND = gettext_lazy(
    "Publication blocked: identifying data found (%(count)s): %(where)s. Hide these terms or edit the text."
)
PUBLISH_AT_PAST = gettext_lazy("The publication time must be in the future; leave it empty to publish now.")
REASON_REQUIRED = gettext_lazy("Give the reason for the withdrawal.")
NOT_A_PDF = gettext_lazy("Only a PDF file can be attached.")
PDF_UNREADABLE = gettext_lazy(
    "The attached PDF has no readable text, so it cannot be checked for personal data. Attach a PDF with a text layer."
)
CLARIFICATION_UNKNOWN = gettext_lazy("There is no issued clarification with public scope for this case.")
EMPTY_TEXT = gettext_lazy("The title and the text may not be empty.")
CLEAR_REASON_REQUIRED = gettext_lazy("Give the reason why this is not a name.")
CLEAR_KNOWN = gettext_lazy("“%(term)s” is a name the case knows; it cannot be waved through.")
CLEAR_NOT_FOUND = gettext_lazy("Only what the name detector found can be waved through; “%(term)s” is not among it.")
RULING_CHANGED = gettext_lazy(
    "This draft was written from a ruling that is no longer the final one (a review has been requested or "
    "decided since). Generate the text again from the final ruling, check it, then publish."
)

# Words in a disclosure-scope item (policy item of kind disclosure_scope)
# that say the unit is to be hidden too.
UNIT_HIDING_WORDS = ("隐去单位", "单位名称")
MAX_PDF_BYTES = 20 * 1024 * 1024

# How the public text names each kind of policy item.
ITEM_KIND_LABELS = {
    PolicyItem.Kind.CONDITION: pgettext_lazy("publication", "Condition"),
    PolicyItem.Kind.POSITIVE: pgettext_lazy("publication", "Scenario (positive list)"),
    PolicyItem.Kind.NEGATIVE: pgettext_lazy("publication", "Negative-list item"),
}

SOURCE_LABELS = {
    "name": gettext_lazy("applicant's name"),
    "username": gettext_lazy("applicant's user name"),
    "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("phone number"),
    "address": gettext_lazy("address"),
    "unit": gettext_lazy("unit name"),
    "added": gettext_lazy("added by the administrator"),
    "known_person": gettext_lazy("person known to the case"),
    "unit_short": gettext_lazy("short form of the unit name"),
    "person": gettext_lazy("person's name (found in the text)"),
    "place": gettext_lazy("place name (found in the text)"),
    "org": gettext_lazy("unit or organisation (found in the text)"),
}


# --- Permission and helpers ------------------------------------------------------


def publication_may_manage(*, case: Case, user: User) -> bool:
    return user_has_role(user, Role.ADMIN, case.unit)


def _guard_admin(case: Case, actor: User) -> None:
    if not publication_may_manage(case=case, user=actor):
        raise ApplicationError(_(NOT_ADMIN), code="permission_denied", status_code=403)


def _guard_status(publication: Publication, *allowed: str) -> None:
    if publication.status not in allowed:
        raise ApplicationError(
            _(ILLEGAL_STATUS) % {"status": Publication.Status(publication.status).label},
            code="illegal_transition", status_code=409,
        )


def _lock(publication: Publication) -> Publication:
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("case__applicant", "case__unit", "jurisdiction")
        .get(pk=publication.pk)
    )


def _log(publication: Publication, action: str, actor: User | None, **data) -> PublicationLog:

    return chain_append(PublicationLog, publication=publication, action=action, actor=actor, data=data)


def _final_ruling(case: Case):
    """The ruling that stands after any review (issue 22: what is published
    is the final ruling). A review that upholds the first ruling leaves the
    first one in force, but the review's reasons and the items it relied on
    are the last word, so the latest ruling is published."""
    return (
        Ruling.objects.filter(case=case)
        .prefetch_related("applied_items")
        .order_by("-created_at", "-id")
        .first()
    )


def policy_hides_unit(version) -> bool:
    """Whether the unit name is hidden by default: the setting
    ``PUBLICATION_REDACT_UNIT_NAME``, or a disclosure-scope item of the
    case's policy version that says so."""
    from django.conf import settings

    if getattr(settings, "PUBLICATION_REDACT_UNIT_NAME", False):
        return True
    # Issue 16: the version's own disclosure rule, where it states one; the
    # words below are only read in versions that do not.
    configured = procedure.hides_unit(version)
    if configured is not None:
        return configured
    texts = PolicyItem.objects.filter(version=version, kind=PolicyItem.Kind.DISCLOSURE_SCOPE).values_list(
        "text", flat=True
    )
    return any(word in text for text in texts for word in UNIT_HIDING_WORDS)


# Sources whose terms are hidden only when the unit name is hidden.
UNIT_SOURCES = ("unit", "unit_short", "org")
# What the name detector finds (redaction.find_names): the only terms an
# administrator may wave through as a false positive.
DETECTOR_SOURCES = ("person", "place", "org")


def _cleared(publication: Publication) -> set[str]:
    return {c["term"] for c in publication.cleared_terms or []}


def _known_people(case: Case) -> list[str]:
    """Every person the case knows: the applicant and whoever filed, acted
    in its history, reviewed it in the unit, was assigned to verify it or
    recused from it. Each is hidden wherever the text names him."""
    from django.db.models import Q

    users = User.objects.filter(
        Q(pk__in=[case.applicant_id, case.created_by_id])
        | Q(pk__in=case.events.values("actor"))
        | Q(pk__in=case.unit_reviews.values("reviewer"))
        | Q(pk__in=case.assignments.values("inspector"))
        | Q(pk__in=case.recusals.values("user"))
    ).exclude(full_name="")
    return sorted({u.full_name.strip() for u in users.only("full_name") if len(u.full_name.strip()) >= 2})


def _public_names(case: Case) -> set[str]:
    """Names that stay: the jurisdiction that publishes and those above it
    (怀来县 in "怀来县容错纠错认定结果")."""
    names, unit = set(), case.jurisdiction
    while unit is not None:
        names.add(unit.name)
        unit = unit.parent
    return names


def _known_units(case: Case) -> list[tuple[str, str]]:
    """The case's unit and the applicant's, with their short forms."""
    jurisdictions = sorted(_public_names(case), key=len, reverse=True)
    out = []
    for unit in {case.unit, case.applicant.org_unit} - {None}:
        out.append((unit.name, "unit"))
        out += [(short, "unit_short") for short in redaction.unit_short_forms(unit.name, jurisdictions)]
    return out


def _detected(texts: list[str], fixed: list[str], public: set[str]) -> list[tuple[str, str]]:
    """The names the detector finds in ``texts``, found again in what is
    left after hiding them (a hidden name changes its neighbours' reading)
    until nothing new turns up, so the leak check, which reads the
    redacted text, finds what redaction hid. Done with the unit names
    hidden and shown alike, since the administrator may switch."""
    found: list[tuple[str, str]] = []
    for with_units in (True, False):
        hidden = list(fixed)
        for _round in range(3):
            new = []
            for text in texts:
                for term, source in redaction.find_names(redaction.redact(text, hidden)):
                    if term in public or (source == "org" and not with_units):
                        continue
                    if term not in hidden:
                        new.append((term, source))
                        hidden.append(term)
            found += [t for t in new if t not in found]
            if not new:
                break
    return found


def _default_terms(case: Case, texts: list[str]) -> list[dict]:
    applicant = case.applicant
    terms: list[tuple[str, str]] = [
        (applicant.full_name, "name"),
        (applicant.username, "username"),
        (applicant.id_number, "id_number"),
        (applicant.phone, "phone"),
    ]
    if case.created_by_id != case.applicant_id:
        terms.append((case.created_by.full_name, "name"))
    terms += [(name, "known_person") for name in _known_people(case)]
    # Names only their app knows, e.g. who reported (clarification cases).
    terms += [(name, "name") for name in hook("case", "publication_hidden_names", lambda c: [])(case)]
    terms += _known_units(case)
    for text in texts:
        terms += [(a, "address") for a in redaction.find_addresses(text)]
        terms += redaction.find_patterns(text)
    terms += _detected(texts, [t for t, _s in terms if t], _public_names(case))
    seen, out = set(), []
    for term, source in terms:
        term = (term or "").strip()
        if term and term not in seen:
            seen.add(term)
            out.append({"term": term, "source": source})
    return out


def publication_terms(publication: Publication) -> list[tuple[str, str]]:
    """Every term hidden in this publication: (term, source). Unit names
    (the case's, their short forms and any organisation the detector
    found) only when the unit name is hidden."""
    cleared = _cleared(publication)
    terms = [
        (t["term"], t["source"]) for t in publication.default_terms
        if (publication.redact_unit or t["source"] not in UNIT_SOURCES)
        and not (t["source"] in DETECTOR_SOURCES and t["term"] in cleared)
    ]
    if publication.redact_unit and publication.unit_name:
        terms.append((publication.unit_name, "unit"))
    terms += [(t, "added") for t in publication.extra_terms]
    return terms


def _identifying_terms(publication: Publication) -> list[tuple[str, str]]:
    """What the leak check looks for: the hidden terms and, whatever the
    admin removed, the applicant's name, ID number and phone."""
    applicant = publication.case.applicant
    return publication_terms(publication) + [
        (applicant.full_name, "name"), (applicant.id_number, "id_number"), (applicant.phone, "phone"),
    ]


# --- The text generated from the case -------------------------------------------------


def _fmt_date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _outcome_text(case: Case, ruling) -> tuple[str, str]:
    # Generated in Chinese whatever the administrator's language: it is the
    # public text of a Chinese authority.
    with translation.override("zh-hans"):
        items = sorted(ruling.applied_items.all(), key=lambda i: (i.kind, i.number))
        lines = [
            _("Result: %(result)s") % {"result": ruling.get_result_display()},
            _("Decided on: %(date)s") % {"date": _fmt_date(ruling.decided_on)},
            _("Unit: %(unit)s") % {"unit": case.unit.name},
            "",
            _("Policy items relied on:"),
        ]
        lines += [
            _("%(kind)s no. %(number)s: %(title)s") % {
                "kind": ITEM_KIND_LABELS.get(item.kind, item.get_kind_display()), "number": item.number,
                "title": (item.title or item.text[:40]) + (f"（{item.mark}）" if item.mark else ""),
            }
            for item in items
        ] or [_("(none recorded)")]
        lines += ["", _("Summary of the facts:"), case.matter.strip()]
        if case.facts_reasons.strip():
            lines.append(case.facts_reasons.strip())
        lines += ["", _("Reasons for the ruling:"), ruling.reasons.strip()]
        title = _("%(jurisdiction)s fault-tolerance ruling: %(title)s") % {
            "jurisdiction": case.jurisdiction.name, "title": case.title,
        }
    return title[:200], "\n".join(lines).strip()


def clarification_issued_on(clarification) -> dt.date:
    issued_on = getattr(clarification, "issued_on", None)
    if issued_on is None and getattr(clarification, "issued_at", None):
        issued_on = timezone.localdate(clarification.issued_at)
    return issued_on or timezone.localdate()


def _clarification_statement(clarification) -> str:
    """The statement's text, or (corrections.models.Clarification) its
    untrue points: a clarification states those points only."""
    statement = getattr(clarification, "statement", None)
    if statement:
        return str(statement).strip()
    points = getattr(clarification, "points", None)
    lines = [_("After verification, the following points of the report proved untrue:")]
    for point in points.all() if points is not None else []:
        lines.append(_("%(number)s. Reported: %(allegation)s Found: %(finding)s") % {
            "number": point.number, "allegation": point.allegation.strip(), "finding": point.finding.strip(),
        })
    return "\n".join(lines)


def _clarification_text(case: Case, clarification) -> tuple[str, str]:
    with translation.override("zh-hans"):
        title = _("%(jurisdiction)s clarification statement") % {"jurisdiction": case.jurisdiction.name}
        lines = [
            _("Issued on: %(date)s") % {"date": _fmt_date(clarification_issued_on(clarification))},
            "",
            _clarification_statement(clarification),
        ]
    return title[:200], "\n".join(lines).strip()


# --- Services ---------------------------------------------------------------------------


def _slug(year: int) -> str:
    # Random: the public address says nothing about the case or its number.
    return f"{year}-{uuid.uuid4().hex[:12]}"


@transaction.atomic
def publication_draft_create(*, case: Case, actor: User, kind: str = Publication.Kind.OUTCOME,
                             clarification_id=None) -> Publication:
    case = case_lock(case)
    case = Case.objects.select_related("applicant", "created_by", "unit", "jurisdiction").get(pk=case.pk)
    _guard_admin(case, actor)
    ref = ""
    if kind == Publication.Kind.CLARIFICATION:
        clarification = clarification_public_get(case=case, clarification_id=clarification_id)
        if clarification is None:
            raise ApplicationError(_(CLARIFICATION_UNKNOWN), code="not_found", status_code=404)
        ref = str(clarification.pk)
        title, body = _clarification_text(case, clarification)
        ruling = _final_ruling(case)
        decided_on = clarification_issued_on(clarification)
    else:
        ruling = _final_ruling(case)
        if ruling is None or case.stage not in RULED_STAGES:
            raise ApplicationError(_(NOT_RULED), code="illegal_transition", status_code=409)
        _countersign_hold(case)
        title, body = _outcome_text(case, ruling)
        decided_on = ruling.decided_on
    if Publication.objects.filter(case=case, kind=kind, ref=ref).exclude(
        status=Publication.Status.WITHDRAWN
    ).exists():
        raise ApplicationError(_(ALREADY_EXISTS), code="conflict", status_code=409)
    publication = Publication.objects.create(
        case=case, kind=kind, ref=ref, slug=_slug(decided_on.year), jurisdiction=case.jurisdiction,
        result=ruling.result if ruling else "", decided_on=decided_on, title=title, body=body,
        default_terms=_default_terms(case, [title, body]), redact_unit=policy_hides_unit(case.policy_version),
        unit_name=case.unit.name, created_by=actor, ruling=ruling,
    )
    _set_scenarios(publication, case, ruling)
    _log(publication, PublicationLog.Action.DRAFTED, actor)
    return publication


def _countersign_hold(case: Case) -> None:
    # Issue 16: a joint decision is published once the 组织部门 countersigned it.
    if countersign_awaited(case) is not None:
        raise ApplicationError(_(COUNTERSIGN_AWAITED), code="countersign_pending", status_code=409)


def _set_scenarios(publication: Publication, case: Case, ruling) -> None:
    scenarios = [i for i in ruling.applied_items.all() if i.kind == PolicyItem.Kind.POSITIVE] if ruling else []
    if not scenarios:
        scenarios = list(case.claimed_scenarios.all())
    publication.scenarios.set(scenarios)


def publication_ruling_stale(publication: Publication) -> bool:
    """Whether an outcome draft no longer rests on the final ruling: a
    review was requested (the case is no longer ruled) or decided since."""
    if publication.kind != Publication.Kind.OUTCOME:
        return False
    case = publication.case
    if case.stage not in RULED_STAGES or countersign_awaited(case) is not None:
        return True
    final = _final_ruling(case)
    return final is not None and publication.ruling_id != final.pk


@transaction.atomic
def publication_regenerate(*, publication: Publication, actor: User) -> Publication:
    """Write an outcome draft's text, hidden terms and scenarios again from
    the final ruling (after a review). The administrator's added terms and
    the unit setting stay."""
    case_lock(publication.case)
    publication = _lock(publication)
    _guard_admin(publication.case, actor)
    if publication.status != Publication.Status.DRAFT:
        raise ApplicationError(_(NOT_EDITABLE), code="illegal_transition", status_code=409)
    case = Case.objects.select_related("applicant", "created_by", "unit", "jurisdiction").get(pk=publication.case_id)
    ruling = _final_ruling(case)
    if ruling is None or case.stage not in RULED_STAGES:
        raise ApplicationError(_(NOT_RULED), code="illegal_transition", status_code=409)
    _countersign_hold(case)
    publication.title, publication.body = _outcome_text(case, ruling)
    publication.default_terms = _default_terms(case, [publication.title, publication.body])
    publication.ruling, publication.result, publication.decided_on = ruling, ruling.result, ruling.decided_on
    publication.save(update_fields=["title", "body", "default_terms", "ruling", "result", "decided_on",
                                    "updated_at"])
    _set_scenarios(publication, case, ruling)
    _log(publication, PublicationLog.Action.UPDATED, actor, fields=["regenerated"], ruling=ruling.pk)
    return publication


@transaction.atomic
def publication_update(*, publication: Publication, actor: User, title: str | None = None,
                       body: str | None = None, extra_terms: list[str] | None = None,
                       redact_unit: bool | None = None, pdf=None, remove_pdf: bool = False) -> Publication:
    """Edit a draft: its text, the terms the admin hides, whether the unit
    is hidden, the attached PDF. Addresses and numbers in a new text are
    found and hidden again."""
    publication = _lock(publication)
    _guard_admin(publication.case, actor)
    if publication.status != Publication.Status.DRAFT:
        raise ApplicationError(_(NOT_EDITABLE), code="illegal_transition", status_code=409)
    fields = []
    if title is not None or body is not None:
        new_title = (title if title is not None else publication.title).strip()
        new_body = (body if body is not None else publication.body).strip()
        if not new_title or not new_body:
            raise ValidationError(_(EMPTY_TEXT))
        publication.title, publication.body = new_title[:200], new_body
        publication.default_terms = _default_terms(publication.case, [new_title, new_body])
        fields += ["title", "body", "default_terms"]
    if extra_terms is not None:
        cleaned = []
        for term in extra_terms:
            term = (term or "").strip()
            if term and term not in cleaned:
                cleaned.append(term[:100])
        publication.extra_terms = cleaned
        fields.append("extra_terms")
    if redact_unit is not None:
        publication.redact_unit = bool(redact_unit)
        fields.append("redact_unit")
    if remove_pdf and publication.pdf:
        publication.pdf.delete(save=False)
        publication.pdf, publication.pdf_name = "", ""
        fields += ["pdf", "pdf_name"]
    if pdf is not None:
        head = pdf.read(5)
        pdf.seek(0)
        if head != b"%PDF-" or pdf.size > MAX_PDF_BYTES:
            raise ValidationError(_(NOT_A_PDF))
        # Published to anyone: no JavaScript, actions or embedded files in
        # it, the same check as a case file's (cases.content_checks).
        try:
            content_checks.check_pdf(pdf, getattr(pdf, "name", "") or "document.pdf")
        except content_checks.ContentRejected as exc:
            raise ValidationError(str(exc)) from None
        publication.pdf.save("upload.pdf", pdf, save=False)
        publication.pdf_name = (getattr(pdf, "name", "") or "document.pdf")[:255]
        fields += ["pdf", "pdf_name"]
    if fields:
        publication.save(update_fields=[*fields, "updated_at"])
        _log(publication, PublicationLog.Action.UPDATED, actor, fields=fields)
    return publication


@dataclass
class Preview:
    publication: Publication
    title: list[tuple[str, str | None]]
    body: list[tuple[str, str | None]]
    terms: list[dict]
    leaks: list[dict] = field(default_factory=list)
    redacted_title: str = ""
    redacted_text: str = ""
    cleared: list[dict] = field(default_factory=list)


def publication_leaks(publication: Publication) -> list[redaction.Leak]:
    """The leak check (read-only): every identifying term found in what
    would go out, i.e. the redacted title and text and the attached PDF."""
    terms = publication_terms(publication)
    fields = [
        (pgettext("publication field", "title"), redaction.redact(publication.title, [t for t, _s in terms])),
        (pgettext("publication field", "text"), redaction.redact(publication.body, [t for t, _s in terms])),
    ]
    if publication.pdf:
        try:
            pages = redaction.pdf_pages_text(publication.pdf.path)
        except redaction.PdfUnreadable:
            pages = []
        if not any(p.strip() for p in pages):
            return [redaction.Leak(_("attached PDF"), "", "pdf", str(_(PDF_UNREADABLE)))]
        for n, text in enumerate(pages, start=1):
            fields.append((_("attached PDF, page %(page)s") % {"page": n}, text))
    leaks = redaction.leak_check(fields, _identifying_terms(publication))
    # Names no list knows: what the detector still finds in what would go
    # out (issue 22: the check fails while any name remains).
    public = _public_names(publication.case)
    cleared = _cleared(publication)
    for where, text in fields:
        for term, source in redaction.find_names(text):
            if term in public or term in cleared or (source == "org" and not publication.redact_unit):
                continue
            if not any(leak.where == where and term in leak.term for leak in leaks):
                leaks += redaction.leak_check([(where, text)], [(term, source)])
    return leaks


def _known_terms(publication: Publication) -> set[str]:
    """Every term the case itself knows: the applicant, whoever acted in
    it, its units and their short forms, and what the administrator added.
    None of them can be waved through."""
    case = publication.case
    applicant = case.applicant
    known = {applicant.full_name, applicant.username, applicant.id_number, applicant.phone,
             case.created_by.full_name, *publication.extra_terms, *_known_people(case),
             *(name for name, _s in _known_units(case))}
    if publication.unit_name:
        known.add(publication.unit_name)
    return {k.strip() for k in known if k and k.strip()}


@transaction.atomic
def publication_clear_term(*, publication: Publication, actor: User, term: str, reason: str) -> Publication:
    """Wave a false positive of the name detector through (issue 22): the
    term is then neither hidden nor reported by the leak check. Only what
    the detector found, never a name the case knows (those still block),
    and only with a reason, which the publication's log keeps."""
    publication = _lock(publication)
    _guard_admin(publication.case, actor)
    if publication.status != Publication.Status.DRAFT:
        raise ApplicationError(_(NOT_EDITABLE), code="illegal_transition", status_code=409)
    term, reason = (term or "").strip(), (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(CLEAR_REASON_REQUIRED)})
    if not term or any(term in known or known in term for known in _known_terms(publication) if len(known) >= 2):
        raise ApplicationError(_(CLEAR_KNOWN) % {"term": term}, code="known_name", status_code=409)
    found = {t["term"] for t in publication.default_terms if t["source"] in DETECTOR_SOURCES}
    found |= {leak.term for leak in publication_leaks(publication) if leak.source in DETECTOR_SOURCES}
    if term not in found:
        raise ApplicationError(_(CLEAR_NOT_FOUND) % {"term": term}, code="not_found", status_code=409)
    if term not in _cleared(publication):
        publication.cleared_terms = [*publication.cleared_terms, {
            "term": term, "reason": reason[:500], "by": actor.pk, "at": timezone.now().isoformat()}]
        publication.save(update_fields=["cleared_terms", "updated_at"])
        _log(publication, PublicationLog.Action.TERM_CLEARED, actor, term=term, reason=reason[:500])
    return publication


def publication_preview(*, publication: Publication, actor: User) -> Preview:
    """What would go out, with every hidden term marked for the admin, and
    the leak check's findings. Reads only."""
    _guard_admin(publication.case, actor)
    terms = publication_terms(publication)
    plain = [t for t, _s in terms]
    return Preview(
        publication=publication,
        title=redaction.segments(publication.title, plain),
        body=redaction.segments(publication.body, plain),
        terms=[{"term": t, "source": s, "label": str(SOURCE_LABELS.get(s, s)), "waivable": s in DETECTOR_SOURCES}
               for t, s in terms],
        leaks=[{**leak.as_dict(), "label": str(SOURCE_LABELS.get(leak.source, leak.source)),
                "waivable": leak.source in DETECTOR_SOURCES} for leak in publication_leaks(publication)],
        cleared=list(publication.cleared_terms or []),
        redacted_title=redaction.redact(publication.title, plain),
        redacted_text=redaction.redact(publication.body, plain),
    )


def _leak_error(leaks: list[redaction.Leak]) -> ApplicationError:
    where = "; ".join(
        f"{leak.where}: “{leak.term}” ({SOURCE_LABELS.get(leak.source, leak.source)}) … {leak.context} …"
        if leak.term else f"{leak.where}: {leak.context}"
        for leak in leaks[:5]
    )
    return ApplicationError(
        _(LEAKS_FOUND) % {"count": len(leaks), "where": where}, code="leak_found",
        extra={"leaks": [leak.as_dict() for leak in leaks]}, status_code=409,
    )


def _go_out(publication: Publication, actor: User | None) -> None:
    """Freeze the redacted copies and publish. Caller holds the locks."""
    plain = [t for t, _s in publication_terms(publication)]
    publication.published_title = redaction.redact(publication.title, plain)
    publication.published_text = redaction.redact(publication.body, plain)
    publication.status = Publication.Status.PUBLISHED
    publication.published_at = timezone.now()
    publication.save(update_fields=["published_title", "published_text", "status", "published_at", "updated_at"])
    _log(publication, PublicationLog.Action.PUBLISHED, actor)
    case = publication.case
    case_event_record(case=case, kind=PublicationEventKind.PUBLISHED, actor=actor, from_stage=case.stage,
                      data={"publication": publication.pk, "kind": publication.kind})


@transaction.atomic
def publication_publish(*, publication: Publication, actor: User,
                        publish_at: dt.datetime | None = None) -> Publication:
    """Publish now, or schedule for ``publish_at`` (the beat sweep then
    publishes it, once). The leak check runs now and again at that time."""
    case_lock(publication.case)
    publication = _lock(publication)
    _guard_admin(publication.case, actor)
    _guard_status(publication, Publication.Status.DRAFT, Publication.Status.SCHEDULED)
    if publication.kind == Publication.Kind.OUTCOME:
        _countersign_hold(publication.case)
    if publication_ruling_stale(publication):
        raise ApplicationError(_(RULING_CHANGED), code="ruling_changed", status_code=409)
    leaks = publication_leaks(publication)
    if leaks:
        raise _leak_error(leaks)
    if publish_at is not None and publish_at <= timezone.now():
        raise ValidationError(_(PUBLISH_AT_PAST))
    if publish_at is not None:
        publication.status = Publication.Status.SCHEDULED
        publication.publish_at = publish_at
        publication.save(update_fields=["status", "publish_at", "updated_at"])
        _log(publication, PublicationLog.Action.SCHEDULED, actor, publish_at=publish_at.isoformat())
        return publication
    _go_out(publication, actor)
    return publication


@transaction.atomic
def publication_publish_scheduled(*, publication_id: int, now: dt.datetime | None = None) -> bool:
    """Publish one scheduled publication whose time has come. Idempotent:
    under the row lock, anything not (still) scheduled and due is left
    alone, so a second sweep or a redelivered task does nothing. A leak
    found now sends it back to draft, logged, instead of out."""
    now = now or timezone.now()
    row = Publication.objects.filter(pk=publication_id).select_related("case").first()
    if row is None:
        return False
    case_lock(row.case)
    publication = _lock(row)
    if publication.status != Publication.Status.SCHEDULED or publication.publish_at is None \
            or publication.publish_at > now:
        return False
    leaks = publication_leaks(publication)
    if leaks or publication_ruling_stale(publication):
        publication.status = Publication.Status.DRAFT
        publication.save(update_fields=["status", "updated_at"])
        _log(publication, PublicationLog.Action.BLOCKED, None, leaks=[leak.as_dict() for leak in leaks])
        return False
    _go_out(publication, None)
    return True


def publication_publish_due(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: publish every scheduled publication that is due.
    Each goes in its own transaction (one bad row does not hold the rest)."""
    now = now or timezone.now()
    ids = list(
        Publication.objects.filter(status=Publication.Status.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "id").values_list("id", flat=True)
    )
    return sum(1 for pk in ids if publication_publish_scheduled(publication_id=pk, now=now))


@transaction.atomic
def publication_withdraw(*, publication: Publication, actor: User, reason: str) -> Publication:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_(REASON_REQUIRED))
    case_lock(publication.case)
    publication = _lock(publication)
    _guard_admin(publication.case, actor)
    _guard_status(publication, Publication.Status.PUBLISHED, Publication.Status.SCHEDULED)
    was_public = publication.status == Publication.Status.PUBLISHED
    publication.status = Publication.Status.WITHDRAWN
    publication.withdrawn_at = timezone.now()
    publication.withdraw_reason = reason
    publication.save(update_fields=["status", "withdrawn_at", "withdraw_reason", "updated_at"])
    _log(publication, PublicationLog.Action.WITHDRAWN, actor, reason=reason)
    if was_public:
        case = publication.case
        case_event_record(case=case, kind=PublicationEventKind.WITHDRAWN, actor=actor, from_stage=case.stage,
                          reason=reason, data={"publication": publication.pk})
    return publication


def publication_withdraw_for_case(*, case: Case, actor: User | None, reason: str) -> int:
    """Withdraw every live outcome publication of ``case`` because its
    ruling no longer stands (careers: a revoked ruling). The caller holds
    the case lock and has checked that ``actor`` may revoke; an outcome that
    no longer stands must not stay public whoever administers the portal.
    Returns how many were withdrawn."""
    live = list(Publication.objects.select_for_update().filter(
        case=case, kind=Publication.Kind.OUTCOME,
        status__in=[Publication.Status.PUBLISHED, Publication.Status.SCHEDULED]))
    for publication in live:
        was_public = publication.status == Publication.Status.PUBLISHED
        publication.status = Publication.Status.WITHDRAWN
        publication.withdrawn_at = timezone.now()
        publication.withdraw_reason = reason
        publication.save(update_fields=["status", "withdrawn_at", "withdraw_reason", "updated_at"])
        _log(publication, PublicationLog.Action.WITHDRAWN, actor, reason=reason)
        if was_public:
            case_event_record(case=case, kind=PublicationEventKind.WITHDRAWN, actor=actor, from_stage=case.stage,
                              reason=reason, data={"publication": publication.pk})
    return len(live)


def publication_may_manage_any(*, user: User) -> bool:
    """Whether ``user`` administers any jurisdiction (the work list)."""
    return user_has_role(user, Role.ADMIN)
