"""Open data of a promise, with no personal data: two CSV files described by CSVW metadata,
and a DCAT-AP-SE catalogue (JSON-LD) of every promise's datasets for the national portal.

The CSV columns are declared once (`STATUS_COLUMNS`, `FIGURE_COLUMNS`); the files and their
CSVW metadata are both written from them, so that they cannot disagree.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from lofte.owner import get_owner

from . import data

LICENSE = "http://creativecommons.org/publicdomain/zero/1.0/"
# Cells a spreadsheet would run as a formula get a leading apostrophe, as our exports do.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    datatype: str
    description: str


STATUS_COLUMNS = [
    Column("promise", "Medborgarlöfte", "string", "The promise's stable id (its slug)."),
    Column("sub_promise_id", "Dellöfte-id", "integer", "The sub-promise's stable id."),
    Column("number", "Nummer", "string", "Focus area and position, e.g. 1.4."),
    Column("focus_area", "Fokusområde", "string", "The focus area's name."),
    Column("title", "Dellöfte", "string", "The sub-promise's title."),
    Column("lead_partner", "Ansvarig part", "string", "The lead partner (an organisation)."),
    Column(
        "partners", "Parter", "string", "Every responsible partner, lead first, '; '-separated."
    ),
    Column("round_id", "Omgång-id", "integer", "The reporting round's stable id."),
    Column("round", "Omgång", "string", "The reporting round's name."),
    Column("round_deadline", "Omgångens slutdatum", "date", "The round's deadline."),
    Column(
        "status",
        "Status",
        "string",
        "Approved status: done, partly_done, in_progress, not_started or not_done; "
        "empty when no report of the round is approved.",
    ),
]
FIGURE_COLUMNS = [
    Column("promise", "Medborgarlöfte", "string", "The promise's stable id (its slug)."),
    Column("sub_promise_id", "Dellöfte-id", "integer", "The sub-promise's stable id."),
    Column("number", "Nummer", "string", "Focus area and position, e.g. 1.4."),
    Column("round_id", "Omgång-id", "integer", "The reporting round's stable id."),
    Column("round", "Omgång", "string", "The reporting round's name."),
    Column("label", "Mått", "string", "What was counted."),
    Column("value", "Värde", "decimal", "The figure of the approved report."),
    Column("unit", "Enhet", "string", "The unit, e.g. st."),
]


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(columns: list[Column], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def status_rows(view: data.PromiseView) -> list[list]:
    """One row per sub-promise and round (one row without a round if there is none)."""
    rows = []
    for area in view.focus_areas:
        for sub in area.sub_promises:
            names = [name for name, _lead in sub.partners]
            lead = next((name for name, is_lead in sub.partners if is_lead), "")
            start = [
                view.promise.slug,
                sub.sub_promise.pk,
                sub.number,
                area.focus_area.name,
                sub.sub_promise.title,
                lead,
                "; ".join(names),
            ]
            if not sub.rounds:
                rows.append([*start, None, None, None, None])
            for round_status in sub.rounds:
                period = round_status.period
                rows.append(
                    [
                        *start,
                        period.pk,
                        period.name,
                        period.deadline.isoformat(),
                        round_status.status,
                    ]
                )
    return rows


def figure_rows(view: data.PromiseView) -> list[list]:
    rows = []
    for sub in view.sub_promises:
        for round_status in sub.rounds:
            for figure in round_status.figures:
                rows.append(
                    [
                        view.promise.slug,
                        sub.sub_promise.pk,
                        sub.number,
                        round_status.period.pk,
                        round_status.period.name,
                        figure.label,
                        decimal_text(figure.value),
                        figure.unit,
                    ]
                )
    return rows


def decimal_text(value: Decimal) -> str:
    """1000 for 1000.00, 2.5 for 2.50: the value without trailing zeros or exponent."""
    text = format(value.normalize(), "f")
    return text


def csv_urls(request: HttpRequest, slug: str) -> dict[str, str]:
    return {
        "statuses": request.build_absolute_uri(reverse("public:statuses_csv", args=[slug])),
        "figures": request.build_absolute_uri(reverse("public:figures_csv", args=[slug])),
        "metadata": request.build_absolute_uri(reverse("public:csv_metadata", args=[slug])),
    }


def csvw_table(url: str, title: str, columns: list[Column], key: list[str]) -> dict:
    return {
        "url": url,
        "dc:title": title,
        "dialect": {"header": True, "delimiter": ",", "encoding": "utf-8"},
        "tableSchema": {
            "columns": [
                {
                    "name": column.name,
                    "titles": column.name,
                    "dc:title": column.title,
                    "dc:description": column.description,
                    "datatype": column.datatype,
                    "null": "",
                }
                for column in columns
            ],
            "primaryKey": key,
        },
    }


def csvw_metadata(request: HttpRequest, view: data.PromiseView) -> dict:
    """CSVW metadata (W3C, JSON) describing the promise's two CSV files."""
    urls = csv_urls(request, view.promise.slug)
    statuses = csvw_table(
        urls["statuses"],
        f"Dellöften och status per omgång – {view.promise.title}",
        STATUS_COLUMNS,
        ["sub_promise_id", "round_id"],
    )
    figures = csvw_table(
        urls["figures"],
        f"Siffror per dellöfte och omgång – {view.promise.title}",
        FIGURE_COLUMNS,
        ["sub_promise_id", "round_id", "label"],
    )
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "sv"}],
        "dc:title": view.promise.title,
        "dc:license": {"@id": LICENSE},
        "dc:publisher": view.promise.organisers,
        "tables": [statuses, figures],
    }


# --- DCAT-AP-SE ---------------------------------------------------------------------------
#
# The catalogue passes the EU's DCAT-AP 3.0.1 SHACL shapes (tests/test_dcat_shacl.py, offline).
# The shapes check the class of every value, and neither they nor a harvester can look up a
# GeoNames place or a concept of an EU vocabulary, so each node says what it is: a licence is
# a dct:LicenseDocument, a municipality a dct:Location with its name and code, a theme a
# skos:Concept in its scheme.

DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU_VOCABULARY = "http://publications.europa.eu/resource/authority/"
MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"


def literal(text: str, language: str = "sv") -> dict:
    return {"@value": text, "@language": language}


def _in_vocabulary(vocabulary: str, code: str, node_type: str) -> dict:
    """A concept of one of the EU's vocabularies (language, file-type, data-theme)."""
    return {
        "@id": f"{EU_VOCABULARY}{vocabulary}/{code}",
        "@type": node_type,
        "skos:inScheme": {"@id": EU_VOCABULARY + vocabulary},
    }


def _licence() -> dict:
    return {"@id": LICENSE, "@type": "dcterms:LicenseDocument"}


def _swedish() -> dict:
    return _in_vocabulary("language", "SWE", "dcterms:LinguisticSystem")


def _document(url: str) -> dict:
    return {"@id": url, "@type": "foaf:Document"}


def _theme() -> dict:
    theme = _in_vocabulary("data-theme", "GOVE", "skos:Concept")
    theme["skos:prefLabel"] = literal("Regeringen och den offentliga sektorn")
    return theme


def place(municipality) -> dict:
    """A municipality as the place a dataset covers: its GeoNames IRI (DCAT-AP-SE's advice),
    its name and its official code."""
    return {
        "@id": municipality.spatial_iri,
        "@type": "dcterms:Location",
        "skos:prefLabel": literal(municipality.name),
        "dcterms:identifier": municipality.code,
    }


def agent(start: str, publisher) -> dict:
    """A publisher of a promise, under an IRI of the site (it has no page of its own)."""
    node = {
        "@id": f"{start}#utgivare-{publisher.pk}",
        "@type": "foaf:Agent",
        "foaf:name": literal(publisher.name),
    }
    if publisher.url:
        node["foaf:homepage"] = _document(publisher.url)
    return node


def contact(name: str, email: str) -> dict:
    # vcard:Kind as well: the shapes ask for that class and know no subclasses.
    return {
        "@type": ["vcard:Organization", "vcard:Kind"],
        "vcard:fn": literal(name),
        "vcard:hasEmail": {"@id": f"mailto:{email}"},
    }


def _distribution(page: str, url: str, title: str, media_type: str, file_type: str, fragment: str):
    return {
        "@id": f"{page}#distribution-{fragment}",
        "@type": "dcat:Distribution",
        "dcterms:title": literal(title),
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": {"@id": MEDIA_TYPE + media_type, "@type": "dcterms:MediaType"},
        "dcterms:format": _in_vocabulary("file-type", file_type, "dcterms:MediaTypeOrExtent"),
        "dcterms:license": _licence(),
    }


def _names(names: list[str]) -> str:
    """Göteborg; Göteborg och Mölndal; Ale, Kungälv och Stenungsund."""
    return " och ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _dataset(
    request: HttpRequest, promise, municipalities: list, publishers: list, site: dict
) -> dict:
    """One promise as a DCAT dataset with its CSV, CSVW and API distributions: published by
    its first publisher (DCAT-AP allows one) and made by all of them, covering its
    municipalities. A promise that names no publisher is published by the site's owner."""
    page = request.build_absolute_uri(reverse("public:promise", args=[promise.slug]))
    urls = csv_urls(request, promise.slug)
    api = request.build_absolute_uri(reverse("public:api_promise", args=[promise.slug]))
    agents = [agent(site["start"], publisher) for publisher in publishers]
    contacts = [contact(p.name, p.email) for p in publishers if p.email] or [site["contact"]]
    where = _names([municipality.name for municipality in municipalities])
    title = str(promise.title)
    dataset = {
        "@id": f"{page}#dataset",
        "@type": "dcat:Dataset",
        "dcterms:identifier": promise.slug,
        # "medborgarlöfte Hisings Backa 2024-2025": the place keeps its capitals.
        "dcterms:title": literal(f"Uppföljning av {title[:1].lower()}{title[1:]}"),
        "dcterms:description": literal(
            f"Dellöften, godkänd status per rapporteringsomgång och rapporterade siffror "
            f"för medborgarlöftet {promise.area} ({promise.name})"
            + (f" i {where}" if where else "")
            + ". Inga personuppgifter."
        ),
        "dcterms:publisher": agents[0] if agents else {"@id": site["publisher"]["@id"]},
        "dcat:contactPoint": contacts,
        "dcat:landingPage": _document(page),
        "dcat:keyword": [
            literal("medborgarlöfte"),
            literal("trygghet"),
            literal(promise.area),
            *[literal(municipality.name) for municipality in municipalities],
        ],
        "dcat:theme": _theme(),
        "dcterms:language": _swedish(),
        "dcterms:spatial": [place(municipality) for municipality in municipalities],
        "dcterms:temporal": {
            "@type": "dcterms:PeriodOfTime",
            "dcat:startDate": {"@value": promise.starts_on.isoformat(), "@type": "xsd:date"},
            "dcat:endDate": {"@value": promise.ends_on.isoformat(), "@type": "xsd:date"},
        },
        "dcat:distribution": [
            _distribution(
                page,
                urls["statuses"],
                "Dellöften och status per omgång (CSV)",
                "text/csv",
                "CSV",
                "status",
            ),
            _distribution(
                page,
                urls["figures"],
                "Siffror per dellöfte och omgång (CSV)",
                "text/csv",
                "CSV",
                "siffror",
            ),
            _distribution(
                page,
                urls["metadata"],
                "Beskrivning av CSV-filerna (CSVW)",
                "application/csvm+json",
                "JSON",
                "csvw",
            ),
            _distribution(page, api, "Löftet i JSON (API)", "application/json", "JSON", "api"),
        ],
    }
    if agents:
        dataset["dcterms:creator"] = agents
    return dataset


def dcat_catalog(request: HttpRequest) -> dict:
    """Every promise as a dataset with its CSV, CSVW and API distributions, in three queries.
    The catalogue itself is published by the site's owner (its operator)."""
    absolute = request.build_absolute_uri
    start = absolute(reverse("public:start"))
    owner = get_owner()
    publisher = {
        "@id": start + "#utgivare",
        "@type": "foaf:Agent",
        "foaf:name": literal(owner.name),
    }
    if owner.url:
        publisher["foaf:homepage"] = _document(owner.url)
    site = {
        "start": start,
        "publisher": publisher,
        "contact": contact(owner.name, owner.email or settings.DEFAULT_FROM_EMAIL),
    }
    promises = list(data.public_promises())
    ids = [promise.pk for promise in promises]
    municipalities = data.municipalities_of(ids)
    publishers = data.publishers_of(ids)
    datasets = [
        _dataset(request, promise, municipalities[promise.pk], publishers[promise.pk], site)
        for promise in promises
    ]
    return {
        "@context": DCAT_CONTEXT,
        "@id": absolute(reverse("public:dcat")),
        "@type": "dcat:Catalog",
        "dcterms:title": literal("Medborgarlöften: uppföljning"),
        "dcterms:description": literal(
            "Medborgarlöften, deras dellöften och vad som har gjorts enligt godkända rapporter."
        ),
        "dcterms:publisher": publisher,
        "dcterms:license": _licence(),
        "dcterms:language": _swedish(),
        "foaf:homepage": _document(start),
        "dcat:themeTaxonomy": {
            "@id": EU_VOCABULARY + "data-theme",
            "@type": "skos:ConceptScheme",
            "dcterms:title": literal("Data theme", "en"),
        },
        "dcat:dataset": datasets,
    }
