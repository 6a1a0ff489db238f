"""Gateway behaviour shared by every API: authentication, tokens, errors,
request ids, routing, parameter validation, permissions, flow control,
health endpoints, the operator API and the admin CLI."""

import datetime as dt
import json
import re
import time

import pytest
import requests

from huaweicloudsdkbss.v2 import (
    ListIndirectPartnersRequest,
    ListSubCustomersRequest,
    QueryIndirectPartnersReq,
    QuerySubCustomerListReq,
)
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from conftest import (
    AUTH_PREFIX,
    DEFAULT_PASSWORD,
    CustomerFactory,
    PartnerFactory,
    assert_error,
    expect_sdk_error,
    issue_token,
    list_customers,
    list_resellers,
    make_client,
    token_request,
    unique,
)

QUERY_PATH = "/v2/partners/sub-customers/query"
RESELLERS_PATH = "/v2/partners/indirect-partners/query"


def list_customers_with(client):
    return client.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq()))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def assert_auth_failure(e_or_resp, *fragments):
    """401 APIGW.0301 with the gateway's message prefix and the given detail."""
    if isinstance(e_or_resp, requests.Response):
        data = assert_error(e_or_resp, 401, "APIGW.0301")
        msg = data["error_msg"]
    else:
        assert (e_or_resp.status_code, e_or_resp.error_code) == (401, "APIGW.0301"), (
            e_or_resp.status_code, e_or_resp.error_code, e_or_resp.error_msg)
        msg = e_or_resp.error_msg
    assert msg.startswith(AUTH_PREFIX), msg
    for frag in fragments:
        assert re.search(frag, msg, re.IGNORECASE), f"{frag!r} not in {msg!r}"
    return msg


# ---------------------------------------------------------------- AK/SK

def test_signed_sdk_call_succeeds(partners):
    dist = partners.solution_provider()
    resp = list_customers(dist)
    assert resp.count == 0
    assert resp.customer_infos == []


def test_wrong_secret_key_is_rejected(partners):
    dist = partners.solution_provider()
    client = dist.client_with(dist.access_key, dist.secret_key[::-1] + "x")
    e = expect_sdk_error(lambda: list_customers_with(client), 401, "APIGW.0301")
    assert_auth_failure(e, "verify aksk signature fail")


def test_unknown_access_key_is_rejected(partners):
    dist = partners.solution_provider()
    client = dist.client_with("UNKNOWN" + unique("ak").upper(), dist.secret_key)
    e = expect_sdk_error(lambda: list_customers_with(client), 401, "APIGW.0301")
    assert_auth_failure(e, r"\bak\b.*not (found|exist)")


@pytest.mark.parametrize("skew_minutes", [-20, 20], ids=["stale", "future"])
def test_request_date_out_of_window_is_rejected(partners, skew_minutes):
    dist = partners.solution_provider()
    resp = dist.signed("POST", QUERY_PATH, {},
                       date=utcnow() + dt.timedelta(minutes=skew_minutes))
    assert_auth_failure(resp, "request date")


def test_request_date_within_window_is_accepted(partners):
    # 15 minutes is the allowed skew; a few minutes either way must pass.
    dist = partners.solution_provider()
    for minutes in (-5, 5):
        resp = dist.signed("POST", QUERY_PATH, {}, date=utcnow() + dt.timedelta(minutes=minutes))
        assert resp.status_code == 200, resp.text


def test_missing_credentials_are_rejected(server):
    resp = requests.post(server.base_url + QUERY_PATH, json={}, timeout=30)
    assert_auth_failure(resp, "x-auth-token not found")


def test_tampered_body_fails_signature(partners, server):
    # Sign one body, send another: the payload hash is part of the signature.
    dist = partners.solution_provider()
    good = dist.signed("POST", QUERY_PATH, {"limit": 5})
    assert good.status_code == 200, good.text
    host = server.base_url.split("://", 1)[1]
    req = SdkRequest(method="POST", schema="http", host=host, resource_path=QUERY_PATH,
                     query_params=[], header_params={"Content-Type": "application/json",
                                                     "X-Domain-Id": dist.domain_id},
                     body=b'{"limit": 5}')
    Signer(GlobalCredentials(dist.access_key, dist.secret_key)).sign(req)
    resp = requests.post(req.url, headers=req.header_params, data=b'{"limit": 6}', timeout=30)
    assert_auth_failure(resp, "verify aksk signature fail")


def test_repeated_signature_failures_lock_the_access_key(partners):
    # The gateway locks an AK for 5 minutes after 5 consecutive failed
    # AK/SK authentications (spec README); then even a correct signature fails.
    dist = partners.solution_provider()
    bad = dist.client_with(dist.access_key, "wrong" + dist.secret_key)
    for _ in range(5):
        expect_sdk_error(lambda: list_customers_with(bad), 401, "APIGW.0301")
    e = expect_sdk_error(lambda: list_customers(dist), 401, "APIGW.0301")
    assert_auth_failure(e, "AK access failed to reach the limit")


def test_revoked_key_is_rejected(partners, cli):
    dist = partners.solution_provider()
    ak, sk = partners.key_for(dist.domain_id)
    second = dist.client_with(ak, sk)
    assert list_customers_with(second).count == 0

    keys = cli("admin", "key", "list", "--domain-id", dist.domain_id, "--json")["keys"]
    by_ak = {k["access_key"]: k for k in keys}
    assert {dist.access_key, ak} <= set(by_ak), keys
    for k in keys:
        assert k["domain_id"] == dist.domain_id
        assert k.get("status") and k.get("created_at"), k
    status_before = by_ak[ak]["status"]

    cli("admin", "key", "revoke", "--access-key", ak)

    e = expect_sdk_error(lambda: list_customers_with(second), 401, "APIGW.0301")
    assert_auth_failure(e)
    # other keys of the same account keep working
    assert list_customers(dist).count == 0

    keys = cli("admin", "key", "list", "--domain-id", dist.domain_id, "--json")["keys"]
    after = {k["access_key"]: k for k in keys}
    assert ak not in after or after[ak]["status"] != status_before, after


# ---------------------------------------------------------------- tokens

def test_token_issue_and_use(partners, server):
    dist = partners.distributor()
    resp = issue_token(server.base_url, dist.domain_name, DEFAULT_PASSWORD)
    assert resp.status_code == 201, resp.text
    token = resp.headers.get("X-Subject-Token")
    assert token
    assert resp.headers.get("X-Request-Id")
    body = resp.json()["token"]
    assert body["methods"] == ["password"]
    assert body["domain"] == {"id": dist.domain_id, "name": dist.domain_name} or (
        body["domain"]["id"] == dist.domain_id and body["domain"]["name"] == dist.domain_name)
    assert body["user"]["name"] == dist.domain_name
    assert body["user"]["id"]
    assert body["user"]["domain"]["id"] == dist.domain_id
    assert body["user"]["domain"]["name"] == dist.domain_name
    assert body["issued_at"] and body["expires_at"]
    # same ISO-8601 UTC shape for both, so string order is time order
    assert body["expires_at"] > body["issued_at"], body

    ok = token_request(server.base_url, "POST", QUERY_PATH, token, {})
    assert ok.status_code == 200, ok.text
    assert ok.json()["count"] == 0
    ok = token_request(server.base_url, "POST", RESELLERS_PATH, token, {})
    assert ok.status_code == 200, ok.text


def test_token_wrong_password(partners, server):
    dist = partners.solution_provider()
    resp = issue_token(server.base_url, dist.domain_name, DEFAULT_PASSWORD + "nope")
    assert resp.status_code == 401, resp.text
    assert not resp.headers.get("X-Subject-Token")


def test_token_unknown_user(server):
    resp = issue_token(server.base_url, unique("nobody"), DEFAULT_PASSWORD)
    assert resp.status_code == 401, resp.text


def test_garbage_token_is_rejected(server):
    resp = token_request(server.base_url, "POST", QUERY_PATH, "MIIgarbage" + "x" * 40, {})
    assert_auth_failure(resp, "token")


# ---------------------------------------------------------------- request ids, routing

def test_request_id_on_success_and_errors(partners, server):
    dist = partners.solution_provider()
    ok = dist.signed("POST", QUERY_PATH, {})
    assert ok.status_code == 200
    unauth = requests.post(server.base_url + QUERY_PATH, json={}, timeout=30)
    missing = dist.signed("POST", "/v2/partners/no-such-api", {})
    ids = [r.headers.get("X-Request-Id") for r in (ok, unauth, missing)]
    assert all(ids), ids
    assert len(set(ids)) == 3, f"request ids must be unique: {ids}"
    # error bodies carry it too (gateway error shape)
    assert unauth.json().get("request_id") in (None, ids[1])


def test_sdk_exception_carries_request_id(partners):
    dist = partners.solution_provider()
    e = expect_sdk_error(lambda: list_customers(dist, limit=101), 400, "CBC.0100")
    assert e.request_id


def test_unknown_path_is_404(partners):
    dist = partners.solution_provider()
    resp = dist.signed("POST", "/v2/partners/no-such-api", {})
    assert_error(resp, 404, "APIGW.0101")


def test_wrong_method_is_404(partners):
    dist = partners.solution_provider()
    resp = dist.signed("GET", QUERY_PATH)
    assert_error(resp, 404, "APIGW.0101")


# ---------------------------------------------------------------- parameter validation

@pytest.mark.parametrize("raw", [b'{"limit": ', b"not json", b'{"limit": 10,}', b"[]"],
                         ids=["truncated", "text", "trailing-comma", "not-object"])
def test_malformed_json_is_400(partners, raw):
    dist = partners.solution_provider()
    resp = dist.signed("POST", QUERY_PATH, raw)
    assert_error(resp, 400, "CBC.0100")


@pytest.mark.parametrize("body", [{"limit": "abc"}, {"offset": "x"}, {"account_name": 5},
                                  {"limit": 1.5}],
                         ids=["limit-string", "offset-string", "name-number", "limit-float"])
def test_wrong_typed_field_is_400(partners, body):
    dist = partners.solution_provider()
    resp = dist.signed("POST", QUERY_PATH, body)
    assert_error(resp, 400, "CBC.0100")


@pytest.mark.parametrize("field,max_len", [
    ("account_name", 64), ("customer", 64), ("label", 64), ("customer_id", 64),
    ("indirect_partner_id", 64), ("association_type", 2), ("associated_on_begin", 20),
    ("associated_on_end", 20),
])
def test_overlong_field_names_the_field(partners, field, max_len):
    dist = partners.solution_provider()
    e = expect_sdk_error(lambda: list_customers(dist, **{field: "a" * (max_len + 1)}),
                         400, "CBC.0100")
    assert field in e.error_msg, e.error_msg


def test_limit_bounds(partners):
    dist = partners.distributor()
    assert list_customers(dist, limit=100).count == 0
    expect_sdk_error(lambda: list_customers(dist, limit=101), 400, "CBC.0100")
    expect_sdk_error(lambda: list_resellers(dist, limit=101), 400, "CBC.0100")


# ---------------------------------------------------------------- permissions

def _all_partner_calls(client):
    return [
        lambda: list_customers_with(client),
        lambda: client.list_indirect_partners(
            ListIndirectPartnersRequest(body=QueryIndirectPartnersReq())),
    ]


def test_customer_key_cannot_call_partner_apis(partners, customers):
    dist = partners.solution_provider()
    cust = customers.principal(customers.create(dist))
    for call in _all_partner_calls(cust.client):
        expect_sdk_error(call, 403, "CBC.0151")
    # nor create customers of its own
    req = CustomerFactory.request(cust, xaccount_type=dist.xaccount_type)
    expect_sdk_error(lambda: cust.client.create_sub_customer(req), 403, "CBC.0151")


def test_customer_token_cannot_call_partner_apis(partners, customers, token_for, server):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    token = token_for(cust.domain_name, cust.password)
    for path in (QUERY_PATH, RESELLERS_PATH):
        assert_error(token_request(server.base_url, "POST", path, token, {}), 403, "CBC.0151")


def test_reseller_cannot_list_indirect_partners(partners):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    expect_sdk_error(lambda: list_resellers(reseller), 403, "CBC.0151")


def test_solution_provider_cannot_list_indirect_partners(partners):
    sp = partners.solution_provider()
    expect_sdk_error(lambda: list_resellers(sp), 403, "CBC.0151")


def test_partner_key_cannot_use_operator_api(partners):
    dist = partners.solution_provider()
    assert_error(dist.signed("GET", "/operator/v1/keys", query={"domain_id": dist.domain_id}),
                 403, "CBC.0151")
    assert_error(dist.signed("POST", "/operator/v1/partners",
                             {"name": unique("evil"), "kind": "distributor"}),
                 403, "CBC.0151")


# ---------------------------------------------------------------- flow control

@pytest.mark.slow
def test_flow_control(start_server, cli):
    srv = start_server("ratelimit", ["--rate-limit", "2"])
    factory = PartnerFactory(cli.for_database(srv.database), srv.base_url)
    dist = factory.distributor()
    other = factory.solution_provider()
    client = dist.client

    outcomes = []
    for _ in range(10):
        try:
            list_customers_with(client)
            outcomes.append("ok")
        except ServiceResponseException as e:
            outcomes.append((e.status_code, e.error_code))
    limited = [o for o in outcomes if o != "ok"]
    assert "ok" in outcomes, outcomes
    assert limited, f"10 rapid calls at --rate-limit 2 were never throttled: {outcomes}"
    assert set(limited) == {(429, "APIGW.0308")}, outcomes

    # the limit is per API and per caller
    assert list_resellers(dist).count == 0
    assert list_customers(other).count == 0

    time.sleep(1.1)
    assert list_customers_with(client).count == 0


# ---------------------------------------------------------------- health

def test_health_ready_metrics(server, partners):
    r = requests.get(server.base_url + "/health", timeout=10)
    assert r.status_code == 200
    assert isinstance(r.json(), dict)
    r = requests.get(server.base_url + "/health/ready", timeout=10)
    assert r.status_code == 200
    # make sure at least one API request has been counted
    list_customers(partners.distributor())
    r = requests.get(server.base_url + "/metrics", timeout=10)
    assert r.status_code == 200
    assert "partner_center_requests_total" in r.text


# ---------------------------------------------------------------- operator API

def test_operator_creates_partners_and_manages_keys(operator, server):
    name = unique("opdist")
    resp = operator.signed("POST", "/operator/v1/partners",
                           {"name": name, "kind": "distributor", "password": DEFAULT_PASSWORD})
    assert resp.status_code == 201, resp.text
    assert resp.headers.get("X-Request-Id")
    dist = resp.json()
    for key in ("domain_id", "domain_name", "access_key", "secret_key", "xaccount_type"):
        assert dist.get(key), dist
    client = make_client(server.base_url, dist["access_key"], dist["secret_key"],
                         dist["domain_id"])
    assert list_customers_with(client).count == 0
    tok = issue_token(server.base_url, dist["domain_name"], DEFAULT_PASSWORD)
    assert tok.status_code == 201, tok.text

    # a reseller under it
    resp = operator.signed("POST", "/operator/v1/partners",
                           {"name": unique("opresl"), "kind": "reseller",
                            "parent_id": dist["domain_id"]})
    assert resp.status_code == 201, resp.text
    reseller = resp.json()
    listed = client.list_indirect_partners(
        ListIndirectPartnersRequest(body=QueryIndirectPartnersReq()))
    assert [p.indirect_partner_id for p in listed.indirect_partners] == [reseller["domain_id"]]

    # keys
    resp = operator.signed("POST", "/operator/v1/keys", {"domain_id": dist["domain_id"]})
    assert resp.status_code == 201, resp.text
    extra = resp.json()
    assert extra.get("access_key") and extra.get("secret_key"), extra
    resp = operator.signed("GET", "/operator/v1/keys", query={"domain_id": dist["domain_id"]})
    assert resp.status_code == 200, resp.text
    keys = resp.json()["keys"]
    assert {dist["access_key"], extra["access_key"]} <= {k["access_key"] for k in keys}, keys
    assert all(k["domain_id"] == dist["domain_id"] for k in keys), keys
    assert all("secret_key" not in k for k in keys), "listing must not disclose secrets"

    extra_client = make_client(server.base_url, extra["access_key"], extra["secret_key"],
                               dist["domain_id"])
    assert list_customers_with(extra_client).count == 0

    resp = operator.signed("DELETE", f"/operator/v1/keys/{extra['access_key']}")
    assert resp.status_code == 204, resp.text
    e = expect_sdk_error(lambda: list_customers_with(extra_client), 401, "APIGW.0301")
    assert_auth_failure(e)
    assert list_customers_with(client).count == 0


def test_operator_api_requires_auth(server):
    resp = requests.get(server.base_url + "/operator/v1/keys", params={"domain_id": "x"},
                        timeout=30)
    assert_auth_failure(resp)


# ---------------------------------------------------------------- CLI

def _assert_clean_cli_failure(proc):
    assert proc.returncode != 0, f"expected failure, got 0: {proc.stdout}"
    assert proc.stderr.strip(), "an error message is expected on stderr"
    for marker in ("Traceback", "Fatal error", "Stack dump", "Segmentation fault",
                   "Current stack trace"):
        assert marker not in proc.stderr, proc.stderr


def test_cli_rejects_bad_kind(cli):
    proc = cli.run("admin", "partner", "create", "--name", unique("bad"),
                   "--kind", "wholesaler", "--json")
    _assert_clean_cli_failure(proc)


def test_cli_rejects_reseller_without_parent(cli):
    proc = cli.run("admin", "partner", "create", "--name", unique("orphan"),
                   "--kind", "reseller", "--json")
    _assert_clean_cli_failure(proc)


def test_cli_rejects_reseller_under_non_distributor(cli, partners):
    sp = partners.solution_provider()
    proc = cli.run("admin", "partner", "create", "--name", unique("orphan"),
                   "--kind", "reseller", "--parent", sp.domain_id, "--json")
    _assert_clean_cli_failure(proc)


def test_cli_partner_create_prints_json(cli):
    out = cli("admin", "partner", "create", "--name", unique("sp"),
              "--kind", "solution-provider", "--json")
    assert set(out) >= {"domain_id", "domain_name", "access_key", "secret_key", "xaccount_type"}


def test_content_type_with_charset_is_accepted(partners):
    # The API reference documents `application/json;charset=UTF-8`.
    dist = partners.solution_provider()
    resp = dist.signed("POST", QUERY_PATH, {"limit": 5},
                       headers={"Content-Type": "application/json;charset=UTF-8"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["count"] == 0


def test_signature_covers_non_ascii_body(partners):
    # The payload hash is over the raw UTF-8 bytes.
    dist = partners.solution_provider()
    body = json.dumps({"account_name": "名字", "customer": "客户"}, ensure_ascii=False)
    resp = dist.signed("POST", QUERY_PATH, body.encode("utf-8"))
    assert resp.status_code == 200, resp.text
    assert resp.json()["count"] == 0


def test_signature_covers_encoded_query(operator, partners):
    # Canonical query strings are percent-encoded and sorted before signing.
    dist = partners.solution_provider()
    resp = operator.signed("GET", "/operator/v1/keys",
                           query={"domain_id": dist.domain_id, "z": "a b/c~é"})
    assert resp.status_code == 200, resp.text
    assert dist.access_key in [k["access_key"] for k in resp.json()["keys"]]
    resp = operator.signed("GET", "/operator/v1/keys", query={"domain_id": "no such id+%"})
    assert resp.status_code in (200, 400, 404), resp.text
    if resp.status_code == 200:
        assert resp.json()["keys"] == []
