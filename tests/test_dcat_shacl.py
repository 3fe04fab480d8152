"""The DCAT catalogue against the EU's DCAT-AP 3.0.1 SHACL shapes, offline (`make
check-standards`).

The shapes are copied unchanged into public/standards/dcat-ap-3.0.1/ (CC BY 4.0, see its
LICENSE.md). The catalogue is checked against both sets SEMIC publishes:

- `release`: `dcat-ap-SHACL.ttl` and `ranges.ttl` (releases/3.0.1/shacl/), the normative
  shapes: cardinalities, node kinds and each property's class. They carry no severity, so
  everything they find is a violation.
- `validator`: the html/shacl/ files the EU's online validator runs, with severities:
  `shapes.ttl` and `range.ttl` (violations), `shapes_recommended.ttl` (a recommended property
  missing is a warning), `mdr-vocabularies.shape.ttl` (values from the EU's vocabularies)
  and `deprecateduris.ttl`. Left out: `imports.ttl` and `mdr_imports.ttl`, which hold nothing
  but `owl:imports` of remote vocabularies.

Nothing is fetched: the catalogue's JSON-LD context is inline, pyshacl is told not to follow
`owl:imports` (deprecateduris.ttl has one), and the sockets refuse to connect while it runs.
"""

import socket
from functools import cache
from pathlib import Path

import pytest
from django.urls import reverse
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SH

from lofte.models import Promise

from .conftest import make_promise
from .public_data import make_publisher

pytestmark = pytest.mark.django_db

DATASET = URIRef("http://www.w3.org/ns/dcat#Dataset")
SHAPES = Path(__file__).resolve().parent.parent / "public" / "standards" / "dcat-ap-3.0.1"
SHAPE_SETS = {
    "release": ["dcat-ap-SHACL.ttl", "ranges.ttl"],
    "validator": [
        "html-shacl/shapes.ttl",
        "html-shacl/range.ttl",
        "html-shacl/shapes_recommended.ttl",
        "html-shacl/mdr-vocabularies.shape.ttl",
        "html-shacl/deprecateduris.ttl",
    ],
}
# The warnings we leave, by property, and why. A new kind of warning fails the test, to be
# fixed or added here with its reason.
KNOWN_WARNINGS = {
    # Recommended, and we have nothing true to say: no bounding box or centroid of a
    # municipality is shipped, no type of publisher recorded, no date the catalogue changed.
    "http://www.w3.org/ns/dcat#bbox",
    "http://www.w3.org/ns/dcat#centroid",
    "http://purl.org/dc/terms/type",
    "http://purl.org/dc/terms/issued",
    "http://purl.org/dc/terms/modified",
    # The catalogue's coverage is its datasets' (each names its municipalities); and a
    # GeoNames IRI is written http://sws.geonames.org/<id> as DCAT-AP-SE advises, where the
    # EU's vocabulary check expects https.
    "http://purl.org/dc/terms/spatial",
    # A distribution's title says what it is; no description or planned availability.
    "http://purl.org/dc/terms/description",
    "http://data.europa.eu/r5r/availability",
    # The publishers are not EU corporate bodies.
    "http://purl.org/dc/terms/publisher",
}


@cache
def shapes(name: str) -> Graph:
    graph = Graph()
    for file in SHAPE_SETS[name]:
        graph.parse(SHAPES / file, format="turtle")
    # SEMIC's release files refer to five property shapes that neither defines (no triple at
    # all); pyshacl refuses such a graph, so those references are dropped, the files kept.
    for node_shape, property_shape in list(graph.subject_objects(SH.property)):
        if (property_shape, None, None) not in graph:
            graph.remove((node_shape, SH.property, property_shape))
    return graph


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the SHACL check must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def catalogue(client, hisings_backa) -> Graph:
    """The demo's catalogue with a second promise, in Stockholm, with a publisher of its own
    and a joint promise of two municipalities with none."""
    jarva = make_promise("Järva", municipalities=("0180",))
    make_publisher(
        "Stockholms stad",
        jarva,
        municipality_id="0180",
        url="https://start.stockholm",
        email="info@stockholm.se",
    )
    make_promise("Gränsen", municipalities=("1480", "1481"))
    response = client.get(reverse("public:dcat"))
    assert response.status_code == 200
    return Graph().parse(data=response.content, format="json-ld")


def results(report: Graph) -> list[tuple[str, str, str, str]]:
    """(severity, property, focus node, message) of each result."""
    (validation,) = report.subjects(RDF.type, SH.ValidationReport)
    return [
        (
            str(report.value(result, SH.resultSeverity)).removeprefix(str(SH)),
            str(report.value(result, SH.resultPath)),
            str(report.value(result, SH.focusNode)),
            str(report.value(result, SH.resultMessage)),
        )
        for result in report.objects(validation, SH.result)
    ]


@pytest.mark.parametrize("shape_set", SHAPE_SETS)
def test_the_catalogue_passes_the_dcat_ap_shapes_with_no_violation(
    catalogue, no_network, shape_set
):
    datasets = set(catalogue.subjects(RDF.type, DATASET))
    assert len(datasets) == Promise.objects.count() == 3
    _conforms, report, _text = validate(
        catalogue,
        shacl_graph=shapes(shape_set),
        inference="none",
        do_owl_imports=False,
        allow_warnings=True,
    )
    found = results(report)
    violations = [result for result in found if result[0] != "Warning"]
    assert violations == []
    warnings = {path for severity, path, _focus, _message in found if severity == "Warning"}
    assert warnings <= KNOWN_WARNINGS


def test_the_shapes_catch_a_place_that_does_not_say_it_is_a_location(catalogue, no_network):
    """The check has teeth: a GeoNames IRI that does not say it is a dct:Location is a
    violation of both sets."""
    place = next(catalogue.objects(None, DCTERMS.spatial))
    catalogue.remove((place, RDF.type, None))
    for shape_set in SHAPE_SETS:
        _conforms, report, _text = validate(
            catalogue, shacl_graph=shapes(shape_set), inference="none", do_owl_imports=False
        )
        violations = [result for result in results(report) if result[0] == "Violation"]
        assert {(path, focus) for _s, path, focus, _m in violations} >= {
            (str(DCTERMS.spatial), str(subject))
            for subject in catalogue.subjects(DCTERMS.spatial, place)
        }, shape_set
