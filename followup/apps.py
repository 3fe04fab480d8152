from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        # The coordinators' admin lives in followup.review (admin's autodiscovery looks only
        # for followup.admin).
        # A render whose worker died shows as failed, to be published again, after the
        # worker's next recovery pass (lofte/jobs.py), as every background job does.
        from lofte.jobs import add_recovery

        from .document.publishing import recover_stale_publications
        from .review import admin  # noqa: F401

        add_recovery(recover_stale_publications)
