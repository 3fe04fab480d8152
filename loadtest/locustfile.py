"""Simulated reporters and a coordinator, for `make loadtest` (driven by loadtest/run.py).

Reporters log in, open their dashboard, save drafts of their reports and submit them, spread
over both app servers; one coordinator approves what is submitted. Every save the server
acknowledges is remembered, so that run.py can check afterwards that the database holds
each report's last acknowledged text.
"""

import itertools
import json
import os
import random
import re
from collections import Counter

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())  # noqa: SIM115
HOSTS = PLAN["hosts"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
SELECTED = re.compile(r'name="_selected_action" value="(\d+)"')

acknowledged: dict[str, str] = {}  # report key -> last text the server accepted
statuses: Counter = Counter()
_reporters = itertools.count()
_coordinators = itertools.count()


@events.request.add_listener
def _count(response=None, exception=None, **kwargs):
    code = getattr(response, "status_code", 0) or 0
    statuses["5xx" if code >= 500 else ("error" if exception and not code else str(code))] += 1


@events.test_stop.add_listener
def _write_outcome(environment, **kwargs):
    total = environment.stats.total
    outcome = {
        "acknowledged": acknowledged,
        "statuses": dict(statuses),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
    }
    with open(os.environ["LOADTEST_OUTCOME"], "w", encoding="utf-8") as f:
        json.dump(outcome, f, ensure_ascii=False, indent=1)


class _Session(HttpUser):
    abstract = True
    host = HOSTS[0]

    def _login(self, login_path: str, username: str) -> None:
        page = self.client.get(f"{self.base}{login_path}", name=login_path)
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            f"{self.base}{login_path}",
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": PLAN["password"],
            },
            name=f"{login_path} POST",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused for {username}: {response.status_code}")


class Reporter(_Session):
    wait_time = between(0.2, 1.0)

    def on_start(self):
        number = next(_reporters)
        self.base = HOSTS[number % len(HOSTS)]
        self.me = PLAN["reporters"][number % len(PLAN["reporters"])]
        self.pending = list(self.me["reports"])
        self.saves = 0
        self._login("/accounts/login/", self.me["username"])

    @task(1)
    def dashboard(self):
        self.client.get(f"{self.base}/rapportering/", name="/rapportering/")

    @task(4)
    def work_on_a_report(self):
        if not self.pending:
            return
        url = self.pending[0]
        form = self.client.get(f"{self.base}{url}", name="report form")
        token, version = CSRF.search(form.text), VERSION.search(form.text)
        if not token or not version:  # read-only: already submitted
            self.pending.pop(0)
            return
        self.saves += 1
        submit = self.saves % random.randint(2, 4) == 0  # noqa: S311 (load pattern, not security)
        text = f"{self.me['username']} skrev version {self.saves} av {url}"
        with self.client.post(
            f"{self.base}{url}",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "version": version.group(1),
                "status": "in_progress",
                "achieved": text,
                "obstacles": "",
                "next_steps": "",
                "figures-TOTAL_FORMS": "0",
                "figures-INITIAL_FORMS": "0",
                "figures-MIN_NUM_FORMS": "0",
                "figures-MAX_NUM_FORMS": "1000",
                "action": "submit" if submit else "save",
            },
            name="report submit" if submit else "report save",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            confirm = VERSION.search(response.text) if submit else None
            if response.status_code == 302 and not submit:
                acknowledged[url] = text
                response.success()
            elif response.status_code == 200 and confirm:
                # Handing in saves the draft, then asks for a confirmation.
                acknowledged[url] = text
                response.success()
            elif response.status_code in (403, 409):
                response.success()  # refused on purpose (read-only or a conflict): not lost
            else:
                response.failure(f"save answered {response.status_code}")
        if confirm:
            with self.client.post(
                f"{self.base}{url}",
                data={
                    "csrfmiddlewaretoken": token.group(1),
                    "version": confirm.group(1),
                    "action": "confirm",
                },
                name="report confirm",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code == 302:
                    self.pending.pop(0)
                    response.success()
                else:
                    response.failure(f"confirm answered {response.status_code}")


class Coordinator(_Session):
    fixed_count = 1
    wait_time = between(1.0, 2.0)

    def on_start(self):
        self.base = HOSTS[next(_coordinators) % len(HOSTS)]
        self._login("/admin/login/", PLAN["coordinator"])
        self.list_url = (
            f"{self.base}/admin/followup/statusreport/?state__exact=submitted"
            f"&period__id__exact={PLAN['period']}"
        )

    @task
    def approve_submitted(self):
        page = self.client.get(self.list_url, name="admin list submitted")
        ids = SELECTED.findall(page.text)
        token = CSRF.search(page.text)
        if not ids or not token:
            return
        self.client.post(
            self.list_url,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "action": "approve_reports",
                "_selected_action": ids,
                "index": "0",
            },
            name="admin approve",
        )
