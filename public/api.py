"""A read-only JSON API of what citizens may see, described by OpenAPI 3.1 (`openapi.py`).

Plain JsonResponse views: three resources do not need a framework. Ids are the database's
primary keys and the promise's slug, which never change once published.
"""

import re
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from lofte.models import Municipality
from outcomes.data import outcomes_for

from . import data
from .caching import cached_for_promise
from .openapi import openapi_description

PAGE_SIZE = 50
MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")


def _json(payload: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    # Open data: any site may read it from a browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _progress(progress: data.Progress) -> dict:
    return {bucket: progress.counts[bucket] for bucket in data.PROGRESS_LABELS}


def _follow_up(request: HttpRequest, follow_up, slug: str, latest: bool) -> dict:
    return {
        "id": follow_up.pk,
        "title": follow_up.title,
        "covers_from": follow_up.covers_from.isoformat(),
        "covers_to": follow_up.covers_to.isoformat(),
        "published_at": follow_up.published_at.isoformat(),
        "language": follow_up.language,
        "html_url": request.build_absolute_uri(reverse("document:follow_up", args=[slug]))
        if latest
        else None,
        "pdf_url": request.build_absolute_uri(reverse("document:follow_up_pdf", args=[slug]))
        if latest
        else None,
    }


def _municipality(municipality) -> dict:
    county = municipality.county
    return {
        "code": municipality.code,
        "name": municipality.name,
        "county": {"code": county.code, "name": county.name},
    }


def _publisher(publisher) -> dict:
    return {"name": publisher.name, "url": publisher.url or None}


def _promise_summary(
    request: HttpRequest, promise, progress, follow_ups, municipalities, publishers
) -> dict:
    return {
        "id": promise.pk,
        "slug": promise.slug,
        "area": promise.area,
        "name": promise.name,
        "title": str(promise.title),
        "starts_on": promise.starts_on.isoformat(),
        "ends_on": promise.ends_on.isoformat(),
        "previous_id": promise.previous_id,
        "municipalities": [_municipality(municipality) for municipality in municipalities],
        "publishers": [_publisher(publisher) for publisher in publishers],
        "url": request.build_absolute_uri(reverse("public:api_promise", args=[promise.slug])),
        "html_url": request.build_absolute_uri(reverse("public:promise", args=[promise.slug])),
        "progress": _progress(progress),
        "follow_ups": [
            _follow_up(request, follow_up, promise.slug, index == 0)
            for index, follow_up in enumerate(follow_ups)
        ],
    }


@require_safe
def index(request: HttpRequest) -> JsonResponse:
    return _json(
        {
            "promises": request.build_absolute_uri(reverse("public:api_promises")),
            "openapi": request.build_absolute_uri(reverse("public:api_openapi")),
        }
    )


def _municipality_filter(code: str | None) -> str | None:
    """Why `?municipality=` cannot be used, or None if it can (or is not given)."""
    if code is None:
        return None
    if not MUNICIPALITY_CODE.fullmatch(code):
        return "municipality must be a municipality's four-digit code, e.g. 1480."
    if not Municipality.objects.filter(pk=code).exists():
        return f"No municipality has the code {code}."
    return None


@require_safe
def promises(request: HttpRequest) -> JsonResponse:
    """Every promise, newest first, a page at a time; those of one municipality with
    `?municipality=<code>`."""
    code = request.GET.get("municipality")
    problem = _municipality_filter(code)
    if problem:
        return _json({"detail": problem}, status=400)
    promises = data.public_promises()
    if code is not None:
        promises = promises.filter(municipalities=code)
    page = Paginator(promises, PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    ids = [promise.pk for promise in on_page]
    progress = data.progress_of(ids) if ids else {}
    follow_ups = data.follow_ups_of(ids)
    municipalities = data.municipalities_of(ids)
    publishers = data.publishers_of(ids)

    def link(number):
        query = {"municipality": code} if code is not None else {}
        url = reverse("public:api_promises") + "?" + urlencode({**query, "page": number})
        return request.build_absolute_uri(url)

    return _json(
        {
            "count": page.paginator.count,
            "page": page.number,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [
                _promise_summary(
                    request,
                    promise,
                    progress.get(promise.pk, data.Progress()),
                    follow_ups[promise.pk],
                    municipalities[promise.pk],
                    publishers[promise.pk],
                )
                for promise in on_page
            ],
        }
    )


@require_safe
def promise(request: HttpRequest, slug: str) -> HttpResponse:
    """One promise with its focus areas, rounds, sub-promises, approved statuses, figures
    and published follow-ups. Kept encoded in the cache (encoding it is most of a hit's cost)."""
    try:
        promise = data.get_promise(slug)
    except Http404:
        return _json({"detail": "Not found."}, status=404)

    def build() -> bytes:
        return _json(_promise_body(request, promise)).content

    response = HttpResponse(
        cached_for_promise(request, "api", promise, build), content_type="application/json"
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _promise_body(request: HttpRequest, promise) -> dict:
    view = data.promise_view(promise)
    body = _promise_summary(
        request,
        view.promise,
        view.progress,
        view.follow_ups,
        data.municipalities_of([promise.pk])[promise.pk],
        data.publishers_of([promise.pk])[promise.pk],
    )
    body.update(
        {
            "text": view.promise.text,
            "organisers": view.promise.organisers,
            "next_ids": [renewal.pk for renewal in view.next],
            "focus_areas": [
                {
                    "id": area.focus_area.pk,
                    "position": area.focus_area.position,
                    "name": area.focus_area.name,
                    "rationale": area.focus_area.rationale,
                    "commitments": [
                        {"id": c.pk, "position": c.position, "text": c.text}
                        for c in area.commitments
                    ],
                }
                for area in view.focus_areas
            ],
            "rounds": [
                {
                    "id": period.pk,
                    "name": period.name,
                    "starts_on": period.starts_on.isoformat(),
                    "deadline": period.deadline.isoformat(),
                    "is_open": period.is_open,
                }
                for period in view.periods
            ],
            "sub_promises": [_sub_promise(sub) for sub in view.sub_promises],
            **_outcomes(outcomes_for(view.promise)),
        }
    )
    return body


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _outcomes(outcomes) -> dict:
    """The problem picture and the outcome indicators, with every value and its source."""
    return {
        "problems": [
            {
                "id": view.problem.pk,
                "position": view.problem.position,
                "title": view.problem.title,
                "description": view.problem.description,
                "evidence": view.problem.evidence,
                "sources": view.problem.source_lines,
                "commitment_ids": [c.pk for c in view.problem.commitments.all()],
            }
            for view in outcomes.problems
        ],
        "outcome_indicators": [
            {
                "id": view.indicator.pk,
                "position": view.indicator.position,
                "name": view.indicator.name,
                "description": view.indicator.description,
                "unit": view.indicator.unit,
                "direction": view.indicator.direction,
                "problem_id": view.indicator.problem_id,
                "baseline": {
                    "value": _number(view.indicator.baseline_value),
                    "year": view.indicator.baseline_year,
                },
                "target": {
                    "value": _number(view.indicator.target_value),
                    "year": view.indicator.target_year,
                },
                "source": view.indicator.source,
                "kolada_kpi": view.indicator.kolada_kpi,
                "summary": view.sentence,
                "values": [
                    {
                        "year": value.year,
                        "value": float(value.value),
                        "source": value.source or view.indicator.source,
                        "note": value.note,
                    }
                    for value in view.indicator.values.all()
                ],
            }
            for view in outcomes.indicators
        ],
    }


def _sub_promise(sub: data.SubPromiseView) -> dict:
    sub_promise = sub.sub_promise
    indicator = None
    if sub_promise.indicator_label:
        target = sub_promise.indicator_target
        indicator = {
            "label": sub_promise.indicator_label,
            "unit": sub_promise.indicator_unit,
            "target": float(target) if target is not None else None,
        }
    return {
        "id": sub_promise.pk,
        "number": sub.number,
        "focus_area_id": sub_promise.focus_area_id,
        "position": sub_promise.position,
        "title": sub_promise.title,
        "description": sub_promise.description,
        "indicator": indicator,
        "partners": [
            {"name": name, "role": "lead" if is_lead else "co"} for name, is_lead in sub.partners
        ],
        "continues_id": sub_promise.derived_from_id,
        "continued_by_ids": [next_sub.pk for next_sub in sub.continued_by],
        "statuses": [
            {
                "round_id": round_status.period.pk,
                "status": round_status.status,
                "achieved": round_status.report.achieved,
                "figures": [
                    {"label": f.label, "value": float(f.value), "unit": f.unit}
                    for f in round_status.figures
                ],
            }
            for round_status in sub.rounds
            if round_status.report is not None
        ],
    }


@require_safe
def openapi(request: HttpRequest) -> JsonResponse:
    return _json(openapi_description(request.build_absolute_uri(reverse("public:api_index"))))
