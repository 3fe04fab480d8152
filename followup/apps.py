from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        # The coordinators' admin lives in followup.review (admin's autodiscovery looks only
        # for followup.admin).
        from .review import admin  # noqa: F401
