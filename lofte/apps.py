from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LofteConfig(AppConfig):
    name = "lofte"
    verbose_name = _("Citizen promises")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from .owner import check_owner, check_owner_named
        from .places import sync_after_migrate

        checks.register(check_owner)
        checks.register(check_owner_named)
        post_migrate.connect(sync_after_migrate, sender=self)
