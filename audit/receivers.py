"""Sign-ins, sign-in failures, sign-outs, lockouts and the accounts app's
security events into the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from accounts.signals import security_event

from .models import AuditKind, AuditRecord
from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    # The notice on the workbench: the sign-in before this one, and the
    # failures since (kept in the session: the workbench makes no query).
    previous = AuditRecord.objects.filter(kind=AuditKind.LOGIN, actor=user).order_by("-pk").first()
    if request is not None and hasattr(request, "session"):
        failed = AuditRecord.objects.filter(kind=AuditKind.LOGIN_FAILED, username=user.get_username())
        if previous is not None:
            failed = failed.filter(pk__gt=previous.pk)
        request.session["previous_login"] = {
            "at": f"{timezone.localtime(previous.created_at):%Y-%m-%d %H:%M}" if previous else "", "ip": previous.ip if previous else "",
            "failed": failed.count(),
        }
    audit_record(kind=AuditKind.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(kind=AuditKind.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(kind=AuditKind.LOGIN_FAILED, request=request,
                 username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(kind=AuditKind.LOCKED_OUT, request=request, username=str(username or "")[:150],
                 data={"ip": ip_address})


@receiver(security_event, dispatch_uid="audit_security_event")
def _security_event(sender, kind, actor=None, request=None, target="", data=None, **kwargs):
    audit_record(kind=kind, actor=actor, request=request, target=target or "", data=data)
