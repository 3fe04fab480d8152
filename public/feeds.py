"""Atom feeds of newly published follow-ups: one for the whole site, one per promise."""

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from followup.models import FollowUp
from lofte.models import Promise
from parties.publishers import publishers_for

from . import data

FEED_LENGTH = 20


class PublishersAtomFeed(Atom1Feed):
    """Atom with an <author> for each of the promise's publishers (Django writes one at
    most): name, email and website, in the promise's order."""

    def add_root_elements(self, handler) -> None:
        super().add_root_elements(handler)
        for byline in self.feed.get("publishers") or ():
            handler.startElement("author", {})
            handler.addQuickElement("name", byline.name)
            if byline.email:
                handler.addQuickElement("email", byline.email)
            if byline.url:
                handler.addQuickElement("uri", byline.url)
            handler.endElement("author")


class FollowUpsFeed(Feed):
    """The latest published follow-ups of every promise."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Citizen promises: new follow-ups")

    def subtitle(self) -> str:
        return _("Follow-ups of citizen promises as they are published.")

    def link(self) -> str:
        return reverse("public:start")

    def follow_ups(self):
        fields = (*data.FOLLOW_UP_FIELDS, "promise__slug", "promise__area", "promise__organisers")
        return data.published_follow_ups().select_related("promise").only(*fields)

    def items(self):
        return self.follow_ups()[:FEED_LENGTH]

    def item_title(self, item: FollowUp) -> str:
        return item.title

    def item_description(self, item: FollowUp) -> str:
        return _("A follow-up of the citizen promise %(area)s, covering %(start)s to %(end)s.") % {
            "area": item.promise.area,
            "start": item.covers_from.isoformat(),
            "end": item.covers_to.isoformat(),
        }

    def item_link(self, item: FollowUp) -> str:
        # The newest follow-up has the stable address; the promise page lists them all.
        return reverse("public:promise", args=[item.promise.slug]) + f"#uppfoljning-{item.pk}"

    def item_pubdate(self, item: FollowUp):
        return item.published_at

    def item_updateddate(self, item: FollowUp):
        return item.published_at

    def item_author_name(self, item: FollowUp) -> str:
        # The organising bodies, never a person.
        return item.promise.organisers


class PromiseFollowUpsFeed(FollowUpsFeed):
    """The published follow-ups of one promise, authored by its publishers."""

    feed_type = PublishersAtomFeed

    def feed_extra_kwargs(self, obj: Promise) -> dict:
        return {"publishers": publishers_for(obj)}

    def get_object(self, request: HttpRequest, slug: str) -> Promise:
        return data.get_promise(slug)

    def title(self, obj: Promise) -> str:
        return _("Follow-ups of %(promise)s") % {"promise": obj.title}

    def subtitle(self, obj: Promise) -> str:
        return obj.name

    def link(self, obj: Promise) -> str:
        return reverse("public:promise", args=[obj.slug])

    def items(self, obj: Promise):
        return self.follow_ups().filter(promise=obj)[:FEED_LENGTH]
