"""The coordinators' admin of the follow-up, one module a concern: rounds and reminders,
the report list's filters, the review page, follow-ups and highlights, and the promise's
admin with renewal. Importing the package registers them all."""

from . import follow_ups, promises, reports, rounds  # noqa: F401
