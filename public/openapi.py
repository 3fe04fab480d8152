"""The API's OpenAPI 3.1 description. Its schemas are strict (no unknown properties), so
that a test validating every response against them catches any field added in passing."""


def _object(properties: dict, *, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer", "minimum": 1}
NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}
MUNICIPALITY_CODE = {
    "type": "string",
    "pattern": "^[0-9]{4}$",
    "description": "The municipality's official four-digit code (SCB's kommunkod), e.g. 1480.",
}
STATUS = {
    "type": "string",
    "enum": ["done", "partly_done", "in_progress", "not_started", "not_done"],
}

SCHEMAS = {
    "Index": _object(
        {"promises": {"type": "string", "format": "uri"}, "openapi": {"type": "string"}}
    ),
    "Progress": _object(
        {
            bucket: {"type": "integer", "minimum": 0}
            for bucket in ["done", "in_progress", "not_started", "not_done", "not_reported"]
        }
    ),
    "FollowUp": _object(
        {
            "id": ID,
            "title": STRING,
            "covers_from": DATE,
            "covers_to": DATE,
            "published_at": {"type": "string", "format": "date-time"},
            "language": STRING,
            "html_url": NULLABLE_URL,
            "pdf_url": NULLABLE_URL,
        }
    ),
    "County": _object(
        {
            "code": {"type": "string", "pattern": "^[0-9]{2}$", "description": "SCB's code."},
            "name": STRING,
        }
    ),
    "Municipality": _object(
        {
            "code": MUNICIPALITY_CODE,
            "name": STRING,
            "county": _ref("County"),
        }
    ),
    "Publisher": _object({"name": STRING, "url": NULLABLE_URL}),
    "PromiseSummary": _object(
        {
            "id": ID,
            "slug": STRING,
            "area": STRING,
            "name": STRING,
            "title": STRING,
            "starts_on": DATE,
            "ends_on": DATE,
            "previous_id": {"type": ["integer", "null"]},
            "municipalities": {
                "type": "array",
                "items": _ref("Municipality"),
                "description": "Where the promise is made, by name; several for a joint promise.",
            },
            "publishers": {
                "type": "array",
                "items": _ref("Publisher"),
                "description": "Who publishes the promise, in the promise's order.",
            },
            "url": {"type": "string", "format": "uri"},
            "html_url": {"type": "string", "format": "uri"},
            "progress": _ref("Progress"),
            "follow_ups": {"type": "array", "items": _ref("FollowUp")},
        }
    ),
    "PromiseList": _object(
        {
            "count": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "next": NULLABLE_URL,
            "previous": NULLABLE_URL,
            "results": {"type": "array", "items": _ref("PromiseSummary")},
        }
    ),
    "Commitment": _object({"id": ID, "position": {"type": "integer"}, "text": STRING}),
    "FocusArea": _object(
        {
            "id": ID,
            "position": {"type": "integer"},
            "name": STRING,
            "rationale": STRING,
            "commitments": {"type": "array", "items": _ref("Commitment")},
        }
    ),
    "Round": _object(
        {
            "id": ID,
            "name": STRING,
            "starts_on": DATE,
            "deadline": DATE,
            "is_open": {"type": "boolean"},
        }
    ),
    "Figure": _object({"label": STRING, "value": {"type": "number"}, "unit": STRING}),
    "ApprovedStatus": _object(
        {
            "round_id": ID,
            "status": STATUS,
            "achieved": {"type": "string", "description": "What was done, as approved."},
            "figures": {"type": "array", "items": _ref("Figure")},
        }
    ),
    "Partner": _object({"name": STRING, "role": {"type": "string", "enum": ["lead", "co"]}}),
    "Indicator": _object({"label": STRING, "unit": STRING, "target": {"type": ["number", "null"]}}),
    "SubPromise": _object(
        {
            "id": ID,
            "number": STRING,
            "focus_area_id": ID,
            "position": {"type": "integer"},
            "title": STRING,
            "description": STRING,
            "indicator": {"oneOf": [_ref("Indicator"), {"type": "null"}]},
            "partners": {"type": "array", "items": _ref("Partner")},
            "continues_id": {"type": ["integer", "null"]},
            "continued_by_ids": {"type": "array", "items": ID},
            "statuses": {
                "type": "array",
                "items": _ref("ApprovedStatus"),
                "description": "Approved reports only, oldest round first.",
            },
        }
    ),
    "Problem": _object(
        {
            "id": ID,
            "position": {"type": "integer"},
            "title": STRING,
            "description": STRING,
            "evidence": STRING,
            "sources": {"type": "array", "items": STRING},
            "commitment_ids": {"type": "array", "items": ID},
        }
    ),
    "YearValue": _object(
        {"value": {"type": ["number", "null"]}, "year": {"type": ["integer", "null"]}}
    ),
    "IndicatorValue": _object(
        {"year": {"type": "integer"}, "value": {"type": "number"}, "source": STRING, "note": STRING}
    ),
    "OutcomeIndicator": _object(
        {
            "id": ID,
            "position": {"type": "integer"},
            "name": STRING,
            "description": STRING,
            "unit": STRING,
            "direction": {"type": "string", "enum": ["higher", "lower"]},
            "problem_id": {"type": ["integer", "null"]},
            "baseline": _ref("YearValue"),
            "target": _ref("YearValue"),
            "source": STRING,
            "kolada_kpi": STRING,
            "summary": {"type": "string", "description": "The change told in one sentence."},
            "values": {"type": "array", "items": _ref("IndicatorValue")},
        }
    ),
    "Error": _object({"detail": STRING}),
}
_detail = dict(SCHEMAS["PromiseSummary"]["properties"])
_detail.update(
    {
        "text": STRING,
        "organisers": STRING,
        "next_ids": {"type": "array", "items": ID},
        "focus_areas": {"type": "array", "items": _ref("FocusArea")},
        "rounds": {"type": "array", "items": _ref("Round")},
        "sub_promises": {"type": "array", "items": _ref("SubPromise")},
        "problems": {"type": "array", "items": _ref("Problem")},
        "outcome_indicators": {"type": "array", "items": _ref("OutcomeIndicator")},
    }
)
SCHEMAS["Promise"] = _object(_detail)


def _json_response(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def openapi_description(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Medborgarlöften – öppet API",
            "version": "1.1.0",
            "description": (
                "Read-only: citizen promises, where they are made and who publishes them, "
                "their focus areas, commitments, sub-promises, reporting rounds, approved "
                "statuses and figures, and published follow-ups. "
                "No personal data."
            ),
            "license": {"name": "CC0 1.0", "identifier": "CC0-1.0"},
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "index",
                    "summary": "Where the resources are",
                    "responses": {"200": _json_response("Links", "Index")},
                }
            },
            "/promises/": {
                "get": {
                    "operationId": "listPromises",
                    "summary": "Every promise, newest first",
                    "parameters": [
                        {
                            "name": "page",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "municipality",
                            "in": "query",
                            "required": False,
                            "description": "Only the promises made in this municipality.",
                            "schema": MUNICIPALITY_CODE,
                        },
                    ],
                    "responses": {
                        "200": _json_response("A page of promises", "PromiseList"),
                        "400": _json_response("Not a municipality's code", "Error"),
                    },
                }
            },
            "/promises/{slug}/": {
                "get": {
                    "operationId": "getPromise",
                    "summary": "One promise with everything citizens may see of it",
                    "parameters": [
                        {"name": "slug", "in": "path", "required": True, "schema": STRING}
                    ],
                    "responses": {
                        "200": _json_response("The promise", "Promise"),
                        "404": _json_response("No such promise", "Error"),
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
