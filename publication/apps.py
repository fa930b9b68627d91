from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"
    default_auto_field = "django.db.models.BigAutoField"
