"""Requirement checks as a pure function, measured on labelled sentences (zh and en).

Each sentence carries the findings a reviewer expects, as (code, severity) pairs; near
misses expect none. Precision and recall are computed over those pairs and must both reach
0.9; the figures are printed (``pytest -s``).
"""

from __future__ import annotations

import pytest

from mall.standards.rules import RULES, check_requirement

B, W = "block", "warn"
BRAND, MODEL = "brand_named", "model_named"
QUAL, LOCAL, CERT = "unnecessary_qualification", "local_restriction", "discriminatory_certificate"

# A catalogue's own brands and models, beside the shipped lists.
KNOWN_BRANDS = ["Acme", "艾克美", "Northwind"]
KNOWN_MODELS = ["AX-500", "Northwind Pro 9"]

LABELLED: list[tuple[str, set[tuple[str, str]]]] = [
    # --- brands and models, zh
    ("投标产品须为联想品牌。", {(BRAND, B)}),
    ("笔记本电脑须为联想ThinkPad E14。", {(BRAND, B), (MODEL, B)}),
    ("台式机品牌：戴尔，型号：OptiPlex 7010。", {(BRAND, B), (MODEL, B)}),
    ("须为惠普品牌或同等档次产品。", {(BRAND, W)}),
    ("参考品牌：华为MateBook 14或相当。", {(BRAND, W), (MODEL, W)}),
    ("服务器型号为NF5280M6。", {(MODEL, B)}),
    ("品牌不限，CPU不低于8核，内存不低于16GB。", set()),
    ("不指定品牌，满足技术参数即可。", set()),
    ("复印纸须为艾克美品牌。", {(BRAND, B)}),
    ("采购红富士苹果500公斤，单果重不低于200克。", set()),
    ("需要小米粥原料：小米200斤。", set()),
    ("须为国产品牌。", set()),
    # --- brands and models, en
    ("The laptops must be Dell Latitude.", {(BRAND, B), (MODEL, B)}),
    ("Printers shall be HP LaserJet Pro or equivalent.", {(BRAND, W), (MODEL, W)}),
    ("Any brand is acceptable provided the specifications are met.", set()),
    ("Toner must be Acme brand.", {(BRAND, B)}),
    ("Model number must be AX-500.", {(MODEL, B)}),
    ("Supply 20 Northwind Pro 9 tablets or equal.", {(BRAND, W), (MODEL, W)}),
    ("Monitors must be manufactured by Samsung.", {(BRAND, B)}),
    ("Desktop computers with at least 16 GB memory and a 512 GB SSD.", set()),
    ("Fresh apples, 200 kg, grade A.", set()),
    ("The supplier must support the Apple iPad already in use.", {(BRAND, B), (MODEL, B)}),
    # --- unnecessary qualifications, zh
    ("投标人注册资本不低于5000万元。", {(QUAL, B)}),
    ("供应商须成立满5年。", {(QUAL, B)}),
    ("投标人近三年年营业额均不少于1亿元。", {(QUAL, B)}),
    ("公司员工人数不少于200人。", {(QUAL, B)}),
    ("企业须有10年以上经营历史。", {(QUAL, B)}),
    ("产品保修期不少于3年，内存不低于16GB。", set()),
    ("项目经理须具有5年以上从业经验。", set()),
    ("本项目预算500万元。", set()),
    # --- unnecessary qualifications, en
    ("Bidders must have registered capital of at least CNY 10 million.", {(QUAL, B)}),
    ("The supplier shall have an annual turnover of at least USD 5 million.", {(QUAL, B)}),
    ("The company must have been in business for at least 5 years.", {(QUAL, B)}),
    ("Suppliers with at least 200 employees only.", {(QUAL, B)}),
    ("The laptop battery must last at least 10 hours.", set()),
    ("A warranty of at least 3 years is required.", set()),
    ("The software must support at least 200 concurrent users.", set()),
    # --- local restriction, zh
    ("仅限本地企业参与投标。", {(LOCAL, B)}),
    ("投标人须在本市设有分支机构。", {(LOCAL, B)}),
    ("供应商注册地须为北京市。", {(LOCAL, B)}),
    ("货物须送至北京市海淀区指定地点。", set()),
    ("系统须支持本地化部署和本地存储。", set()),
    # --- local restriction, en
    ("A local office required.", {(LOCAL, B)}),
    ("The supplier must be registered in the city.", {(LOCAL, B)}),
    ("Vendors must maintain an office in the state.", {(LOCAL, B)}),
    ("Deliver to the city hall loading dock; on-site support within 4 hours.", set()),
    ("Logs are kept in local storage in local time.", set()),
    # --- discriminatory certificates, zh
    ("投标人须为中国500强企业。", {(CERT, B)}),
    ("投标产品须为省著名商标产品。", {(CERT, B)}),
    ("投标人须获得过省级以上质量奖。", {(CERT, B)}),
    ("产品须具有中国强制性产品认证（CCC）和节能产品认证证书。", set()),
    ("供应商须通过ISO9001质量管理体系认证。", set()),
    # --- discriminatory certificates, en
    ("Preference is given to an award-winning supplier.", {(CERT, B)}),
    ("Bidders must be Fortune 500 companies.", {(CERT, B)}),
    ("The vendor must be ranked among the top 10 in the industry.", {(CERT, B)}),
    ("Products must be ENERGY STAR certified and TAA compliant.", set()),
    # --- several in one sentence
    ("投标人须为本地企业，注册资本不低于1000万元。", {(LOCAL, B), (QUAL, B)}),
    ("Fortune 500 suppliers with a local office only.", {(CERT, B), (LOCAL, B)}),
    # --- written after the rules, before running them on these (a held-out check)
    ("投标人须为戴尔授权的一级代理商。", {(BRAND, B)}),
    ("打印机须为佳能品牌。", {(BRAND, B)}),
    ("显示器参考型号：P2422H或同等。", {(MODEL, W)}),
    ("要求投标人注册资金在3000万元以上。", {(QUAL, B)}),
    ("投标人成立时间不少于三年。", {(QUAL, B)}),
    ("投标人从业人员不少于100人。", {(QUAL, B)}),
    ("投标人须为本省注册企业。", {(LOCAL, B)}),
    ("投标人须在当地设有售后服务网点。", {(LOCAL, B)}),
    ("投标人须获得省级以上荣誉称号。", {(CERT, B)}),
    ("投标产品须为中国驰名商标。", {(CERT, B)}),
    ("内存不少于32GB，硬盘不少于1TB，保修三年。", set()),
    ("供货期不超过30天，送货至本单位。", set()),
    ("须提供原厂三年质保承诺函。", set()),
    ("The bidder must be an authorised Lenovo reseller.", {(BRAND, B)}),
    ("Servers: Dell PowerEdge R750 or equal.", {(BRAND, W), (MODEL, W)}),
    ("The firm must have at least 10 years of operation.", {(QUAL, B)}),
    ("Minimum annual revenue of USD 20 million.", {(QUAL, B)}),
    ("Only local suppliers may bid.", {(LOCAL, B)}),
    ("The supplier must be headquartered in the state.", {(LOCAL, B)}),
    ("Bidders shall have won a national quality award.", {(CERT, B)}),
    ("Screens of at least 23.8 inches with 1920x1080 resolution.", set()),
    ("Delivery within 10 business days to the ministry.", set()),
    ("Paper of 80 g/m2, 500 sheets per ream, 5 reams per box.", set()),
    ("The vendor must hold ISO 27001 certification.", set()),
    # --- probes that found faults (fixed): ambiguous names, "或" inside a brand, horsepower
    ("采购长城牌电脑。", {(BRAND, B)}),
    ("组织干部参观长城，交通费另计。", set()),
    ("须为华为或同等品牌。", {(BRAND, W)}),
    ("The pump must deliver 5 HP at 3000 rpm.", set()),
]


def _measure() -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    misses: list[str] = []
    for text, expected in LABELLED:
        got = {(f.code, f.severity) for f in check_requirement(text, KNOWN_BRANDS, KNOWN_MODELS)}
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
        if got != expected:
            misses.append(f"{text!r}: expected {sorted(expected)}, got {sorted(got)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, misses


def test_labelled_sentences_precision_and_recall() -> None:
    assert len(LABELLED) >= 40
    assert any(not e for _, e in LABELLED) and any(e for _, e in LABELLED)
    precision, recall, misses = _measure()
    print(f"\nrequirement checks on {len(LABELLED)} sentences: "
          f"precision {precision:.3f}, recall {recall:.3f}")
    for miss in misses:
        print("  miss:", miss)
    assert precision >= 0.9, misses
    assert recall >= 0.9, misses


@pytest.mark.parametrize("text, needle", [
    ("投标产品须为联想品牌。", "联想"),
    ("注意：投标人注册资本不低于5000万元", "注册资本不低于5000万元"),
    ("We need it. The laptops must be Dell Latitude.", "Dell"),
])
def test_spans_point_into_the_text(text: str, needle: str) -> None:
    findings = check_requirement(text)
    assert any(text[f.start:f.end] == needle for f in findings), findings
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.excerpt == text[f.start:f.end]


def test_every_finding_cites_its_rule_in_both_languages() -> None:
    for text, _ in LABELLED:
        for f in check_requirement(text, KNOWN_BRANDS, KNOWN_MODELS):
            assert f.rule_zh == RULES[f.code].citation_zh and f.rule_en == RULES[f.code].citation_en
            assert f.message_zh and f.message_en and f.excerpt in f.message_en


def test_or_equivalent_lowers_brand_to_warn_and_any_brand_is_clean() -> None:
    assert [f.severity for f in check_requirement("须为联想品牌。")] == ["block"]
    assert [f.severity for f in check_requirement("须为联想品牌或同等。")] == ["warn"]
    assert [f.severity for f in check_requirement("must be Lenovo or equivalent")] == ["warn"]
    assert check_requirement("品牌不限。") == []
    assert check_requirement("any brand") == []


def test_catalogue_brands_are_checked() -> None:
    assert check_requirement("须为Zeta牌") != []  # the generic "须为…牌" pattern
    assert check_requirement("we want Zorblax laptops") == []
    assert [f.code for f in check_requirement("we want Zorblax laptops", ["Zorblax"])] == [
        "brand_named"]
