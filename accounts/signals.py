"""Security events of the accounts app (role changes, users disabled or
enabled, password changes, sessions ended, tokens issued or revoked, second
factors refused). Sent synchronously, so a receiver's writes share the
sender's transaction (a refused step leaves no record). The audit app
subscribes (audit.receivers): accounts sits below it and must not import it.
``kind`` is one of audit.models.AuditKind's values."""

from django.dispatch import Signal

# kwargs: kind, actor, request, target, data
security_event = Signal()
