"""Notifications: who hears of what, in the centre and by e-mail.

Rules:
- nobody is notified of his own action (``actor`` is always left out);
- e-mail follows each user's ``NotificationPreference``: immediate (a task
  per notification, enqueued after commit), daily digest (one beat task a
  day), or none;
- every e-mail service locks the notification rows and sets ``emailed_at``
  in the same transaction, so a retried or duplicated task sends nothing
  twice (short of a crash between the SMTP hand-over and the commit).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.events import event_audience as registered_audience
from core.exceptions import ApplicationError
from core.subjects import hook
from core.tasks import enqueue_each

from . import tasks
from .models import Notification, NotificationPreference
from .selectors import (
    APPLICANT,
    COMMITTEE,
    INSPECTORS,
    INTAKE,
    UNIT_REVIEWERS,
    AudienceCache,
    audience_users,
    case_url,
)

logger = logging.getLogger(__name__)

PREFERENCE_INVALID = gettext_noop("Choose one of the e-mail options.")

# Pseudo-tokens for case_event_notify: the people who handle the stage the
# case moved to (STAGE) or left (PREVIOUS_STAGE), from STAGE_HANDLERS.
STAGE = "stage"
PREVIOUS_STAGE = "previous_stage"

# Who handles a case in each cases.models.Stage (DESIGN §2).
STAGE_HANDLERS: dict[str, tuple[str, ...]] = {
    "draft": (APPLICANT,),
    "unit_review": (UNIT_REVIEWERS,),
    "submitted": (INTAKE,),
    "supplement": (APPLICANT,),
    "verification": (INSPECTORS,),
    "defence": (APPLICANT, INSPECTORS),
    "deliberation": (COMMITTEE,),
    "ruled": (APPLICANT, UNIT_REVIEWERS),
    "review": (COMMITTEE,),
    "correction": (APPLICANT, INSPECTORS),
    "clarification": (APPLICANT, INSPECTORS),
    "closed": (APPLICANT,),
}

# Who is concerned by each kind of case event: registered with the kind by
# the app that writes it (core.events), as tokens of notifications.selectors
# plus STAGE / PREVIOUS_STAGE. The actor of the event is always left out.


@dataclass
class NotificationItem:
    recipients: Iterable
    kind: str
    message: str
    actor: User | None = None
    case: object | None = None
    url: str = ""
    event_id: int | None = None
    created: list[Notification] = field(default_factory=list)


def _user_id(x) -> int | None:
    return x if isinstance(x, int) else getattr(x, "pk", None)


@transaction.atomic
def notify_many(*, items: list[NotificationItem]) -> list[Notification]:
    """Create the notifications of several messages at once (one query for
    the recipients, one insert), and enqueue the immediate e-mails after
    commit. Each item's ``created`` lists its notifications."""
    wanted: set[int] = set()
    for item in items:
        wanted.update(uid for uid in map(_user_id, item.recipients) if uid is not None)
    if not wanted:
        return []
    users = {
        pk: (email, mode)
        for pk, email, mode in User.objects.filter(pk__in=wanted, is_active=True).values_list(
            "pk", "email", "notification_preference__email_mode"
        )
    }
    rows: list[Notification] = []
    for item in items:
        actor_id = _user_id(item.actor)
        seen: set[int] = set()
        for uid in map(_user_id, item.recipients):
            # Nobody is notified of his own action.
            if uid is None or uid == actor_id or uid in seen or uid not in users:
                continue
            seen.add(uid)
            note = Notification(
                recipient_id=uid, actor_id=actor_id, case_id=_user_id(item.case),
                kind=item.kind, message=item.message, url=item.url, event_id=item.event_id,
            )
            item.created.append(note)
            rows.append(note)
    Notification.objects.bulk_create(rows)
    immediate = [
        n.pk for n in rows
        if users[n.recipient_id][0]
        and (users[n.recipient_id][1] or NotificationPreference.EmailMode.IMMEDIATE)
        == NotificationPreference.EmailMode.IMMEDIATE
    ]
    if immediate:
        # The outbox, in the notifying transaction: sent after commit.
        enqueue_each(tasks.notification_email_send_task, [(pk,) for pk in immediate])
    return rows


def notify(*, recipients, actor, kind: str, message: str, case=None, url: str = "",
           event_id: int | None = None) -> list[Notification]:
    """Notify ``recipients`` (users or ids) of something ``actor`` did or the
    system noticed (``actor=None``). The actor himself is never notified.
    E-mails go out after the caller's transaction commits."""
    if case is not None and not url:
        url = case_url(_user_id(case))
    item = NotificationItem(
        recipients=recipients, kind=kind, message=message, actor=actor, case=case, url=url, event_id=event_id
    )
    notify_many(items=[item])
    return item.created


def _case_label(case) -> str:
    return f"{case.number or '#' + str(case.pk)} {case.title}".strip()


def event_audience(event) -> tuple[str, ...]:
    tokens = registered_audience(event.kind)
    out: list[str] = []
    for token in tokens:
        if token == STAGE:
            out.extend(STAGE_HANDLERS.get(event.to_stage or event.case.stage, ()))
        elif token == PREVIOUS_STAGE:
            out.extend(STAGE_HANDLERS.get(event.from_stage, ()))
        else:
            out.append(token)
    return tuple(dict.fromkeys(out))


def _case_event_model():
    # The history model of cases, reached through our own foreign key: the
    # infrastructure names no workflow model.
    return Notification._meta.get_field("event").related_model


def case_event_notify(*, event_id: int) -> list[Notification]:
    """Notify everyone concerned by the case event ``event_id`` (see
    the kind's registered audience). Safe to run twice: a second run for the same event
    finds the notifications already made and does nothing."""
    event = (
        _case_event_model().objects.select_related(
            "case__applicant", "case__created_by", "case__unit", "case__jurisdiction", "actor"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return []
    with transaction.atomic():
        # Lock the case row: two deliveries of the same task serialise here,
        # and the second sees the first one's notifications (the unique
        # constraint on (event, recipient) backs this up).
        type(event.case).objects.select_for_update(of=("self",), no_key=True).filter(pk=event.case_id).first()
        if Notification.objects.filter(event_id=event.pk).exists():
            return []
        recipients = audience_users(case=event.case, audience=event_audience(event), cache=AudienceCache())
        if event.kind == LETTER_READY:
            return _letter_ready_notify(event, recipients)
        with translation.override(settings.LANGUAGE_CODE):
            message = _("%(case)s: %(event)s by %(actor)s.") % {
                "case": _case_label(event.case),
                "event": event.kind_label,
                "actor": event.actor.display_name if event.actor else _("the system"),
            }
            if event.reason:
                message += " " + _("Reason: %(reason)s") % {"reason": event.reason}
            message += _deadlines_text(event)
        return _notify_collapsed(event, recipients, message)


# Issue 22: one case's whole life sent its applicant 41 notifications, a
# bare "系统文书已生成" for each letter, and the 补正 notice without its
# deadline. Now a ready letter is named and joins the unread notice of the
# step that issued it; a step names the deadlines it opened; and a repeat
# (same case, same kind, still unread) replaces the earlier notice.
LETTER_READY = "letter_ready"
# Time limits that a party must meet, named in the notice of the step that
# started them (the others are the handlers' own, shown on their queues).
PARTY_CLOCKS = ("supplement", "defence", "review_request", "rectification")


def _date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _step_events(event):
    """The case's events after ``event`` that are not letters': the next
    one bounds what ``event``'s step did (a step writes its event, then opens
    its clocks and issues its letters, in one transaction)."""
    # The case's history model is the event's own (cases sits above us).
    return type(event).objects.filter(case_id=event.case_id).exclude(kind__startswith="letter_")


def _deadlines_text(event) -> str:
    """The party's time limits the step that wrote ``event`` started, with
    their due dates ("补正材料期限：2026年12月15日。")."""
    following = _step_events(event).filter(pk__gt=event.pk).order_by("pk").first()
    # The clocks through the case's relation (deadlines sits above us).
    clocks = event.case.clocks.filter(
        stage__in=PARTY_CLOCKS, status="running", due_date__isnull=False, created_at__gte=event.created_at,
    )
    if following is not None:
        clocks = clocks.filter(created_at__lt=following.created_at)
    return "".join(
        " " + _("Time limit for %(stage)s: %(date)s.") % {"stage": clock.get_stage_display(), "date": _date(clock.due_date)}
        for clock in clocks.order_by("due_date", "id")
    )


def _no_title(kind):
    return None


def _letter_text(event) -> str:
    data = event.data or {}
    # The letters app registers its kinds' titles (letters/events.py).
    title = hook("letter", "title", _no_title)(data.get("letter_kind"))
    return _("The document “%(title)s” (%(number)s) is ready to download.") % {
        "title": title or data.get("letter_kind") or "",
        "number": data.get("number") or "",
    }


def _issuing_step_event(event):
    """The event of the step that issued the letter of ``event`` (a ready
    letter): the last non-letter event before the letter was issued."""
    letter_id = (event.data or {}).get("letter_id")
    issued = type(event).objects.filter(case_id=event.case_id, kind="letter_issued",
                                      data__letter_id=letter_id).order_by("pk").first()
    if issued is None:
        return None
    return _step_events(event).filter(pk__lt=issued.pk).order_by("-pk").first()


def _letter_ready_notify(event, recipients) -> list[Notification]:
    """A ready letter joins the recipient's unread notice of the step that
    issued it;
    whoever has none (read already, or not told of the step) gets a notice
    of its own. A second run adds nothing: the text names the number."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _letter_text(event)
        message = _("%(case)s: %(text)s") % {"case": _case_label(event.case), "text": text}
    number = (event.data or {}).get("number") or text
    issued = _issuing_step_event(event)
    unread: dict[int, Notification] = {}
    if issued is not None:
        unread = {
            n.recipient_id: n for n in Notification.objects.select_for_update().filter(
                event_id=issued.pk, read_at__isnull=True, recipient_id__in=[_user_id(r) for r in recipients],
            )
        }
    rest, joined = [], []
    for user in recipients:
        note = unread.get(_user_id(user))
        if note is None:
            rest.append(user)
        elif number not in note.message:
            note.message = f"{note.message} {text}"
            note.save(update_fields=["message"])
            joined.append(note)
        else:
            joined.append(note)
    return joined + notify(recipients=rest, actor=None, kind=event.kind, message=message, case=event.case,
                           event_id=event.pk)


def _notify_collapsed(event, recipients, message) -> list[Notification]:
    """Notify, except that a recipient who has not yet read the earlier
    notice of the same kind on the same case gets that notice updated (the
    latest text, now) instead of a second one."""
    ids = [_user_id(r) for r in recipients]
    earlier = {
        n.recipient_id: n for n in Notification.objects.select_for_update().filter(
            case_id=event.case_id, kind=event.kind, read_at__isnull=True, recipient_id__in=ids,
        ).exclude(recipient_id=_user_id(event.actor))
    } if ids else {}
    fresh = [r for r in recipients if _user_id(r) not in earlier]
    for note in earlier.values():
        note.message, note.event_id, note.created_at = message, event.pk, timezone.now()
        note.actor_id = _user_id(event.actor)
        note.save(update_fields=["message", "event", "created_at", "actor"])
    return list(earlier.values()) + notify(
        recipients=fresh, actor=event.actor, kind=event.kind, message=message, case=event.case, event_id=event.pk,
    )


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read (404 for anyone else's)."""
    note = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if note is None:
        raise Http404
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, user: User, email_mode: str) -> NotificationPreference:
    if email_mode not in NotificationPreference.EmailMode.values:
        raise ApplicationError(_(PREFERENCE_INVALID))
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"email_mode": email_mode}
    )
    if pref.email_mode != email_mode:
        pref.email_mode = email_mode
        pref.save(update_fields=["email_mode", "updated_at"])
    return pref


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if url and base else url


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification, once. Returns False when there is nothing
    to do (already e-mailed, read in the meantime, no address)."""
    note = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if note is None or note.emailed_at is not None or note.read_at is not None:
        return False
    if not note.recipient.email or not note.recipient.is_active:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Fault-tolerance cases] %(message)s") % {"message": note.message[:60]}
        body = note.message
        if note.url:
            body += "\n\n" + _absolute(note.url)
    # Inside the transaction on purpose: if the mail server refuses, the row
    # stays un-emailed and the task's retry sends it.
    send_mail(subject, body, None, [note.recipient.email])
    note.emailed_at = timezone.now()
    note.save(update_fields=["emailed_at"])
    return True


@transaction.atomic
def notification_digest_send(*, user_id: int) -> int:
    """One e-mail with all of a digest user's unread, not yet e-mailed
    notifications. Returns how many it contained (0: nothing sent)."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return 0
    notes = list(
        Notification.objects.select_for_update()
        .filter(recipient_id=user_id, read_at__isnull=True, emailed_at__isnull=True)
        .order_by("created_at", "id")
    )
    if not notes:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Fault-tolerance cases] %(count)s new notifications") % {"count": len(notes)}
        lines = []
        for n in notes:
            line = f"- {timezone.localtime(n.created_at):%Y-%m-%d %H:%M} {n.message}"
            if n.url:
                line += f"\n  {_absolute(n.url)}"
            lines.append(line)
        body = "\n".join(lines)
    send_mail(subject, body, None, [user.email])
    Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
    return len(notes)
