"""Rendering the follow-up document as a tagged (PDF/UA-1) PDF with WeasyPrint.

The renderer may fetch only our own static files and `data:` URLs. Everything else, file://
included, is refused, so that no text in the document can make the server read its disk or
call another machine.
"""

import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)

# The address the document is rendered at. Links in it are relative to the site, so they
# resolve under this made-up host (.invalid never resolves) and are then served from disk.
BASE_URL = "https://document.invalid/"
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """A URL that the document renderer will not fetch."""


class StaticFilesFetcher(URLFetcher):
    """Serves the document's own static files and `data:` URLs; refuses everything else."""

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.lower().startswith("data:"):
            # urllib decodes data: URLs itself, without touching disk or network.
            return super().fetch(url, headers)
        path = static_file_path(url)
        if path is None:
            logger.warning("Refused to fetch %s while rendering a document", url)
            raise RefusedURL(f"Only the site's static files may be fetched, not {url!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def static_prefix() -> str:
    """The absolute URL under which static files appear while rendering."""
    return urljoin(BASE_URL, staticfiles_storage.base_url)


def static_file_path(url: str) -> Path | None:
    """The file on disk that a static URL names, or None if it names anything else."""
    prefix = static_prefix()
    if not url.startswith(prefix):
        return None
    name = unquote(urlsplit(url[len(prefix) :]).path)
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    if any(part in {"", ".", ".."} for part in name.split("/")):
        return None
    if posixpath.normpath(name) != name:
        return None
    try:
        found = finders.find(name)
        if not found and settings.STATIC_ROOT:
            candidate = safe_join(settings.STATIC_ROOT, name)
            found = candidate if Path(candidate).is_file() else None
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


def render_pdf(html: str) -> bytes:
    """The HTML document as a tagged PDF (PDF/UA-1: structure tree, language, title)."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)
