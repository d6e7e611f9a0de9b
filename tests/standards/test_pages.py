"""Standards pages: the list, one standard with its versions, the requirement checker."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.standards.models import Standard
from tests.factories.catalog import LAPTOP_TEMPLATE, make_category


def test_list_and_versions(client: FlaskClient, db_session: Session) -> None:
    category = make_category(db_session, attributes=LAPTOP_TEMPLATE)
    for version, memory in ((1, 8), (2, 16)):
        db_session.add(Standard(code="STD-PAGE", version=version, category=category,
                                title_zh="通用笔记本", title_en="General laptop",
                                requirements=[{"attribute": "memory_gb", "op": "gte",
                                               "value": memory}]))
    db_session.flush()
    listed = client.get(f"/standards?category={category.code}")
    assert listed.status_code == 200
    assert "STD-PAGE" in listed.text and "通用笔记本" in listed.text
    latest = client.get("/standards/STD-PAGE").text
    assert "第 2 版" in latest and "16" in latest and "Version 2" not in latest
    assert "/standards/STD-PAGE?version=1" in latest
    old = client.get("/standards/STD-PAGE?version=1").text
    assert "<strong>第 1 版</strong>" in old
    english = client.get("/standards/STD-PAGE?version=1&lang=en").text
    assert "<strong>Version 1</strong>" in english and "General laptop" in english
    assert client.get("/standards/NOPE").status_code == 404
    assert client.get("/standards?category=NOPE").status_code == 404


def test_checker_marks_findings(client: FlaskClient) -> None:
    page = client.get("/requirements/check", query_string={
        "text": "须为联想品牌<script>。其他品牌不限。"})
    assert page.status_code == 200
    assert '<mark class="finding block" title="brand_named">联想</mark>' in page.text
    assert "<script>" not in page.text  # escaped
    assert "第二十条" in page.text and "Art. 20(6)" not in page.text  # one language at a time
    english = client.get("/requirements/check", query_string={
        "text": "须为联想品牌。", "lang": "en"}).text
    assert "Art. 20(6)" in english and "第二十条" not in english
    assert "未发现问题" in client.get("/requirements/check?text=内存不低于16GB&lang=zh").text
    assert "No findings" in client.get("/requirements/check?text=内存不低于16GB&lang=en").text
