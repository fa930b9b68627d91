from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("Letters")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db import models

        from cases.registry import register_event_labels

        from . import services

        class LetterEvent(models.TextChoices):
            ISSUED = services.EVENT_ISSUED, _("Letter issued")
            READY = services.EVENT_READY, _("Letter ready")
            FAILED = services.EVENT_FAILED, _("Letter failed to render")
            REGENERATED = services.EVENT_REGENERATED, _("Letter regenerated")

        register_event_labels(LetterEvent)
