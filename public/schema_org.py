"""Schema.org JSON-LD for the public pages, so that search engines know what they show."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from parties.publishers import Byline, Publishers, owner_byline

from . import data

# As django.utils.html.json_script: nothing in the data can close the <script> element.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def script(payload: dict) -> SafeString:
    text = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


def organisation(promise) -> dict:
    return {"@type": "GovernmentOrganization", "name": promise.organisers}


def publisher_node(request: HttpRequest, byline: Byline) -> dict:
    node = {"@type": "GovernmentOrganization", "name": byline.name}
    if byline.url:
        node["url"] = byline.url
    if byline.email:
        node["email"] = byline.email
    if byline.address:
        node["address"] = byline.address
    if byline.logo:
        node["logo"] = request.build_absolute_uri(byline.logo)
    return node


def site_owner(request: HttpRequest) -> dict:
    """The organisation that runs the site (settings, lofte/owner.py)."""
    return publisher_node(request, owner_byline())


def publishers(request: HttpRequest, names: Publishers) -> dict | list[dict]:
    """A promise's own publishers in order, or the site's owner for a promise without."""
    if not names.own:
        return site_owner(request)
    return [publisher_node(request, byline) for byline in names]


def start_page(request: HttpRequest) -> SafeString:
    url = request.build_absolute_uri(reverse("public:start"))
    return script(
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": "Medborgarlöften",
            "url": url,
            "inLanguage": "sv",
            "publisher": site_owner(request),
        }
    )


def promise_page(request: HttpRequest, view: data.PromiseView, names: Publishers) -> SafeString:
    promise = view.promise
    publisher = publishers(request, names)
    absolute = request.build_absolute_uri
    page = absolute(reverse("public:promise", args=[promise.slug]))
    graph = [
        {
            "@type": "WebPage",
            "@id": page,
            "url": page,
            "name": str(promise.title),
            "description": promise.name,
            "inLanguage": "sv",
            "publisher": publisher,
            "about": {"@id": f"{page}#dataset"},
        },
        {
            "@type": "Dataset",
            "@id": f"{page}#dataset",
            "name": f"Uppföljning av {str(promise.title).lower()}",
            "description": "Dellöften och godkänd status per rapporteringsomgång.",
            "url": page,
            "license": "https://creativecommons.org/publicdomain/zero/1.0/",
            "creator": organisation(promise),
            "publisher": publisher,
            "spatialCoverage": promise.area,
            "temporalCoverage": f"{promise.starts_on.isoformat()}/{promise.ends_on.isoformat()}",
            "distribution": [
                {
                    "@type": "DataDownload",
                    "encodingFormat": "text/csv",
                    "contentUrl": absolute(reverse("public:statuses_csv", args=[promise.slug])),
                }
            ],
        },
    ]
    for index, follow_up in enumerate(view.follow_ups):
        report = {
            "@type": "Report",
            "name": follow_up.title,
            "datePublished": follow_up.published_at.date().isoformat(),
            "inLanguage": follow_up.language,
            "author": organisation(promise),
            "publisher": publisher,
            "about": {"@id": page},
        }
        if index == 0:
            report["url"] = absolute(reverse("document:follow_up", args=[promise.slug]))
        graph.append(report)
    return script({"@context": "https://schema.org", "@graph": graph})
