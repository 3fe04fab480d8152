"""The promise's admin with renewal: renewal reads the reports (what is unfinished), so the
follow-up registers the promise's admin again, as a subclass that adds the action."""

from django.contrib import admin

from lofte.admin import PromiseAdmin
from lofte.models import Promise

from .. import renewal

admin.site.unregister(Promise)


@admin.register(Promise)
class RenewablePromiseAdmin(PromiseAdmin):
    actions = [*PromiseAdmin.actions, renewal.make_next_promise]
