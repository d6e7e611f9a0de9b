"""OCDS validation with libcoveocds against the standard vendored in mall/ocds/schema.

libcoveocds (through ocdsextensionregistry) reads the standard from a zip of its repository;
given the zip's bytes it never goes to the network.
"""

from __future__ import annotations

import functools
import warnings
from io import BytesIO
from typing import Any
from zipfile import ZipFile

from mall.ocds.services import SCHEMA_DIR

# The fields this project publishes from OCDS extensions it cannot declare offline (see the
# README's open data section): lots, techniques, party scale.
# libcoveocds lists the outermost additional field of each branch.
EXTENSION_FIELDS = {
    "/releases/tender/lots", "/releases/tender/items/relatedLot",
    "/releases/awards/items/relatedLot", "/releases/tender/techniques",
    "/releases/parties/details/scale",
}


@functools.cache
def standard_zip() -> bytes:
    """The vendored schema laid out as the standard repository's zip: ``<top>/schema/...``."""
    buffer = BytesIO()
    with ZipFile(buffer, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        for path in sorted(SCHEMA_DIR.rglob("*")):
            if path.is_file():
                archive.write(path, f"standard-1__1__5/schema/{path.relative_to(SCHEMA_DIR)}")
    return buffer.getvalue()


def cove(package: dict[str, Any]) -> dict[str, Any]:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig({"standard_zip": standard_zip(), "context": "api"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ocds_json_output(json_data=package, lib_cove_ocds_config=config,
                                schema_version="1.1", record_pkg="records" in package)


def errors(package: dict[str, Any]) -> dict[str, Any]:
    """Everything libcoveocds finds wrong; {} when the package is valid."""
    result = cove(package)
    found: dict[str, Any] = {}
    for key in ("validation_errors", "additional_closed_codelist_values",
                "invalid_extension", "json_deref_error", "ocds_prefixes_bad_format"):
        if result.get(key):
            found[key] = result[key]
    if result.get("additional_checks"):
        found["additional_checks"] = result["additional_checks"]
    unknown = {f"{item['path']}/{item['field']}" for item in result.get("additional_fields", [])}
    unknown = {path for path in unknown if _generic(path) not in EXTENSION_FIELDS}
    if unknown:
        found["additional_fields"] = sorted(unknown)
    return found


def _generic(path: str) -> str:
    # Records put releases under /records/compiledRelease or /records/releases.
    for head in ("/records/compiledRelease", "/records/releases"):
        if path.startswith(head):
            return "/releases" + path[len(head):]
    return path


@functools.cache
def _record_validator() -> Any:
    import json

    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    def load(name: str) -> Any:
        return json.loads((SCHEMA_DIR / name).read_text()
                          .replace("{{lang}}", "en").replace("{{version}}", "1.1"))

    base = "https://standard.open-contracting.org/schema/1__1__5/"
    registry = Registry().with_resources(
        (base + name, Resource.from_contents(load(name), default_specification=DRAFT4))
        for name in ("release-schema.json", "versioned-release-validation-schema.json"))
    return Draft4Validator(load("record-package-schema.json"), registry=registry)


def record_errors(package: dict[str, Any]) -> dict[str, Any]:
    """A record package: its shape by the record package schema (jsonschema, offline), and
    every embedded and compiled release by libcoveocds."""
    found: dict[str, Any] = {}
    shape = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
             for e in _record_validator().iter_errors(package)]
    if shape:
        found["record_package"] = shape
    releases = [release for record in package["records"]
                for release in [*record["releases"], record["compiledRelease"]]]
    found.update(errors({k: v for k, v in package.items() if k != "records"}
                        | {"releases": releases}))
    return found
