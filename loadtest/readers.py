"""Anonymous citizens reading the public side, for `make loadtest-public` (loadtest/run.py
--readers): the start page, a promise page, its follow-up, the API, the feed and the CSV,
spread over both app servers. Every answer must be a 200."""

import itertools
import json
import os
from collections import Counter

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())  # noqa: SIM115
HOSTS = PLAN["hosts"]
SLUG = PLAN["slug"]

statuses: Counter = Counter()
_readers = itertools.count()

PAGES = {
    "start page": "/",
    "promise page": f"/loften/{SLUG}/",
    "follow-up": f"/uppfoljning/{SLUG}/",
    "API promise": f"/api/v1/promises/{SLUG}/",
    "Atom feed": f"/loften/{SLUG}/flode/",
    "CSV": f"/loften/{SLUG}/data/dellofter.csv",
}


@events.request.add_listener
def _count(response=None, exception=None, **kwargs):
    code = getattr(response, "status_code", 0) or 0
    statuses["5xx" if code >= 500 else ("error" if exception and not code else str(code))] += 1


@events.test_stop.add_listener
def _write_outcome(environment, **kwargs):
    total = environment.stats.total
    per_page = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
        }
        for (name, _method), entry in environment.stats.entries.items()
    }
    outcome = {
        "statuses": dict(statuses),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "pages": per_page,
    }
    with open(os.environ["LOADTEST_OUTCOME"], "w", encoding="utf-8") as f:
        json.dump(outcome, f, ensure_ascii=False, indent=1)


class Reader(HttpUser):
    """A citizen: lands on the start page, reads the promise, now and then its follow-up or
    the open data. No login, no cookies kept between pages beyond what the site sets."""

    host = HOSTS[0]
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.base = HOSTS[next(_readers) % len(HOSTS)]
        # Each reader first takes the whole tour once, so that every page is read even in
        # a run of a few seconds; then reads at random.
        for name in PAGES:
            self._get(name)

    def _get(self, name: str) -> None:
        with self.client.get(
            f"{self.base}{PAGES[name]}", name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{name} answered {response.status_code}")
            elif not response.content:
                response.failure(f"{name} answered an empty body")

    @task(3)
    def start_page(self):
        self._get("start page")

    @task(4)
    def promise_page(self):
        self._get("promise page")

    @task(2)
    def follow_up(self):
        self._get("follow-up")

    @task(2)
    def api(self):
        self._get("API promise")

    @task(1)
    def feed(self):
        self._get("Atom feed")

    @task(1)
    def csv(self):
        self._get("CSV")
