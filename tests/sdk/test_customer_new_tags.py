"""ListSubCustomerNewTag: the SMB new-customer tags of a partner's customers.

Without real-name authentication a customer's tag is empty. A verified customer is an
eligible new customer (UNDETERMINED) for the twelve Beijing months from the month it was
associated, and not new (N) after; the operator records what Huawei's programme decided
(`admin customer new-tag`), and a recorded tag reads N once its last month has passed. Ids
that are not the caller's customers are silently dropped; a distributor reads a reseller's
customers with `indirect_partner_id`.
"""
from __future__ import annotations

import pytest
import requests
from huaweicloudsdkbss.v2 import (
    ListSubCustomerNewTagReq,
    ListSubCustomerNewTagRequest,
    ShowRealNameAuthQrCodeRequest,
)

from conftest import HTTP_TIMEOUT, Cli, CustomerFactory, PartnerFactory, assert_error, expect_sdk_error

PATH = "/v2/partners/sub-customers/new-customers-tags/batch-query"


@pytest.fixture(scope="module")
def world(start_server, binary):
    srv = start_server("newtags")  # its own server: these tests move the business clock
    cli = Cli(binary, srv.database)
    cli("admin", "clock", "set", "2026-03-15T04:00:00Z", "--json")
    partners = PartnerFactory(cli, srv.base_url)
    yield srv, cli, partners, CustomerFactory(partners)
    cli("admin", "clock", "reset", "--json")


def verify(customers, cust) -> None:
    """The customer authenticates itself (face verification through its QR code's page)."""
    me = customers.principal(cust)
    image = me.client.show_real_name_auth_qr_code(ShowRealNameAuthQrCodeRequest()).qr_code_url
    r = requests.post(image.removesuffix("/qr.png"), data={"name": "张三"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text


def tags(partner, ids=None, **kw) -> dict:
    resp = partner.client.list_sub_customer_new_tag(ListSubCustomerNewTagRequest(
        body=ListSubCustomerNewTagReq(customer_ids=ids, **kw)))
    return {t.customer_id: (t.customer_tag_type, t.new_customer_tag, t.effective_time, t.expire_time)
            for t in resp.new_customer_tags}


def test_tags_by_real_name_association_month_and_the_operators_record(world):
    srv, cli, partners, customers = world
    cli("admin", "clock", "set", "2026-03-15T04:00:00Z", "--json")
    sp = partners.solution_provider()
    plain, verified, qualified = (customers.create(sp) for _ in range(3))
    for c in (verified, qualified):
        verify(customers, c)
    got = tags(sp, [plain.domain_id, verified.domain_id, qualified.domain_id])
    assert got == {
        plain.domain_id: ("SMB", "", None, None),
        verified.domain_id: ("SMB", "UNDETERMINED", "2026-03", "2027-02"),
        qualified.domain_id: ("SMB", "UNDETERMINED", "2026-03", "2027-02"),
    }
    out = cli("admin", "customer", "new-tag", "--customer-id", qualified.domain_id, "--tag", "Y",
              "--effective", "2026-04", "--expires", "2026-09", "--json")
    assert (out["customer_id"], out["new_customer_tag"], out["effective_time"], out["expire_time"]) == (
        qualified.domain_id, "Y", "2026-04", "2026-09")
    assert tags(sp, [qualified.domain_id])[qualified.domain_id] == ("SMB", "Y", "2026-04", "2026-09")
    # the last month still holds; the month after, the tag has lapsed
    cli("admin", "clock", "set", "2026-09-30T15:59:00Z", "--json")
    assert tags(sp, [qualified.domain_id])[qualified.domain_id][1] == "Y"
    cli("admin", "clock", "set", "2026-09-30T16:00:00Z", "--json")   # 1 October in Beijing
    assert tags(sp, [qualified.domain_id])[qualified.domain_id] == ("SMB", "N", "2026-04", "2026-09")
    assert tags(sp, [verified.domain_id])[verified.domain_id][1] == "UNDETERMINED"
    cli("admin", "clock", "set", "2027-02-28T04:00:00Z", "--json")
    assert tags(sp, [verified.domain_id])[verified.domain_id][1] == "UNDETERMINED"
    cli("admin", "clock", "set", "2027-03-01T04:00:00Z", "--json")
    assert tags(sp, [verified.domain_id])[verified.domain_id] == ("SMB", "N", "2026-03", "2027-02")
    # a recorded tag for an unverified customer stays empty until it is verified
    cli("admin", "customer", "new-tag", "--customer-id", plain.domain_id, "--tag", "Y",
        "--effective", "2027-01", "--expires", "2027-12", "--json")
    assert tags(sp, [plain.domain_id])[plain.domain_id] == ("SMB", "", None, None)
    verify(customers, plain)
    assert tags(sp, [plain.domain_id])[plain.domain_id] == ("SMB", "Y", "2027-01", "2027-12")


def test_all_of_a_partners_customers_in_pages_and_foreign_ids_dropped(world):
    srv, cli, partners, customers = world
    sp, other = partners.solution_provider(), partners.solution_provider()
    mine = [customers.create(sp) for _ in range(5)]
    foreign = customers.create(other)
    every = tags(sp, limit=200)
    assert set(every) == {c.domain_id for c in mine}
    order = [c.domain_id for c in mine]
    pages = []
    for offset in (0, 2, 4):
        resp = sp.client.list_sub_customer_new_tag(ListSubCustomerNewTagRequest(
            body=ListSubCustomerNewTagReq(offset=offset, limit=2)))
        pages += [t.customer_id for t in resp.new_customer_tags]
    assert pages == order  # by association time
    assert set(tags(sp, [mine[0].domain_id, foreign.domain_id, "no-such-customer"])) == {mine[0].domain_id}
    assert tags(other, [mine[0].domain_id]) == {}


def test_a_distributor_reads_its_resellers_customers(world):
    srv, cli, partners, customers = world
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    theirs = customers.create(dist, indirect_partner_id=reseller.domain_id)
    assert tags(dist) == {}
    assert set(tags(dist, indirect_partner_id=reseller.domain_id)) == {theirs.domain_id}
    stranger = partners.reseller(partners.distributor())
    expect_sdk_error(lambda: tags(dist, indirect_partner_id=stranger.domain_id), 400, "CBC.99000037")


def test_bad_input_and_other_callers(world):
    srv, cli, partners, customers = world
    sp = partners.solution_provider()
    cust = customers.create(sp)
    for body in ({"customer_ids": [f"c{i}" for i in range(201)]}, {"customer_ids": ["x" * 65]},
                 {"limit": 201}, {"limit": 0}, {"offset": -1}, {"indirect_partner_id": "x" * 65},
                 {"customer_ids": "abc"}):
        assert_error(sp.signed("POST", PATH, body), 400, "CBC.0100")
    r = sp.signed("POST", PATH, {"customer_ids": [f"c{i}" for i in range(200)], "limit": 200})
    assert r.status_code == 200 and r.json() == {"new_customer_tags": []}, r.text
    dist = partners.distributor()
    for who in (customers.principal(cust), partners.reseller(dist)):
        assert_error(who.signed("POST", PATH, {}), 403, "CBC.0151")
    for args in (["--tag", "MAYBE", "--effective", "2026-01", "--expires", "2026-12"],
                 ["--tag", "Y", "--effective", "2026-13", "--expires", "2026-12"],
                 ["--tag", "Y", "--effective", "2026-1", "--expires", "2026-12"],
                 ["--tag", "Y", "--effective", "2026-06", "--expires", "2026-05"]):
        proc = cli.run("admin", "customer", "new-tag", "--customer-id", cust.domain_id, *args, "--json")
        assert proc.returncode == 1 and proc.stderr.startswith("error:"), proc
    proc = cli.run("admin", "customer", "new-tag", "--customer-id", "no-such-customer", "--tag", "Y",
                   "--effective", "2026-01", "--expires", "2026-12", "--json")
    assert proc.returncode == 1 and "does not exist" in proc.stderr, proc
    assert tags(sp, [cust.domain_id])[cust.domain_id] == ("SMB", "", None, None)
