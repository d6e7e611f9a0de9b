"""axe-core in the browser tests: installed from npm by ``make install`` (package-lock.json
pins it), read from node_modules, injected into the page; never fetched by a test."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make install` (npm ci installs axe-core)")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(browser: Any) -> list[dict[str, Any]]:
    """Run axe on the loaded page: its serious and critical violations."""
    if not browser.execute_script("return typeof window.axe === 'object'"):
        browser.execute_script(axe_source())
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e),"
        " targets: []}]));")
    return [v for v in result if v["impact"] in FAILING_IMPACTS]


def assert_accessible(browser: Any) -> None:
    """Fail on any serious or critical axe violation, listing rule, impact and targets."""
    found = axe_violations(browser)
    assert not found, f"axe on {browser.current_url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; {', '.join(v['targets'][:5])}"
        for v in found)
