"""The catalog in the OpenAPI document, and the Swagger UI and ReDoc pages working offline."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from openapi_spec_validator import validate

from bakery.models.catalog import EU_ALLERGENS
from tests.api.helpers import PRODUCT_FIELDS

CATALOG_OPERATIONS = {
    "/api/v1/categories": {"get", "post"},
    "/api/v1/categories/{slug}": {"get", "patch", "delete"},
    "/api/v1/products": {"get", "post"},
    "/api/v1/products/{slug}": {"get", "patch", "delete"},
}
WRITES = [
    (path, method)
    for path, methods in CATALOG_OPERATIONS.items()
    for method in sorted(methods)
    if method != "get"
]
READS = [(path, "get") for path in CATALOG_OPERATIONS]


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def _resolve(spec: dict, item: dict) -> dict:
    """Follow `$ref`s inside the document."""
    while "$ref" in item:
        node = spec
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        item = node
    return item


def _parameters(spec: dict, path: str, method: str) -> dict[str, dict]:
    listed = spec["paths"][path].get("parameters", []) + spec["paths"][path][method].get(
        "parameters", []
    )
    resolved = (_resolve(spec, parameter) for parameter in listed)
    return {parameter["name"]: parameter for parameter in resolved}


def _json_schema(spec: dict, holder: dict) -> dict:
    return _resolve(spec, _resolve(spec, holder)["content"]["application/json"]["schema"])


def test_openapi_document_validates(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_catalog_path_has_its_methods(spec):
    for path, methods in CATALOG_OPERATIONS.items():
        documented = {method for method in spec["paths"][path] if method != "parameters"}
        assert documented >= methods, path


def test_product_list_documents_every_filter(spec):
    parameters = _parameters(spec, "/api/v1/products", "get")

    for name in ("category", "q", "tag", "exclude_allergen", "min_price", "max_price", "sort"):
        assert parameters[name]["in"] == "query", name
        assert parameters[name].get("required", False) is False, name
    assert parameters["q"]["schema"]["maxLength"] == 100
    assert parameters["min_price"]["schema"]["type"] == "integer"
    assert parameters["max_price"]["schema"]["type"] == "integer"
    assert parameters["sort"]["schema"]["enum"] == ["name", "-name", "price", "-price", "newest"]
    assert parameters["sort"]["schema"]["default"] == "name"
    allergen = parameters["exclude_allergen"]
    assert allergen["schema"]["type"] == "array"
    assert allergen["schema"]["items"]["enum"] == list(EU_ALLERGENS)
    assert allergen.get("explode", True) is True


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/categories"])
def test_lists_document_pagination(spec, path):
    parameters = _parameters(spec, path, "get")
    response = spec["paths"][path]["get"]["responses"]["200"]

    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["page_size"]["schema"]["maximum"] == 100
    assert parameters["page_size"]["schema"]["default"] == 20
    assert "X-Pagination" in response["headers"]
    assert _json_schema(spec, response)["type"] == "array"


@pytest.mark.parametrize(("path", "method"), WRITES)
def test_writes_need_bearer_auth_and_document_401_and_403(spec, path, method):
    operation = spec["paths"][path][method]

    assert operation["security"] == [{"bearerAuth": []}]
    assert {"401", "403"} <= set(operation["responses"])
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


@pytest.mark.parametrize(("path", "method"), READS)
def test_reads_are_public_and_document_304(spec, path, method):
    operation = spec["paths"][path][method]

    assert not operation.get("security")
    assert {"200", "304"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["200"]["headers"]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/categories", "post", {"201", "409", "422"}),
        ("/api/v1/categories/{slug}", "get", {"404"}),
        ("/api/v1/categories/{slug}", "patch", {"200", "404", "409", "412", "422"}),
        ("/api/v1/categories/{slug}", "delete", {"204", "404", "409", "412"}),
        ("/api/v1/products", "get", {"422"}),
        ("/api/v1/products", "post", {"201", "409", "422"}),
        ("/api/v1/products/{slug}", "get", {"404"}),
        ("/api/v1/products/{slug}", "patch", {"200", "404", "409", "412", "422"}),
        ("/api/v1/products/{slug}", "delete", {"204", "404", "409", "412"}),
    ],
)
def test_error_responses_are_documented_where_they_apply(spec, path, method, codes):
    responses = spec["paths"][path][method]["responses"]

    assert codes <= set(responses)
    for code in codes - {"204", "304"}:
        assert _json_schema(spec, responses[code]), (code, path, method)


@pytest.mark.parametrize(
    ("path", "method", "request_schema", "answer_schema", "response_code"),
    [
        ("/api/v1/products", "post", "ProductCreate", "Product", "201"),
        ("/api/v1/products/{slug}", "patch", "ProductPatch", "Product", "200"),
        ("/api/v1/categories", "post", "CategoryCreate", "Category", "201"),
        ("/api/v1/categories/{slug}", "patch", "CategoryPatch", "Category", "200"),
    ],
)
def test_writes_document_request_and_response_schemas(
    spec, path, method, request_schema, answer_schema, response_code
):
    operation = spec["paths"][path][method]

    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"] == f"#/components/schemas/{request_schema}"
    returned = operation["responses"][response_code]["content"]["application/json"]["schema"]
    assert returned["$ref"] == f"#/components/schemas/{answer_schema}"


def test_a_product_answer_always_carries_the_contract_fields(spec):
    product = spec["components"]["schemas"]["Product"]
    properties = product["properties"]

    assert set(properties) == PRODUCT_FIELDS
    assert set(product["required"]) == PRODUCT_FIELDS
    assert properties["currency"]["type"] == "string"
    assert properties["allergens"]["items"]["enum"] == list(EU_ALLERGENS)
    assert properties["stock"]["nullable"] is True
    assert properties["daily_limit"]["nullable"] is True
    assert not properties["price_cents"].get("nullable")
    image = spec["components"]["schemas"]["Image"]["properties"]
    assert image["url"]["type"] == "string"
    assert image["variants"]["required"] == ["thumb", "medium", "large"]


def test_a_new_product_needs_name_price_and_category_and_has_no_defaults(spec):
    create = spec["components"]["schemas"]["ProductCreate"]
    properties = create["properties"]

    assert set(create["required"]) == {"name", "price_cents", "category_id"}
    assert properties["price_cents"]["type"] == "integer"
    assert properties["price_cents"]["minimum"] == 0
    assert properties["name"]["maxLength"] == 120
    assert properties["allergens"]["items"]["enum"] == list(EU_ALLERGENS)
    for server_set in ("id", "currency", "category", "images", "created_at", "updated_at"):
        assert server_set not in properties
    # A default would make generated clients send the field: what is left out is the server's.
    assert not [name for name, field in properties.items() if "default" in field]
    assert "example" in properties["price_cents"]


def test_product_patch_requires_nothing(spec):
    assert not spec["components"]["schemas"]["ProductPatch"].get("required")


def test_every_string_input_has_a_maximum_length(spec):
    for name in ("ProductCreate", "CategoryCreate"):
        for field, schema in spec["components"]["schemas"][name]["properties"].items():
            if schema.get("type") == "string":
                assert "maxLength" in schema, (name, field)


# --- documentation pages -----------------------------------------------------------------------


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])


@pytest.mark.parametrize("page", ["/api/docs", "/api/redoc"])
def test_docs_page_loads_every_asset_from_the_app(client, page):
    response = client.get(page)
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    parser = _Assets()
    parser.feed(response.get_data(as_text=True))

    assert any(url.endswith(".js") for url in parser.urls), parser.urls
    for url in parser.urls:
        absolute = urljoin(f"http://localhost{page}", url)
        parts = urlsplit(absolute)
        # Offline: nothing from a CDN or any other host.
        assert parts.netloc == "localhost", url
        asset = client.get(parts.path)
        assert asset.status_code == 200, url
        assert asset.get_data(), url
        expected = "javascript" if parts.path.endswith(".js") else "css"
        assert expected in asset.content_type, (url, asset.content_type)


def test_swagger_ui_page_uses_a_stylesheet_and_the_document(client):
    page = client.get("/api/docs").get_data(as_text=True)
    parser = _Assets()
    parser.feed(page)

    assert any(url.endswith(".css") for url in parser.urls)
    assert "/api/openapi.json" in page


def test_redoc_page_points_at_the_document(client):
    assert "/api/openapi.json" in client.get("/api/redoc").get_data(as_text=True)
