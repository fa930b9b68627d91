from django.apps import AppConfig


class PrefilingsConfig(AppConfig):
    name = "prefilings"
    default_auto_field = "django.db.models.BigAutoField"
