"""Hostile input that reaches the database is a 400, not a 500.

Ids and filter values arrive from URLs and forms as text. Where a view or Django admin hands
such text to the database without cleaning it (an action's selection, a changelist filter),
the database layer refuses it: a number its column cannot hold, a word where a number goes,
a NUL character (PostgreSQL). Those refusals are the client's fault, so they are answered
with the styled 400 page and logged as a warning; every other exception is left alone.
"""

import logging

from django.db import DataError
from django.views.defaults import bad_request

logger = logging.getLogger("django.security.BadInput")

# The messages with which Django and psycopg refuse a value (not a program's own mistakes).
_REFUSALS = ("expected a number but got", "cannot contain NUL", "NUL (0x00)")


def is_bad_input(exception: BaseException) -> bool:
    if isinstance(exception, (OverflowError, DataError)):
        return True
    if isinstance(exception, (ValueError, TypeError)):
        return any(text in str(exception) for text in _REFUSALS)
    return False


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_bad_input(exception):
            return None
        logger.warning("Bad Request: %s: %r", request.path, exception)
        response = bad_request(request, exception)
        # Logged once, with the reason, here; django.request would log it again without.
        response._has_been_logged = True
        return response
