"""The history pages ("Historik") in words a coordinator reads: Swedish labels and choice
names instead of codes, local time to the minute, people by name, "okänd" for what is gone.

django-simple-history ships no Swedish and shows raw values ("draft → submitted", UTC
timestamps with microseconds, "Deleted användare (pk=None)"); ScopedHistoryAdmin formats its
changes through HistoryHelper, and `templates/simple_history/object_history_list.html`
formats the rows.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper


def person(user) -> str:
    """A user as people call them: the full name, else the username; "okänd" if none."""
    if user is None or isinstance(user, DeletedObject):
        return _("unknown")
    return user.get_full_name() or user.get_username()


def readable(field: models.Field | None, value) -> str:
    """A field's value as the admin would show it, never a code."""
    if isinstance(value, DeletedObject):
        # simple-history names an empty reference "Deleted … (pk=None)": that is nobody.
        return "–" if value.pk is None else _("unknown")
    if value is None or value == "":
        return "–"
    if isinstance(value, AbstractBaseUser):
        return person(value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "j F Y H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j F Y")
    return value


class HistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if isinstance(value, list):
            return [readable(None, item) for item in value]
        return readable(field, value)
