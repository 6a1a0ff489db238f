"""CreateSubCustomer, ListSubCustomers and ListIndirectPartners through the SDK."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException

from conftest import (
    CustomerFactory,
    DEFAULT_CUSTOMER_PASSWORD,
    expect_sdk_error,
    issue_token,
    list_customers,
    list_resellers,
    token_request,
    unique,
)

UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def parse_utc(value: str) -> dt.datetime:
    assert UTC_SECONDS.match(value), f"not yyyy-MM-ddTHH:mm:ssZ: {value!r}"
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def assert_recent(value: str):
    when = parse_utc(value)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - when).total_seconds()) < 600, f"{value} is not close to now ({now})"


def ids_of(resp):
    return [c.customer_id for c in resp.customer_infos]


# ---------------------------------------------------------------- CreateSubCustomer

def test_create_customer_then_token_and_key(partners, customers, server, token_for):
    dist = partners.solution_provider()
    name = unique("cust")
    req = CustomerFactory.request(dist, domain_name=name, password=DEFAULT_CUSTOMER_PASSWORD)
    resp = dist.client.create_sub_customer(req)
    assert resp.domain_id
    assert resp.domain_name == name

    # the new account can sign in with its password ...
    tok = issue_token(server.base_url, name, DEFAULT_CUSTOMER_PASSWORD)
    assert tok.status_code == 201, tok.text
    assert tok.headers.get("X-Subject-Token")
    body = tok.json()["token"]
    assert body["domain"]["id"] == resp.domain_id
    assert body["domain"]["name"] == name
    assert issue_token(server.base_url, name, "Wrong-Passw0rd").status_code == 401

    # ... and can be given an AK/SK
    ak, sk = partners.key_for(resp.domain_id)
    assert ak and sk


def test_solution_provider_creates_and_lists_customer(partners, customers):
    sp = partners.solution_provider()
    cust = customers.create(sp)
    listed = list_customers(sp)
    assert listed.count == 1
    assert ids_of(listed) == [cust.domain_id]


def test_create_without_domain_name_generates_one(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist, domain_name=None, password=None)
    assert len(cust.domain_name) == 32, cust.domain_name
    listed = list_customers(dist, customer_id=cust.domain_id)
    assert [c.account_name for c in listed.customer_infos] == [cust.domain_name]


def test_create_with_empty_domain_name_generates_one(partners, customers):
    dist = partners.solution_provider()
    resp = dist.client.create_sub_customer(CustomerFactory.request(dist, domain_name=""))
    assert resp.domain_id
    assert len(resp.domain_name) == 32, resp.domain_name


def test_wrong_xaccount_type_is_rejected(partners):
    dist = partners.solution_provider()
    other = partners.solution_provider()
    for xtype in (other.xaccount_type, dist.xaccount_type + "_X"):
        req = CustomerFactory.request(dist, xaccount_type=xtype)
        expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.0101")
    assert list_customers(dist).count == 0


def test_duplicate_domain_name_is_rejected(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    req = CustomerFactory.request(dist, domain_name=cust.domain_name)
    expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.99000038")
    # account names are global, not per partner
    other = partners.solution_provider()
    req = CustomerFactory.request(other, domain_name=cust.domain_name)
    expect_sdk_error(lambda: other.client.create_sub_customer(req), 400, "CBC.99000038")


@pytest.mark.parametrize("bad", [
    "abcd",                 # too short (min 5)
    "a" * 33,               # too long (max 32)
    "1abcdef",              # must start with a letter, '_' or '-'
    "12345678",             # all digits
    "op_customer1",         # reserved prefix
    "shadow_customer1",     # reserved prefix
    "bad.name1",            # '.' not allowed
    "bad name1",            # space not allowed
    "名字名字名字",          # non-ASCII
])
def test_bad_domain_name_is_rejected(partners, bad):
    dist = partners.solution_provider()
    req = CustomerFactory.request(dist, domain_name=bad)
    expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.99000031")


def test_duplicate_xaccount_id_is_rejected(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    req = CustomerFactory.request(dist, xaccount_id=cust.xaccount_id)
    expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.99000039")
    assert list_customers(dist).count == 1


def _reversed(s):
    return s[::-1]


@pytest.mark.parametrize("kind", ["short", "one-class", "equals-name", "reversed-name"])
def test_bad_password_is_rejected(partners, kind):
    dist = partners.solution_provider()
    name = unique("Cust")
    password = {
        "short": "Ab1!x",
        "one-class": "abcdefghijkl",
        "equals-name": name,
        "reversed-name": _reversed(name),
    }[kind]
    req = CustomerFactory.request(dist, domain_name=name, password=password)
    expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.99000036")


@pytest.mark.parametrize("mobile", ["12345", "abcdefghijk", "2380000000099"])
def test_bad_mobile_is_rejected(partners, mobile):
    dist = partners.solution_provider()
    req = CustomerFactory.request(dist, mobile_phone=mobile, verification_code="123456")
    expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.5017")


def test_missing_required_fields_are_rejected(partners):
    dist = partners.solution_provider()
    for body in ({"xaccount_type": dist.xaccount_type},
                 {"xaccount_id": unique("x")}):
        resp = dist.signed("POST", "/v2/partners/sub-customers", body)
        assert resp.status_code == 400, resp.text
        assert resp.json()["error_code"] in ("CBC.0100", "CBC.0101"), resp.text


def test_foreign_indirect_partner_is_rejected_on_create(partners):
    dist = partners.distributor()
    other = partners.distributor()
    foreign_reseller = partners.reseller(other)
    req = CustomerFactory.request(dist, indirect_partner_id=foreign_reseller.domain_id)
    expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.99000037")
    assert list_customers(other, indirect_partner_id=foreign_reseller.domain_id).count == 0


# ---------------------------------------------------------------- ListSubCustomers

def test_list_returns_customer_fields(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    resp = list_customers(dist)
    assert resp.count == 1
    assert len(resp.customer_infos) == 1
    info = resp.customer_infos[0]
    assert info.customer_id == cust.domain_id
    assert info.account_name == cust.domain_name
    assert info.xaccount_id == cust.xaccount_id
    assert info.xaccount_type == dist.xaccount_type
    assert info.association_type == "2"
    assert_recent(info.associated_on)


def test_list_filters_account_name_fuzzy(partners, customers):
    dist = partners.solution_provider()
    tag = unique("c")
    north = customers.create(dist, domain_name=f"{tag}_north_one").domain_id
    south = customers.create(dist, domain_name=f"{tag}_south_two").domain_id

    def names(filter_value):
        resp = list_customers(dist, account_name=filter_value)
        assert resp.count == len(resp.customer_infos)
        return set(ids_of(resp))

    assert names(tag) == {north, south}              # prefix
    assert names(f"{tag}_no") == {north}             # prefix
    assert names("south") == {south}                 # infix
    assert names("th_on") == {north}                 # infix
    assert names("_two") == {south}                  # suffix
    assert names(f"{tag}_north_one") == {north}      # whole name
    assert names("zzz_nomatch") == set()
    assert names("") == {north, south}               # "" means no filter


def test_list_filters_customer_id(partners, customers):
    dist = partners.solution_provider()
    a = customers.create(dist)
    customers.create(dist)
    resp = list_customers(dist, customer_id=a.domain_id)
    assert resp.count == 1
    assert ids_of(resp) == [a.domain_id]
    assert list_customers(dist, customer_id="0" * 32).count == 0


def test_list_paging(partners, customers):
    dist = partners.solution_provider()
    created = {customers.create(dist, password=None).domain_id for _ in range(5)}

    pages = []
    for offset in (0, 2, 4):
        resp = list_customers(dist, offset=offset, limit=2)
        assert resp.count == 5
        pages.append(ids_of(resp))
    assert [len(p) for p in pages] == [2, 2, 1]
    seen = [cid for page in pages for cid in page]
    assert len(seen) == len(set(seen)), f"pages overlap: {pages}"
    assert set(seen) == created

    past_end = list_customers(dist, offset=10, limit=2)
    assert past_end.count == 5
    assert past_end.customer_infos == []


def test_list_default_limit_is_10(partners, customers):
    dist = partners.solution_provider()
    for _ in range(12):
        customers.create(dist, password=None)
    resp = list_customers(dist)
    assert resp.count == 12
    assert len(resp.customer_infos) == 10
    assert len(list_customers(dist, offset=10).customer_infos) == 2


def test_other_distributor_never_sees_customers(partners, customers):
    first = partners.solution_provider()
    second = partners.solution_provider()
    cust = customers.create(first)
    assert list_customers(second).count == 0
    assert list_customers(second, customer_id=cust.domain_id).count == 0
    assert list_customers(second, account_name=cust.domain_name).count == 0


def test_distributor_lists_reseller_customers_only_by_indirect_partner_id(partners, customers):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    for_reseller = customers.create(dist, indirect_partner_id=reseller.domain_id)

    # The distributor's own list is empty: the customer it created is the reseller's.
    mine = list_customers(dist)
    assert ids_of(mine) == [] and mine.count == 0

    theirs = list_customers(dist, indirect_partner_id=reseller.domain_id)
    assert theirs.count == 1
    assert ids_of(theirs) == [for_reseller.domain_id]
    info = theirs.customer_infos[0]
    assert info.account_name == for_reseller.domain_name
    assert info.xaccount_id == for_reseller.xaccount_id
    assert info.association_type == "2"
    assert_recent(info.associated_on)

    # another distributor's reseller is not ours to look at
    other = partners.distributor()
    foreign = partners.reseller(other)
    expect_sdk_error(lambda: list_customers(dist, indirect_partner_id=foreign.domain_id),
                     400, "CBC.99000037")
    # nor can the other distributor look at ours
    expect_sdk_error(lambda: list_customers(other, indirect_partner_id=reseller.domain_id),
                     400, "CBC.99000037")


# ---------------------------------------------------------------- ListIndirectPartners

def test_list_indirect_partners(partners):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    other = partners.distributor()
    partners.reseller(other)

    resp = list_resellers(dist)
    assert resp.count == 1
    assert len(resp.indirect_partners) == 1
    info = resp.indirect_partners[0]
    assert info.indirect_partner_id == reseller.domain_id
    assert info.account_name == reseller.domain_name
    assert_recent(info.associated_on)

    by_id = list_resellers(dist, indirect_partner_id=reseller.domain_id)
    assert [p.indirect_partner_id for p in by_id.indirect_partners] == [reseller.domain_id]

    # the other distributor sees only its own reseller, never ours
    theirs = list_resellers(other)
    assert theirs.count == 1
    assert reseller.domain_id not in [p.indirect_partner_id for p in theirs.indirect_partners]
    assert list_resellers(other, indirect_partner_id=reseller.domain_id).count == 0

    # a distributor with no resellers gets an empty page
    assert list_resellers(partners.distributor()).count == 0


# ---------------------------------------------------------------- more CreateSubCustomer rules

def test_customer_name_cannot_reuse_a_partner_account_name(partners):
    # Partners and customers sign in by account name, so names are one namespace.
    dist = partners.solution_provider()
    other = partners.solution_provider()
    req = CustomerFactory.request(dist, domain_name=other.domain_name)
    expect_sdk_error(lambda: dist.client.create_sub_customer(req), 400, "CBC.99000038")


def test_create_with_optional_flags(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist, include_association_result=True, is_close_market_ms="true")
    assert ids_of(list_customers(dist, customer_id=cust.domain_id)) == [cust.domain_id]


def test_concurrent_creates_all_succeed(partners, customers):
    dist = partners.solution_provider()
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: customers.create(dist, password=None).domain_id, range(8)))
    assert len(set(made)) == 8
    resp = list_customers(dist, limit=100)
    assert resp.count == 8
    assert set(ids_of(resp)) == set(made)


def test_concurrent_duplicate_names_have_one_winner(partners):
    # A race on the same account name must end in one account and clean
    # CBC.99000038 refusals, never a 500.
    dist = partners.solution_provider()
    name = unique("race")

    def attempt(_):
        try:
            return dist.client.create_sub_customer(
                CustomerFactory.request(dist, domain_name=name)).domain_id
        except ServiceResponseException as e:
            return (e.status_code, e.error_code)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    wins = [r for r in results if isinstance(r, str)]
    losses = [r for r in results if not isinstance(r, str)]
    assert len(wins) == 1, results
    assert set(losses) == {(400, "CBC.99000038")}, results
    assert list_customers(dist, account_name=name).count == 1


# ---------------------------------------------------------------- more ListSubCustomers filters

def _utc(delta_minutes: int) -> str:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=delta_minutes)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_list_filters_association_type_and_time_window(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    assert ids_of(list_customers(dist, association_type="2")) == [cust.domain_id]
    assert list_customers(dist, association_type="1").count == 0
    assert ids_of(list_customers(dist, associated_on_begin=_utc(-60),
                                 associated_on_end=_utc(60))) == [cust.domain_id]
    assert list_customers(dist, associated_on_begin=_utc(60)).count == 0
    assert list_customers(dist, associated_on_end=_utc(-60)).count == 0


@pytest.mark.parametrize("field,value", [
    ("associated_on_begin", "2024-01-01"),
    ("associated_on_begin", ""),            # empty string is not allowed for the dates
    ("associated_on_end", "not-a-date"),
    ("offset", -1),
])
def test_list_rejects_bad_filter_values(partners, field, value):
    dist = partners.solution_provider()
    expect_sdk_error(lambda: list_customers(dist, **{field: value}), 400, "CBC.0100")


def test_create_and_list_with_token(partners, token_for, server):
    dist = partners.solution_provider()
    token = token_for(dist.domain_name, dist.password)
    name = unique("tokc")
    resp = token_request(server.base_url, "POST", "/v2/partners/sub-customers", token,
                         {"xaccount_id": unique("x"), "xaccount_type": dist.xaccount_type,
                          "domain_name": name})
    assert resp.status_code == 200, resp.text
    created = resp.json()
    assert created["domain_name"] == name and created["domain_id"]
    listed = token_request(server.base_url, "POST", "/v2/partners/sub-customers/query", token,
                           {"customer_id": created["domain_id"]})
    assert listed.status_code == 200, listed.text
    assert [c["account_name"] for c in listed.json()["customer_infos"]] == [name]


def test_list_indirect_partners_paging(partners):
    dist = partners.distributor()
    made = {partners.reseller(dist).domain_id for _ in range(3)}
    first = list_resellers(dist, limit=2)
    assert first.count == 3 and len(first.indirect_partners) == 2
    rest = list_resellers(dist, limit=2, offset=2)
    assert rest.count == 3 and len(rest.indirect_partners) == 1
    seen = [p.indirect_partner_id for p in first.indirect_partners + rest.indirect_partners]
    assert set(seen) == made and len(seen) == 3
    assert list_resellers(dist, offset=5).indirect_partners == []
