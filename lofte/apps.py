from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LofteConfig(AppConfig):
    name = "lofte"
    verbose_name = _("Citizen promises")

    def ready(self) -> None:
        from django.core import checks

        from .owner import check_owner

        checks.register(check_owner)
