"""The publishers a promise's outputs name: its own, in its order, or else the site's owner.

Every output of one promise (its page, its follow-ups' cover and footer, its feed, its
Schema.org data, its widget) reads them here, so that they all agree and none names another
promise's publishers. A promise that names none falls back to the site's owner from settings
(lofte/owner.py), whom the site-wide pages name anyway. One query, whatever the number of
promises or publishers.
"""

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.templatetags.static import static

from lofte.formats import join_in_words
from lofte.owner import get_owner

from .models import Publisher


@dataclass(frozen=True)
class Byline:
    """A publisher as an output names it."""

    name: str
    url: str = ""
    email: str = ""
    address: str = ""
    # The logo's address on this site: the publisher's versioned logo or a static file.
    logo: str = ""
    logo_alt: str = ""
    # The same logo as a data: URL, for the PDF, whose renderer fetches nothing else but our
    # static files (loaded only when asked for: the page needs only the address).
    logo_data: str = ""
    logo_width: int | None = None
    logo_height: int | None = None

    @property
    def url_label(self) -> str:
        """The address as people say it: goteborg.se, not https://goteborg.se/."""
        split = urlsplit(self.url)
        return (split.netloc.removeprefix("www.") + split.path).rstrip("/")


@dataclass(frozen=True)
class Publishers:
    """A promise's publishers in order; `own` is False when they are the site's owner."""

    bylines: tuple[Byline, ...]
    own: bool

    def __iter__(self) -> Iterator[Byline]:
        return iter(self.bylines)

    def __len__(self) -> int:
        return len(self.bylines)

    @property
    def names(self) -> str:
        """“Göteborgs Stad och Polisen lokalpolisområde Hisingen”."""
        return join_in_words([byline.name for byline in self.bylines])

    @property
    def with_logo(self) -> list[Byline]:
        return [byline for byline in self.bylines if byline.logo]


def owner_byline() -> Byline:
    owner = get_owner()
    return Byline(
        name=owner.name,
        url=owner.url,
        email=owner.email,
        address=owner.address,
        logo=static(owner.logo) if owner.logo else "",
        logo_alt=owner.logo_alt,
    )


def byline(publisher: Publisher, *, embed_logo: bool = False) -> Byline:
    logo_data = ""
    if embed_logo and publisher.logo_version and publisher.logo:
        logo_data = "data:image/png;base64," + base64.b64encode(bytes(publisher.logo)).decode()
    return Byline(
        name=publisher.name,
        url=publisher.url,
        email=publisher.email,
        address=publisher.address,
        logo=publisher.logo_url,
        logo_alt=publisher.name,
        logo_data=logo_data,
        logo_width=publisher.logo_width,
        logo_height=publisher.logo_height,
    )


PUBLISHER_FIELDS = ["name", "address", "email", "url", "logo_width", "logo_height", "logo_version"]


def promise_publishers(
    promise_ids: Iterable[int], *, embed_logos: bool = False
) -> dict[int, list[Publisher]]:
    """Each promise's own publishers in the promise's order, in one query (none without ids):
    the one reading of them, for the pages, the document, the feed and open data alike.

    The logos' bytes are read only with `embed_logos` (for the PDF)."""
    from lofte.models import PromisePublisher

    ids = list(promise_ids)
    found: dict[int, list[Publisher]] = {pk: [] for pk in ids}
    if not ids:
        return found
    fields = PUBLISHER_FIELDS + (["logo"] if embed_logos else [])
    rows = (
        PromisePublisher.objects.filter(promise__in=ids)
        .select_related("publisher")
        .only("promise_id", "publisher", *(f"publisher__{name}" for name in fields))
        .order_by("position", "pk")
    )
    for row in rows:
        found[row.promise_id].append(row.publisher)
    return found


def publishers_of(promise_ids: Iterable[int], *, embed_logos: bool = False) -> dict:
    """Each promise's Publishers as its outputs name them (the site's owner for a promise
    without), in one query."""
    owner = Publishers((owner_byline(),), own=False)
    return {
        pk: Publishers(tuple(byline(p, embed_logo=embed_logos) for p in found), own=True)
        if found
        else owner
        for pk, found in promise_publishers(promise_ids, embed_logos=embed_logos).items()
    }


def publishers_for(promise, *, embed_logos: bool = False) -> Publishers:
    """The promise's Publishers, in one query."""
    return publishers_of([promise.pk], embed_logos=embed_logos)[promise.pk]
