"""JSON shapes of findings and standards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mall.money import money
from mall.standards.models import Standard
from mall.standards.rules import Finding


def finding_json(finding: Finding) -> dict[str, Any]:
    return finding.as_json()


def findings_json(findings: list[Finding]) -> dict[str, Any]:
    return {"findings": [finding_json(f) for f in findings]}


def standard_json(standard: Standard,
                  history: list[tuple[int, datetime]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": standard.id,
        "code": standard.code,
        "version": standard.version,
        "category": {"code": standard.category.code, "name_zh": standard.category.name_zh,
                     "name_en": standard.category.name_en},
        "title_zh": standard.title_zh,
        "title_en": standard.title_en,
        "guidance_zh": standard.guidance_zh,
        "guidance_en": standard.guidance_en,
        "grade": standard.grade,
        "requirements": list(standard.requirements),
        "reference_price": (money(standard.reference_price, standard.currency)
                            if standard.currency else None),
        "created_at": standard.created_at.isoformat(),
    }
    if history is not None:
        body["history"] = [{"version": v, "created_at": created.isoformat()}
                           for v, created in history]
    return body
