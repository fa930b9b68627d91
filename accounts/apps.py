from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks

        post_migrate.connect(lambda **kw: checks.warn_demo_users(), sender=self, weak=False,
                             dispatch_uid="accounts_demo_users")
