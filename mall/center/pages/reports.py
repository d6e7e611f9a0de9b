"""Reports with charts: each chart with its numbers as a table and a CSV download."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, current_app, render_template, request

from mall.accounts.models import User
from mall.center import charts, reports
from mall.center.pages.common import pages, read_guard
from mall.db import db, utcnow
from mall.errors import NotFound

DRAW = {"bar": charts.bar, "line": charts.line, "hbar": charts.horizontal_bar}


def _year() -> int:
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else utcnow().year


def _table(name: str, year: int) -> reports.Table:
    if name not in reports.REPORTS:
        raise NotFound(f"No report {name!r}.")
    return reports.build(db.session(), name, year, current_app.config["MALL"].jurisdiction)


@pages.get("/reports")
@read_guard
def report_list(user: User) -> Any:
    year = _year()
    shown = []
    for name in reports.REPORTS:
        table = _table(name, year)
        labels, series = table.series()
        chart = DRAW[table.chart](str(table.title), labels, series) if table.rows else None
        shown.append({"table": table, "chart": chart})
    return render_template("center/reports.html", reports=shown, year=year)


@pages.get("/reports/<name>.csv")
@read_guard
def report_csv(name: str, user: User) -> Any:
    year = _year()
    table = _table(name, year)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={name}-{year}.csv"})
