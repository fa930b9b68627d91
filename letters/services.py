"""Letters: issue (numbered, snapshotted, pending), render (Celery), fail,
regenerate.

The workflow calls ``letter_issue`` inside the transaction of the step that
needs the letter (acceptance, supplement request, non-acceptance, ruling,
review, correction, clarification): the number is allocated and the record
created in that transaction, and the render is queued only after it commits.
"""

import datetime as dt
import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from accounts.selectors import user_has_role
from core.exceptions import ApplicationError
from core.history import sm3_hexdigest
from core.models import OutboxMessage
from core.outbox import MAX_SENDS as OUTBOX_MAX_SENDS
from core.subjects import subject_of
from core.tasks import enqueue

from . import rendering, tasks
from .models import Letter, LetterKind, LetterNumberCounter, LetterVersion, letter_path
from .snapshot import build_context, number_body_for

logger = logging.getLogger(__name__)

ERR_KIND = gettext_noop("Unknown letter kind: %(kind)s.")
ERR_CASE_NUMBER = gettext_noop("A letter needs a case that has a case number.")
ERR_NOT_ADMIN = gettext_noop("Only an administrator of the case's jurisdiction may regenerate its letters.")
ERR_PENDING = gettext_noop("The letter is being prepared; wait until it is ready or has failed.")

# CaseEvent kinds written by this module (cases.models.EventKind may list
# them for their labels; CaseEvent.kind is free text).
EVENT_ISSUED = "letter_issued"
EVENT_READY = "letter_ready"
EVENT_FAILED = "letter_failed"
EVENT_REGENERATED = "letter_regenerated"

MAX_ERROR_LENGTH = 2000


def _event(*, letter: Letter, kind: str, actor: User | None, reason: str = "", **data) -> None:
    """A history event through the owner's one writer: the case's (so that
    whoever it concerns is notified: a ready letter reaches the applicant) or
    the pre-filing's."""
    data = {"letter_id": letter.id, "letter_kind": letter.kind, "number": letter.number, **data}
    owner = letter.case if letter.case_id is not None else letter.prefiling
    subject_of(owner).record_event(owner, kind=kind, actor=actor, reason=reason, data=data)


def _schedule_render(letter_id: int) -> None:
    # In the issuing transaction (the outbox): sent after commit, or later
    # by the relay if the broker is down.
    enqueue(tasks.letter_render, letter_id)


# A render normally ends within seconds, its retries (10, 20, 40 s) within
# about two minutes; a lost render is sent again by the outbox relay once its
# time limit has passed. This sweep is the last resort behind both.
PENDING_GRACE = dt.timedelta(minutes=4)


def letter_pending_sweep(*, grace: dt.timedelta = PENDING_GRACE) -> list[int]:
    """Send the render again for letters still pending after ``grace``: the
    task was never sent (broker down at commit) or was lost. Without this
    such a letter would stay pending, and a pending letter cannot even be
    regenerated. Safe to run twice: rendering a ready letter does nothing.
    Returns the ids sent."""
    cutoff = timezone.now() - grace
    ids = list(Letter.objects.filter(status=Letter.Status.PENDING, updated_at__lt=cutoff)
               .order_by("id").values_list("pk", flat=True))
    if ids:
        # A render the outbox still holds (unsent while the broker is down,
        # or sent and not yet run, which its relay sends again) is not
        # queued a second time; one the relay gave up on is.
        waiting = {args[0] for args in OutboxMessage.objects.filter(
            task=tasks.letter_render.name, done_at__isnull=True, sends__lt=OUTBOX_MAX_SENDS,
        ).values_list("args", flat=True) if args}
        ids = [pk for pk in ids if pk not in waiting]
    for letter_id in ids:
        enqueue(tasks.letter_render, letter_id)
    if ids:
        logger.warning("letters: render sent again for %d pending letter(s): %s", len(ids), ids)
    return ids


def _allocate_number(*, body: str, year: int) -> int:
    """Next sequence number for (body, year). GB/T 9704 §7.2.4: 发文字号 is
    机关代字 + 〔年份〕 + 发文顺序号, one sequence per issuing body and year;
    the kind of letter is in its title, not in its number. The counter row
    stays locked until the issuing transaction ends, so two steps never get
    the same number, and a rolled-back step leaves no gap."""
    LetterNumberCounter.objects.get_or_create(body=body, year=year)
    counter = LetterNumberCounter.objects.select_for_update().get(body=body, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def letter_issue(*, case, kind: str, actor: User | None = None, ref="", context: dict | None = None) -> Letter:
    """Issue the letter ``kind`` of ``case`` (idempotent on case, kind, ref:
    an existing letter is returned unchanged). The caller has checked that
    the step may happen; ``context`` adds or overrides snapshot keys (see
    ``letters.snapshot`` for what each kind expects)."""
    if kind not in LetterKind.values:
        raise ApplicationError(_(ERR_KIND) % {"kind": kind})
    ref = str(ref or "")
    # The case row lock serialises issues for one case (the calling step
    # usually holds it already): the existence check below is then exact.
    case = (
        type(case).objects.select_for_update(of=("self",), no_key=True)
        .select_related("applicant", "unit", "jurisdiction", "policy_version__document__jurisdiction")
        .get(pk=case.pk)
    )
    existing = Letter.objects.filter(case=case, kind=kind, ref=ref).first()
    if existing is not None:
        return existing
    if not case.number:
        raise ApplicationError(_(ERR_CASE_NUMBER))

    issued_on = timezone.localdate()
    body = number_body_for(case)
    seq = _allocate_number(body=body, year=issued_on.year)
    number = f"{body}〔{issued_on.year}〕{seq}号"
    snapshot = build_context(case=case, kind=kind, ref=ref, number=number, issued_on=issued_on,
                             data=context or {})
    letter = Letter.objects.create(
        case=case, kind=kind, ref=ref, number=number, number_body=body, number_year=issued_on.year,
        number_seq=seq, issued_on=issued_on, issued_by=actor, context=snapshot,
    )
    _event(kind=EVENT_ISSUED, actor=actor, letter=letter)
    _schedule_render(letter.id)
    return letter


def letter_issue_for_prefiling(*, prefiling, body: str, actor: User | None, context_for) -> Letter:
    """Issue the registration decision (报备容错受理决定书) of ``prefiling``
    inside the registering step's transaction (which holds the filing's row
    lock): numbered in the issuing body's one sequence, snapshotted by
    ``context_for(number, issued_on)``, rendered after commit. Idempotent: an
    existing one is returned."""
    kind = LetterKind.PREFILING_REGISTRATION
    existing = Letter.objects.filter(prefiling=prefiling, kind=kind, ref="").first()
    if existing is not None:
        return existing
    issued_on = timezone.localdate()
    seq = _allocate_number(body=body, year=issued_on.year)
    number = f"{body}〔{issued_on.year}〕{seq}号"
    letter = Letter.objects.create(
        prefiling=prefiling, kind=kind, number=number, number_body=body, number_year=issued_on.year,
        number_seq=seq, issued_on=issued_on, issued_by=actor, context=context_for(number, issued_on),
    )
    _event(kind=EVENT_ISSUED, actor=actor, letter=letter)
    _schedule_render(letter.id)
    return letter


def letter_render(*, letter_id: int) -> Letter:
    """Render the letter and store its PDF (called by the Celery task).

    Not atomic on purpose: rendering takes a fraction of a second to seconds
    and must not hold the row lock; the result is stored under the lock
    afterwards. A ready letter with the current template version is left as
    it is, so a redelivered task stores nothing twice; the file name carries
    the template version and the hash, so an identical render lands on the
    identical file. Raises ``rendering.LetterRenderError`` for a letter that
    cannot be rendered as it stands, other exceptions for transient trouble.
    """
    letter = Letter.objects.get(pk=letter_id)
    version = rendering.template_version(letter.kind)
    if letter.status == Letter.Status.READY and letter.template_version == version:
        return letter
    Letter.objects.filter(pk=letter_id).update(attempts=F("attempts") + 1)
    pdf = rendering.render_pdf(letter.kind, letter.context)
    sha256 = hashlib.sha256(pdf).hexdigest()
    # SM3 beside SHA-256 (GB/T 32905-2016, for a 商用密码 review).
    sm3 = sm3_hexdigest(pdf)
    path = letter_path(letter, f"{letter.number_year}-{letter.number_seq}-{letter.kind}-{version}-{sha256[:16]}.pdf")

    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter_id)
        if letter.status == Letter.Status.READY and letter.template_version == version:
            return letter
        if not default_storage.exists(path):
            saved = default_storage.save(path, ContentFile(pdf))
            if saved != path:  # pragma: no cover - a race on the same name
                default_storage.delete(saved)
        letter.file.name = path
        letter.size = len(pdf)
        letter.sha256 = sha256
        letter.sm3 = sm3
        letter.template_version = version
        letter.status = Letter.Status.READY
        letter.error = ""
        letter.rendered_at = timezone.now()
        letter.save(update_fields=["file", "size", "sha256", "sm3", "template_version", "status", "error",
                                   "rendered_at", "updated_at"])
        _event(kind=EVENT_READY, actor=None, letter=letter, sha256=sha256, sm3=sm3, template_version=version)
    return letter


@transaction.atomic
def letter_mark_failed(*, letter_id: int, error: str, final: bool = True) -> Letter | None:
    """Record a render error. ``final``: no more attempts will be made, the
    letter shows as failed; otherwise it stays pending with the error noted
    while the task retries. A letter that meanwhile became ready stays so."""
    letter = Letter.objects.select_for_update().filter(pk=letter_id).first()
    if letter is None or letter.status == Letter.Status.READY:
        return letter
    letter.error = error[:MAX_ERROR_LENGTH]
    fields = ["error", "updated_at"]
    if final and letter.status != Letter.Status.FAILED:
        letter.status = Letter.Status.FAILED
        fields.append("status")
        _event(kind=EVENT_FAILED, actor=None, letter=letter, reason=letter.error)
    letter.save(update_fields=fields)
    return letter


def letter_may_regenerate(*, letter: Letter, actor: User) -> bool:
    return bool(actor.is_superuser or user_has_role(actor, Role.ADMIN, org_unit=letter.jurisdiction))


@transaction.atomic
def letter_regenerate(*, letter: Letter, actor: User) -> Letter:
    """Render the letter again from its snapshot (after a template fix, or to
    retry a failed render). The current file and version are kept as a
    ``LetterVersion``; number and content stay the same."""
    letter = (Letter.objects.select_for_update(of=("self",))
              .select_related("case__jurisdiction", "prefiling__jurisdiction").get(pk=letter.pk))
    if not letter_may_regenerate(letter=letter, actor=actor):
        raise ApplicationError(_(ERR_NOT_ADMIN), status_code=403, code="permission_denied")
    if letter.status == Letter.Status.PENDING:
        raise ApplicationError(_(ERR_PENDING))
    old = {"status": letter.status, "template_version": letter.template_version, "sha256": letter.sha256}
    if letter.status == Letter.Status.READY and letter.file:
        LetterVersion.objects.create(
            letter=letter, template_version=letter.template_version, file=letter.file.name, size=letter.size,
            sha256=letter.sha256, sm3=letter.sm3, rendered_at=letter.rendered_at, replaced_by=actor,
        )
    letter.status = Letter.Status.PENDING
    letter.error = ""
    letter.attempts = 0
    letter.file.name = ""
    letter.size = None
    letter.sha256 = ""
    letter.sm3 = ""
    letter.template_version = ""
    letter.rendered_at = None
    letter.save(update_fields=["status", "error", "attempts", "file", "size", "sha256", "sm3",
                               "template_version", "rendered_at", "updated_at"])
    _event(kind=EVENT_REGENERATED, actor=actor, letter=letter, previous=old)
    _schedule_render(letter.id)
    return letter
