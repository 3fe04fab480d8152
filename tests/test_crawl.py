"""Every URL pattern of the project, walked with hostile input, answers without a 5xx.

The patterns come from the root urlconf, so a page added later is crawled too. Each is
requested as anonymous, a reporter, a coordinator and a superuser, with real ids (ours and
another promise's) and hostile ones (non-numeric, huge, negative, NUL), hostile query strings
(NUL, huge integers, unknown filters, bad page and ordering numbers, each changelist's own
filters fed nonsense) and hostile POST bodies (NUL, odd charsets). The data is built once per
role; the whole crawl stays well under a minute per database.
"""

import datetime
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from lofte.models import Promise

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
)
from .document_data import make_follow_up
from .outcomes_data import add_outcomes
from .public_data import build_world

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
HOSTILE_IDS = ["abc", HUGE, "-1", "%00"]
HOSTILE_QUERIES = [
    "q=%00",
    "q=" + "x" * 2000,
    "p=-1",
    f"p={HUGE}",
    "o=999",
    "o=-1.x",
    "foo__bar=1",
    "page=%00",
    f"page={HUGE}",
    "e=1",
    "_changelist_filters=%00",
    "next=%00",
    "q=%FF%FE%C3",  # not UTF-8
]
# The POST bodies sent to every page: NUL characters, huge numbers, undecodable bytes.
HOSTILE_BODIES = [
    ("application/x-www-form-urlencoded", b"name=%00&id=99999999999999999999&action=%00"),
    ("application/x-www-form-urlencoded; charset=utf-16", b"name=\xff\xfe\x00&x=\xd8"),
    ("application/x-www-form-urlencoded", b"name=%FF%FE&email=\xff@example.org"),
    ("application/x-www-form-urlencoded; charset=no-such-charset", b"name=\xff"),
    ("multipart/form-data; boundary=xyz; charset=latin-1", b"--xyz--\r\nbroken\xff"),
]

_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?[^()]*\)")


@dataclass
class Pattern:
    route: str  # the pattern's full route, e.g. "admin/lofte/promise/<path:object_id>/change/"
    names: list[str] = field(default_factory=list)  # its placeholders, in order

    @property
    def model(self):
        """The admin model the route belongs to, if it is an admin route."""
        match = re.match(r"admin/(\w+)/(\w+)/", self.route)
        if match:
            try:
                return apps.get_model(match[1], match[2])
            except LookupError:
                return None
        return None

    def url(self, values: list[str]) -> str:
        route, values = self.route, list(values)

        def take(_match):
            return values.pop(0)

        route = _CONVERTER.sub(take, route)
        route = _GROUP.sub(lambda m: values.pop(0) if values else "x", route)
        route = route.replace("^", "").replace("$", "").replace(".*", "x")
        return "/" + route


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            names = [m["name"] for m in _CONVERTER.finditer(route)]
            names += [m["name"] or "arg" for m in _GROUP.finditer(route)]
            yield Pattern(route, names)


def all_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns))


def test_the_crawl_reaches_every_part_of_the_project():
    routes = [p.route for p in all_patterns()]
    for part in [
        "rapportering/omgang/<int:period_id>/dellofte/<int:sub_promise_id>/",
        "uppfoljning/<slug:slug>/utkast/<int:pk>/pdf/",
        "accounts/reset/<uidb64>/<token>/",
        "admin/r/<path:content_type_id>/<path:object_id>/",
        "admin/autocomplete/",
        "admin/followup/statusreport/<path:object_id>/history/",
        "admin/followup/reportingperiod/<path:object_id>/overview/",
        "admin/lofte/subpromise/import/",
        "api/v1/promises/<slug:slug>/",
        "loften/<slug:slug>/",
    ]:
        assert part in routes
    changelists = {p.model for p in all_patterns() if re.fullmatch(r"admin/\w+/\w+/", p.route)}
    assert set(admin.site._registry) <= changelists


@dataclass
class World:
    ours: Promise
    theirs: Promise
    users: dict
    ids: dict  # placeholder name -> real values (ours first)


def build() -> World:
    world = build_world()
    call_command("freeze_follow_ups", verbosity=0)  # as `load_demo` does: served, not rendered
    ours = world.promise
    make_follow_up(ours, title="Utkast")
    # Renewing these must not trip on 29 February or on the last year a date can hold.
    Promise.objects.filter(pk=ours.pk).update(ends_on=datetime.date(2028, 2, 29))
    last = make_promise("Sista", ends_on=datetime.date(9999, 12, 31))
    theirs = make_promise("Angered")
    partner = make_partner("Angeredsbostäder")
    sub = make_sub_promise(make_focus_area(theirs, "Boende"), partner, title="Trapphusvärdar")
    period = make_period(theirs, name="Omgång Angered")
    make_report(sub, period, state="submitted", submitted_at=timezone.now())
    make_follow_up(theirs)
    add_outcomes(theirs, indicators=1, years=2)
    reporter = make_reporter(world.breakfasts.responsibilities.first().partner, "rapportor")
    coordinator = make_coordinator(ours, "samordnare")
    last.coordinators.add(coordinator)
    superuser = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    make_period(ours, name="Öppen", is_open=True)
    ids = {
        "period_id": [str(ours.periods.order_by("-pk").first().pk), str(period.pk)],
        "sub_promise_id": [str(world.breakfasts.pk), str(sub.pk)],
        "slug": [ours.slug, theirs.slug],
        "code": ["1480", "2321"],  # a municipality with promises, one without
        "pk": [str(ours.follow_ups.order_by("-pk").first().pk), str(theirs.follow_ups.get().pk)],
        "token": ["abc"],
        "uidb64": ["MQ"],
        "app_label": ["lofte"],
        "content_type_id": [],
    }
    users = {
        "anonymous": None,
        "reporter": reporter,
        "coordinator": coordinator,
        "superuser": superuser,
    }
    return World(ours, theirs, users, ids)


def _real_ids(pattern: Pattern, name: str, world: World) -> list[str]:
    model = pattern.model
    if name in ("object_id", "arg") and model is not None:
        pks = model._default_manager.order_by("pk").values_list("pk", flat=True)
        return [str(pk) for pk in {pks.first(), pks.last()} if pk is not None]
    if name == "content_type_id":
        from django.contrib.contenttypes.models import ContentType

        return [str(ContentType.objects.get_for_model(Promise).pk)]
    if name == "object_id":  # admin/r/<content_type_id>/<object_id>/
        return [str(world.ours.pk), str(world.theirs.pk)]
    return world.ids.get(name, ["1"])


def urls_for(pattern: Pattern, world: World, hostile_count: int, turn: int) -> list[str]:
    """The pattern with real values, then with hostile values in each placeholder."""
    if not pattern.names:
        return [pattern.url([])]
    real = [(_real_ids(pattern, n, world) or ["1"]) for n in pattern.names]
    urls = set()
    for i in range(max(len(r) for r in real)):
        urls.add(pattern.url([r[min(i, len(r) - 1)] for r in real]))
    # Each pattern gets its share of the hostile ids, in turn, so that all are tried.
    hostile = [HOSTILE_IDS[(turn + i) % len(HOSTILE_IDS)] for i in range(hostile_count)]
    for position in range(len(pattern.names)):
        for value in hostile:
            values = [r[0] for r in real]
            values[position] = value
            urls.add(pattern.url(values))
    return sorted(urls)


def filter_queries(model) -> list[str]:
    """Each changelist filter's own parameter, fed a huge number, NUL and a word."""
    model_admin = admin.site._registry[model]
    params = []
    for entry in model_admin.list_filter:
        if isinstance(entry, (tuple, list)):
            entry = entry[0]
        if isinstance(entry, type) and issubclass(entry, SimpleListFilter):
            params.append(entry.parameter_name)
            continue
        last = entry.split("__")[-1]
        try:
            field_ = model._meta.get_field(last) if "__" not in entry else None
        except Exception:
            field_ = None
        if field_ is None or field_.is_relation:
            params += [f"{entry}__id__exact", f"{entry}__in"]
        else:
            params += [f"{entry}__exact"]
    if model_admin.date_hierarchy:
        params += [f"{model_admin.date_hierarchy}__year"]
    # A huge number to one parameter, NUL to the next, and so on.
    return [f"{p}={(HUGE, '%00')[i % 2]}" for i, p in enumerate(params)]


class Crawler:
    def __init__(self, user):
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user)
        self.failures: list[str] = []
        self.requests = 0
        self._last_error = None
        got_request_exception.connect(self._record)

    def _record(self, sender, request=None, **kwargs):
        import sys

        self._last_error = repr(sys.exc_info()[1])

    def check(self, method: str, url: str, **kwargs) -> None:
        self._last_error = None
        self.requests += 1
        if method == "generic":  # raw bytes, sent as they are
            response = self.client.generic(kwargs.pop("verb"), url, **kwargs)
        else:
            response = getattr(self.client, method)(url, **kwargs)
        if response.status_code >= 500:
            self.failures.append(
                f"{method.upper()} {url} {response.status_code} {self._last_error}"
            )

    def close(self):
        got_request_exception.disconnect(self._record)


def share(items: list, turn: int, everything: bool, size: int = 3) -> list:
    """All the items, or `size` of them, a different few each turn."""
    if everything:
        return items
    return [items[(turn * size + i) % len(items)] for i in range(size)]


# The PDFs render in seconds; their hostile ids are crawled, their real ones only once.
SLOW = ("pdf/",)


@pytest.mark.parametrize("role", ["anonymous", "reporter", "coordinator", "superuser"])
def test_no_page_answers_hostile_input_with_a_server_error(role, settings):
    settings.DEBUG = False
    world = build()
    user = world.users[role]
    staff = role in ("coordinator", "superuser")
    coordinator = role == "coordinator"
    crawler = Crawler(user)
    try:
        for turn, pattern in enumerate(all_patterns()):
            if pattern.route.startswith("admin/logout") or pattern.route.startswith(
                "accounts/logout"
            ):
                continue  # logging out would end the crawl's session
            # The coordinator gets the most (admin's scoping is theirs); the other roles a
            # share of the hostile input, in turn, so that every kind is tried on every page.
            urls = urls_for(pattern, world, hostile_count=2 if coordinator else 1, turn=turn)
            if pattern.route.endswith(SLOW) and role != "superuser":
                urls = [u for u in urls if any(h in u for h in HOSTILE_IDS)]
            for url in urls:
                crawler.check("get", url)
            plain = pattern.url([]) if not pattern.names else None
            if plain is None or pattern.route.endswith(SLOW):
                continue
            admin_page = plain.startswith("/admin/")
            changelist = pattern.model is not None and pattern.route.count("/") == 3
            public = not admin_page and role in ("anonymous", "coordinator")
            if (staff and changelist) or public:
                everything = public or (coordinator and turn % 2 == 0)
                for query in share(HOSTILE_QUERIES, turn, everything, size=6):
                    crawler.check("get", f"{plain}?{query}")
            if coordinator and changelist:
                for query in filter_queries(pattern.model):
                    crawler.check("get", f"{plain}?{query}")
            if (staff and not changelist) or public:
                for content_type, body in share(HOSTILE_BODIES, turn, everything=not admin_page):
                    crawler.check(
                        "generic", plain, verb="POST", data=body, content_type=content_type
                    )
        if staff:
            crawl_admin_actions(crawler, world)
    finally:
        crawler.close()
    assert crawler.failures == [], "\n".join(crawler.failures)
    assert crawler.requests > 300


def crawl_admin_actions(crawler: Crawler, world: World) -> None:
    """The changelist actions, fed hostile selections, and the renewal at odd dates."""
    turn = 0
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for name in model_admin.get_actions(_request(crawler)) or ["delete_selected"]:
            turn += 1
            selected = HOSTILE_IDS[turn % len(HOSTILE_IDS)]
            data = {"action": name, "_selected_action": [selected, "1"], "index": 0}
            crawler.check("post", url, data=data)
    url = "/admin/lofte/promise/"
    for promise in Promise.objects.all():
        selected = {"action": "make_next_promise", "_selected_action": [promise.pk], "index": 0}
        crawler.check("post", url, data=selected)
        for starts_on, ends_on in [
            ("9999-12-31", "9999-12-31"),
            ("0001-01-01", "0001-01-01"),
            ("2028-02-29", "2029-02-29"),
            (HUGE, "%00"),
        ]:
            body = {**selected, "apply": "1", "slug": f"ny-{promise.pk}"}
            body.update(starts_on=starts_on, ends_on=ends_on)
            crawler.check("post", url, data=body)


def _request(crawler: Crawler):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(pk=crawler.client.session["_auth_user_id"])
    return request
