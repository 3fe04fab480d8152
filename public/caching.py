"""Built pages and answers for one promise, kept in the cache per public version.

A promise's page and its API answer take a dozen queries to build; a hundred readers a second
would rebuild them a hundred times. They are kept under a key that carries the promise's
public version (`data.public_version`, one query), which changes when a report is
approved and when a follow-up is published: citizens see those at once. Other edits (the
promise's text, a sub-promise's title) show within CACHE_SECONDS.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from lofte.models import Promise

from .data import public_version

CACHE_SECONDS = 60
T = TypeVar("T")


def cached_for_promise(
    request: HttpRequest, kind: str, promise: Promise, build: Callable[[], T]
) -> T:
    """`build()`'s result for this promise, kept per public version, language and site
    address (pages hold absolute links)."""
    parts = [
        kind,
        promise.pk,
        public_version(promise),
        get_language(),
        request.build_absolute_uri("/"),
    ]
    key = "public:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value
