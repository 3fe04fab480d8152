"""The site's owner: the organisation that publishes the follow-ups, shown on every public
page, the error pages and the follow-up document's cover.

It comes from settings (environment variables), not from the database: it is a fact of the
deployment like its host name, the 500 page must show it with the database down, it costs no
query, and its logo is a static file that WhiteNoise serves and the PDF renderer may fetch
(nothing is uploaded, so no uploaded SVG can carry a script).

Templates read it with `{% load owner %}{% site_owner as owner %}`.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks

register = template.Library()

LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif"}


@dataclass(frozen=True)
class Owner:
    name: str
    url: str
    email: str
    address: str
    logo: str  # a static file's name, e.g. "img/owner-logo.svg"; empty for none
    logo_alt: str

    @property
    def url_label(self) -> str:
        """The address as people say it: goteborg.se, not https://goteborg.se/."""
        split = urlsplit(self.url)
        return (split.netloc.removeprefix("www.") + split.path).rstrip("/")


def get_owner() -> Owner:
    """The owner as settings name it."""
    return Owner(
        name=settings.OWNER_NAME,
        url=settings.OWNER_URL,
        email=settings.OWNER_EMAIL,
        address=settings.OWNER_ADDRESS,
        logo=settings.OWNER_LOGO,
        logo_alt=settings.OWNER_LOGO_ALT or settings.OWNER_NAME,
    )


@register.simple_tag
def site_owner() -> Owner:
    return get_owner()


def check_owner(**kwargs) -> list[checks.CheckMessage]:
    """The logo must be one of our static images: the PDF renderer fetches nothing else."""
    logo = settings.OWNER_LOGO
    if not logo:
        return []
    path = PurePosixPath(logo)
    if path.is_absolute() or ".." in path.parts or path.suffix.lower() not in LOGO_TYPES:
        return [
            checks.Error(
                f"DJANGO_OWNER_LOGO must name an image among the static files "
                f"({', '.join(sorted(LOGO_TYPES))}), e.g. img/owner-logo.svg, not {logo!r}.",
                id="lofte.E001",
            )
        ]
    if not finders.find(logo):
        return [
            checks.Error(
                f"DJANGO_OWNER_LOGO {logo!r} is not among the static files; put it in static/ "
                f"or in the folder DJANGO_OWNER_STATIC_DIR names.",
                id="lofte.E002",
            )
        ]
    return []


def check_owner_named(**kwargs) -> list[checks.CheckMessage]:
    """A site with debug off should say who runs it rather than show the placeholder."""
    if settings.DEBUG or settings.OWNER_NAME != settings.OWNER_NAME_PLACEHOLDER:
        return []
    return [
        checks.Warning(
            "DJANGO_OWNER_NAME is not set: every page names the site's owner as "
            f"“{settings.OWNER_NAME_PLACEHOLDER}”.",
            hint="Set DJANGO_OWNER_NAME (and DJANGO_OWNER_URL, DJANGO_OWNER_EMAIL, "
            "DJANGO_OWNER_ADDRESS) to the organisation that runs the site: docs/settings.md.",
            id="lofte.W001",
        )
    ]
