"""A pytest plugin (loaded by tests/conftest.py): every JSON answer of the API that any test
gets through the Flask test client is checked against the documented response schema for
its status (``GET /api/v1/openapi.json``; an undocumented status against ``default``, the
error shape). A mismatch fails the test that made the call, naming the operation, the status
and where the answer differs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from mall.openapi.document import build_document

_METHODS = {"get", "post", "put", "patch", "delete"}


@dataclass
class _Operation:
    operation_id: str
    pattern: re.Pattern[str]
    responses: dict[str, Any]
    params: int


class ContractChecker:
    """Finds the documented operation of a request and checks its answer's JSON."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = document["components"]
        self.operations: dict[str, list[_Operation]] = {m: [] for m in _METHODS}
        for path, item in document["paths"].items():
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            for method, operation in item.items():
                self.operations[method].append(_Operation(
                    operation["operationId"], re.compile(f"^{regex}$"),
                    operation["responses"], path.count("{")))
        for candidates in self.operations.values():  # literal segments win over parameters
            candidates.sort(key=lambda o: o.params)
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}

    def operation(self, method: str, path: str) -> _Operation | None:
        for candidate in self.operations.get(method.lower(), []):
            if candidate.pattern.match(path):
                return candidate
        return None

    def _validator(self, operation: _Operation, status: str) -> Draft202012Validator | None:
        key = (operation.operation_id, status)
        if key not in self._validators:
            response = operation.responses.get(status) or operation.responses["default"]
            if "$ref" in response:
                response = self.components["responses"][response["$ref"].rsplit("/", 1)[1]]
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            self._validators[key] = None if schema is None else Draft202012Validator(
                {**schema, "components": self.components})
        return self._validators[key]

    def problem(self, method: str, path: str, status: int, body: Any) -> str | None:
        """What is wrong with the answer, or None (also for paths the document does not
        describe: routing answered those, and undocumented routes fail the drift test)."""
        operation = self.operation(method, path)
        if operation is None:
            return None
        validator = self._validator(operation, str(status))
        if validator is None:
            return None
        error = next(iter(sorted(validator.iter_errors(body), key=lambda e: e.path)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(the top level)"
        documented = str(status) if str(status) in operation.responses else "default"
        return (f"{method} {path} answered {status}, which does not match the documented "
                f"response {documented!r} of {operation.operation_id}: at {where}: "
                f"{error.message}")


_CHECKERS: dict[int, ContractChecker] = {}


def checker_for(app: Flask) -> ContractChecker:
    """One checker per application (the document does not change while the suite runs)."""
    if id(app) not in _CHECKERS:
        _CHECKERS[id(app)] = ContractChecker(build_document(app))
    return _CHECKERS[id(app)]


class ContractViolation(AssertionError):
    """An answer of the API that its own document does not describe."""


@pytest.fixture(autouse=True)
def validated_api_answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Check every API answer of this test against the document (see the module docstring).

    Calls made in other threads are collected (the list it yields) and fail at teardown.
    """
    found: list[str] = []
    original = FlaskClient.open
    main = threading.current_thread()

    def open_and_check(self: FlaskClient, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        request = getattr(response, "request", None)
        if request is None or not (request.path.startswith("/api/v1")
                                   or request.path == "/healthz"):
            return response
        if not response.is_json or request.method.lower() not in _METHODS:
            return response
        body = response.get_json(silent=True)
        problem = checker_for(self.application).problem(request.method, request.path,
                                                        response.status_code, body)
        if problem is not None:
            if threading.current_thread() is main:
                raise ContractViolation(problem)
            found.append(problem)
        return response

    monkeypatch.setattr(FlaskClient, "open", open_and_check)
    yield found
    if found:  # calls made in threads, whose exceptions the test may not see
        pytest.fail("API answers that do not match the OpenAPI document:\n" + "\n".join(found),
                    pytrace=False)
