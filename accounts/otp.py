"""The second factor, set up by its owner (GB/T 22239-2019 8.1.4.1 d: two
or more authentication techniques): a TOTP device (django-otp) enrolled
from a QR code that the page draws itself (segno, inline SVG: no script,
no image from elsewhere), and ten one-time backup codes for a lost phone.

A user who must sign in with a second factor and has none yet signs in with
his password once and can then do nothing but set it up
(``accounts.middleware``); with ``OTP_SELF_ENROL`` off the security
administrator creates devices in the admin instead. Setting up or replacing
the device ends the user's other sessions and his API tokens."""

import base64

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .services import user_sessions_end
from .signals import security_event

BACKUP_CODES = 10
PENDING = "pending"
# Session key: signed in with the password alone, to set up the second factor.
ENROL_SESSION_KEY = "otp_enrol"
CODE_REFUSED = gettext_noop("The code does not match: check the phone's clock and type the code it shows now.")


def otp_has_device(user: User) -> bool:
    """A confirmed second factor of any kind (app or backup codes)."""
    return any(True for _ in devices_for_user(user, confirmed=True))


def otp_pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False, name=PENDING).first()


@transaction.atomic
def otp_enrol_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device (a new key) for ``user``; the one he
    has keeps working until the new one is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=PENDING, confirmed=False)


def otp_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as a QR code, an inline SVG."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, title=_("QR code for your authenticator app"))


def otp_secret(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing in by hand."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def otp_enrol_confirm(*, user: User, device: TOTPDevice, token: str, request=None) -> list[str]:
    """Confirm ``device`` with a code it shows; it replaces every other app
    device of ``user``, new backup codes replace the old ones (returned, to
    be shown once), his other sessions and his tokens end."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token((token or "").strip()):
        raise ValidationError(_(CODE_REFUSED), code="otp_refused")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.name = "authenticator"
    device.save(update_fields=["confirmed", "name"])
    codes = otp_backup_codes_new(user=user, request=request)
    security_event.send(sender=User, kind="otp_enrolled", actor=user, request=request,
                        target=f"user:{user.username}", data={"user": user.username})
    user_sessions_end(user=user, reason="otp_enrolled", actor=user, request=request)
    return codes


@transaction.atomic
def otp_backup_codes_new(*, user: User, request=None) -> list[str]:
    """Ten new one-time backup codes (the old ones stop working)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    security_event.send(sender=User, kind="otp_backup_codes", actor=user, request=request,
                        target=f"user:{user.username}", data={"user": user.username, "codes": len(codes)})
    return codes


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="otp_backup_codes_follow_the_app")
def _backup_codes_follow_the_app(sender, instance, **kwargs):
    # The security administrator deletes a lost phone's device in the admin:
    # its backup codes go with it, and the user sets both up again.
    if instance.confirmed and not TOTPDevice.objects.filter(user_id=instance.user_id, confirmed=True).exists():
        StaticDevice.objects.filter(user_id=instance.user_id).delete()
