"""Field validators shared by the apps' models and API serializers."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE_IN_FUTURE = _("The date %(date)s is later than today (%(today)s); enter the date on which it happened.")


def date_not_in_future(value) -> None:
    """A date of something that has happened (an incident, a meeting held)
    cannot be after today (issue 22: 2030-05-01 was accepted and shown to
    everyone). Today is the local date (TIME_ZONE Asia/Shanghai)."""
    today = timezone.localdate()
    if value is not None and value > today:
        raise ValidationError(DATE_IN_FUTURE, code="date_in_future",
                              params={"date": value.isoformat(), "today": today.isoformat()})
