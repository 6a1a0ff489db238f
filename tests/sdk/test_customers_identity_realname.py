"""CheckUserIdentity, the legacy v1.0 customer list, real-name authentication
(apply, change, review queue, result) and tenancy between partners."""

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Optional

import pytest
import requests

from huaweicloudsdkbss.v2 import (
    ApplyEnterpriseRealnameAuthsReq,
    ApplyIndividualRealnameAuthsReq,
    BankCardInfoV2,
    ChangeEnterpriseRealnameAuthenticationRequest,
    ChangeEnterpriseRealnameAuthsReq,
    CheckSubcustomerUserReq,
    CheckUserIdentityRequest,
    CreateEnterpriseRealnameAuthenticationRequest,
    CreatePersonalRealnameAuthRequest,
    EnterprisePersonNew,
    ShowRealnameAuthenticationReviewResultRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException

from conftest import (
    CustomerFactory,
    assert_error,
    expect_sdk_error,
    list_customers,
    list_resellers,
    token_request,
    unique,
)

CHECK_PATH = "/v2/partners/sub-customers/users/check-identity"
INDIVIDUAL_PATH = "/v2/customers/realname-auths/individual"
ENTERPRISE_PATH = "/v2/customers/realname-auths/enterprise"
RESULT_PATH = "/v2/customers/realname-auths/result"
OPERATOR_APPS = "/operator/v1/realname-applications"
NO_SUCH_ID = "0123456789abcdef0123456789abcdef"

UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
V1_KEYS = {"domainName", "name", "customerId", "cooperationTime", "cooperationType", "label",
           "telephone", "verifiedStatus", "countryCode", "customerType", "isFrozen"}
APPLICATION_KEYS = {"id", "customer_id", "customer_name", "partner_id", "kind", "identify_type",
                    "name", "verified_number", "files", "status", "submitted_at"}
CRASH_MARKERS = ("Traceback", "Fatal error", "Stack dump", "Segmentation fault",
                 "Current stack trace", "Program crashed", "Assertion failed", "Backtracing")


def v1_path(partner_id: str) -> str:
    return f"/v1.0/{partner_id}/partner/customer-mgr/query"


def unique_mobile() -> str:
    return "138" + "".join(random.choice("0123456789") for _ in range(8))


OUTBOX: dict = {}


@pytest.fixture(autouse=True)
def _outbox_reader(cli):
    OUTBOX["cli"] = cli


def sms_code(sender, mobile: str, scene: int = 29, customer_id: Optional[str] = None) -> str:
    """Sends a verification code (SendVerificationMessageCode) and reads it from the sandbox's outbox."""
    from huaweicloudsdkbss.v2 import SendVerificationCodeV2Req, SendVerificationMessageCodeRequest
    sender.client.send_verification_message_code(SendVerificationMessageCodeRequest(body=SendVerificationCodeV2Req(
        receiver_type=1, mobile_phone=mobile, scene=scene, customer_id=customer_id)))
    return OUTBOX["cli"]("admin", "outbox", "list", "--mobile", mobile, "--json")["messages"][0]["code"]


def utc(delta_minutes: int) -> str:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=delta_minutes)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def ids_of(resp):
    return [c.customer_id for c in resp.customer_infos]


def one_customer(partner, customer_id):
    resp = list_customers(partner, customer_id=customer_id)
    assert resp.count == 1 and len(resp.customer_infos) == 1, resp
    return resp.customer_infos[0]


def assert_clean_cli_failure(proc):
    assert proc.returncode > 0, (
        f"expected a clean nonzero exit, got {proc.returncode}\n"
        f"stdout: {proc.stdout}\nstderr: {proc.stderr[:2000]}")
    assert proc.stderr.strip(), "an error message is expected on stderr"
    for marker in CRASH_MARKERS:
        assert marker not in proc.stderr, proc.stderr[:2000]


# ---------------------------------------------------------------- request helpers

def check_identity(partner, search_type, search_value):
    return partner.client.check_user_identity(CheckUserIdentityRequest(
        body=CheckSubcustomerUserReq(search_type=search_type, search_value=search_value)))


def v1_list(partner, body=None, partner_id=None):
    return partner.signed("POST", v1_path(partner_id or partner.domain_id), body or {})


def v1_ok(partner, body=None):
    resp = v1_list(partner, body)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert isinstance(data.get("count"), int), data
    assert isinstance(data.get("customerInfoList"), list), data
    return data


def v1_ids(partner, body=None):
    return [c["customerId"] for c in v1_ok(partner, body)["customerInfoList"]]


def individual_fields(customer, partner, **over):
    body = dict(customer_id=customer.domain_id, identify_type=0, verified_type=3,
                verified_file_url=["kyc/front.jpg", "kyc/stamp.png", "kyc/hold.jpeg"],
                name="Chan Tai Man", verified_number="K1234567" + unique("")[:4],
                change_type=-1, xaccount_type=partner.xaccount_type)
    body.update(over)
    return body


def bank_fields(customer, partner, sender=None, **over):
    """A bank-card application; its code is sent to a fresh number first (by `sender`, the
    partner by default). A caller that may not send for this customer (another tenant's or
    an unknown one) submits a well-formed guess: its application is refused before any code."""
    given = over.pop("card", {})
    card = dict(bank_account="6222020000000000", areacode="0086", mobile=unique_mobile(), verification_code="123456")
    if "mobile" not in given and "verification_code" not in given:
        try:
            card["verification_code"] = sms_code(sender or partner, card["mobile"], scene=18, customer_id=customer.domain_id)
        except ServiceResponseException as e:
            if (e.status_code, e.error_code) not in ((400, "CBC.99000035"), (403, "CBC.0151")):
                raise
    card.update(given)
    body = dict(customer_id=customer.domain_id, identify_type=4,
                verified_file_url=["kyc/face.jpg"], name="Li Lei",
                # unique: the number of customers per document number is capped
                verified_number="110101" + unique("")[:12], xaccount_type=partner.xaccount_type,
                bank_card_info=card)
    body.update(over)
    return body


def enterprise_fields(customer, partner, **over):
    body = dict(customer_id=customer.domain_id, identify_type=1, certificate_type=0,
                verified_file_url=["corp/licence.png"], corp_name="Acme Trading Co., Ltd.",
                verified_number="91310000MA1FL0XXXX", reg_country="CN",
                reg_address="No. 1 Example Road", xaccount_type=partner.xaccount_type)
    body.update(over)
    return body


def change_fields(customer, partner, **over):
    body = enterprise_fields(customer, partner, corp_name="Chan Studio Ltd.", change_type=1)
    body.update(over)
    return body


def apply_individual(partner, body):
    body = dict(body)
    if isinstance(body.get("bank_card_info"), dict):
        body["bank_card_info"] = BankCardInfoV2(**body["bank_card_info"])
    return partner.client.create_personal_realname_auth(
        CreatePersonalRealnameAuthRequest(body=ApplyIndividualRealnameAuthsReq(**body)))


def _with_person(body):
    body = dict(body)
    if isinstance(body.get("enterprise_person"), dict):
        body["enterprise_person"] = EnterprisePersonNew(**body["enterprise_person"])
    return body


def apply_enterprise(partner, body):
    return partner.client.create_enterprise_realname_authentication(
        CreateEnterpriseRealnameAuthenticationRequest(
            body=ApplyEnterpriseRealnameAuthsReq(**_with_person(body))))


def apply_change(partner, body):
    return partner.client.change_enterprise_realname_authentication(
        ChangeEnterpriseRealnameAuthenticationRequest(
            body=ChangeEnterpriseRealnameAuthsReq(**_with_person(body))))


def review_result(partner, customer_id):
    return partner.client.show_realname_authentication_review_result(
        ShowRealnameAuthenticationReviewResultRequest(customer_id=customer_id))


def raw_result(partner, customer_id):
    resp = partner.signed("GET", RESULT_PATH, query={"customer_id": customer_id})
    assert resp.status_code == 200, resp.text
    return resp.json()


# ---------------------------------------------------------------- reviewers

class CliReviewer:
    """The review queue through `partner-center admin realname`."""

    def __init__(self, cli):
        self.cli = cli

    def list(self, status="pending"):
        return self.cli("admin", "realname", "list", "--status", status, "--json")["applications"]

    def approve(self, app_id):
        return self.cli("admin", "realname", "approve", app_id, "--json")

    def reject(self, app_id, reason):
        return self.cli("admin", "realname", "reject", app_id, "--reason", reason, "--json")


class HttpReviewer:
    """The review queue through the operator HTTP API."""

    def __init__(self, operator):
        self.operator = operator

    def list(self, status="pending"):
        resp = self.operator.signed("GET", OPERATOR_APPS, query={"status": status})
        assert resp.status_code == 200, resp.text
        return resp.json()["applications"]

    def approve(self, app_id):
        resp = self.operator.signed("POST", f"{OPERATOR_APPS}/{app_id}/approve")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def reject(self, app_id, reason):
        resp = self.operator.signed("POST", f"{OPERATOR_APPS}/{app_id}/reject",
                                    {"reason": reason})
        assert resp.status_code == 200, resp.text
        return resp.json()


@pytest.fixture(params=["cli", "operator-api"])
def reviewer(request, cli, operator):
    return CliReviewer(cli) if request.param == "cli" else HttpReviewer(operator)


@pytest.fixture
def http_reviewer(operator):
    return HttpReviewer(operator)


def pending_app_of(reviewer, customer_id):
    apps = [a for a in reviewer.list("pending") if a["customer_id"] == customer_id]
    assert len(apps) == 1, f"expected one pending application for {customer_id}: {apps}"
    return apps[0]


def assert_application(app, customer, partner, kind, status):
    assert APPLICATION_KEYS <= set(app), app
    assert app["customer_id"] == customer.domain_id, app
    assert app["customer_name"] == customer.domain_name, app
    assert app["partner_id"] == partner.domain_id, app
    assert app["kind"] == kind, app
    assert app["status"] == status, app
    assert UTC_SECONDS.match(app["submitted_at"]), app
    if status != "pending":
        assert app.get("reviewed_at") and UTC_SECONDS.match(app["reviewed_at"]), app


# ================================================================ CheckUserIdentity

def test_check_free_name_is_available(partners):
    dist = partners.solution_provider()
    resp = check_identity(dist, "name", unique("free"))
    assert resp.check_result == "available"
    # the mobile counter belongs to mobile checks only
    assert resp.mobile_remain_available_num is None


def test_check_name_of_customer_is_used(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    assert check_identity(dist, "name", cust.domain_name).check_result == "used_by_user"


@pytest.mark.parametrize("kind", ["distributor", "reseller", "solution-provider"])
def test_check_name_of_partner_is_used(partners, kind):
    # partner and customer account names share one namespace
    caller = partners.solution_provider()
    parent = partners.distributor() if kind == "reseller" else None
    taken = partners.create(kind, parent=parent)
    assert check_identity(caller, "name", taken.domain_name).check_result == "used_by_user"


def test_check_name_available_then_used_after_create(partners, customers):
    dist = partners.solution_provider()
    name = unique("soon")
    assert check_identity(dist, "name", name).check_result == "available"
    customers.create(dist, domain_name=name)
    assert check_identity(dist, "name", name).check_result == "used_by_user"


def test_check_name_of_other_partners_customer_is_used(partners, customers):
    # Names are global: the answer does not depend on who owns the account.
    cust = customers.create(partners.solution_provider())
    other = partners.solution_provider()
    assert check_identity(other, "name", cust.domain_name).check_result == "used_by_user"


def test_check_free_mobile(partners):
    dist = partners.solution_provider()
    resp = check_identity(dist, "mobile", "0086-" + unique_mobile())
    assert resp.check_result == "available"
    assert resp.mobile_remain_available_num == 1


def test_check_mobile_of_customer_is_used(partners, customers):
    dist = partners.solution_provider()
    mobile = unique_mobile()
    customers.create(dist, mobile_phone=mobile, verification_code=sms_code(dist, mobile))
    resp = check_identity(dist, "mobile", "0086-" + mobile)
    assert resp.check_result == "used_by_user"
    assert resp.mobile_remain_available_num == 0
    # and for any other partner too
    other = partners.solution_provider()
    assert check_identity(other, "mobile", "0086-" + mobile).check_result == "used_by_user"


def test_check_email(partners):
    dist = partners.solution_provider()
    resp = check_identity(dist, "email", f"{unique('m')}@example.com")
    assert resp.check_result == "available"
    assert resp.mobile_remain_available_num is None


def test_check_64_char_value_is_accepted(partners):
    dist = partners.solution_provider()
    value = "a" * (64 - len("@example.com")) + "@example.com"
    assert len(value) == 64
    assert check_identity(dist, "email", value).check_result == "available"


def test_check_raw_body_shape(partners):
    dist = partners.solution_provider()
    resp = dist.signed("POST", CHECK_PATH, {"search_type": "name", "search_value": unique("r")})
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["check_result"] == "available"
    assert data.get("error_code") in (None, "CBC.0000"), data


@pytest.mark.parametrize("search_type,value", [
    ("phone", "0086-13800000000"),
    ("", "abcdefg"),
    ("NAME", "abcdefgh"),
    ("mobile", "13800000000"),            # no country code
    ("mobile", "0085-13800000000"),       # only 0086 is supported
    ("mobile", "0001-13800000000"),
    ("mobile", "86-13800000000"),
    ("mobile", "0086 13800000000"),
    ("mobile", "0086-"),
    ("mobile", "0086-1380000abcd"),
    ("mobile", "+86-13800000000"),
    ("email", "nobody.example.com"),
    ("email", ""),
    ("name", "abcd"),                     # too short
    ("name", "a" * 33),                   # too long
    ("name", "1abcdef"),                  # starts with a digit
    ("name", "12345678"),                 # all digits
    ("name", "op_abcdefg"),               # reserved prefix
    ("name", "shadow_abcdefg"),           # reserved prefix
    ("name", "bad.name1"),
    ("name", "bad name1"),
    ("name", ""),
    ("email", "a" * 60 + "@example.com"),  # > 64 characters
    ("mobile", "0086-" + "1" * 60),       # > 64 characters
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None)
def test_check_bad_values_are_400(partners, search_type, value):
    dist = partners.solution_provider()
    expect_sdk_error(lambda: check_identity(dist, search_type, value), 400, "CBC.0100")


@pytest.mark.parametrize("body", [
    {}, {"search_type": "name"}, {"search_value": "abcdefgh"},
    {"search_type": "name", "search_value": 12345},
    {"search_type": 1, "search_value": "abcdefgh"},
    {"search_type": "name", "search_value": None},
], ids=["empty", "no-value", "no-type", "value-number", "type-number", "value-null"])
def test_check_missing_or_mistyped_fields_are_400(partners, body):
    dist = partners.solution_provider()
    assert_error(dist.signed("POST", CHECK_PATH, body), 400, "CBC.0100")


def test_check_by_customer_is_forbidden(partners, customers):
    cust = customers.principal(customers.create(partners.solution_provider()))
    expect_sdk_error(lambda: check_identity(cust, "name", unique("n")), 403, "CBC.0151")


def test_check_with_token(partners, token_for, server):
    dist = partners.solution_provider()
    token = token_for(dist.domain_name, dist.password)
    resp = token_request(server.base_url, "POST", CHECK_PATH, token,
                         {"search_type": "name", "search_value": dist.domain_name})
    assert resp.status_code == 200, resp.text
    assert resp.json()["check_result"] == "used_by_user"


# ================================================================ QueryCustomerListOld

def test_v1_list_returns_camel_case_fields(partners, customers):
    dist = partners.solution_provider()
    mobile = unique_mobile()
    cust = customers.create(dist, mobile_phone=mobile, verification_code=sms_code(dist, mobile))
    resp = v1_list(dist)
    assert resp.status_code == 200, resp.text
    assert resp.headers.get("X-Request-Id")
    data = resp.json()
    assert data["count"] == 1
    [info] = data["customerInfoList"]
    assert not any("_" in k for k in info), f"v1.0 keys must be camelCase: {sorted(info)}"
    assert info["domainName"] == cust.domain_name
    assert info["customerId"] == cust.domain_id
    assert info["cooperationType"] == "2"
    assert UTC_SECONDS.match(info["cooperationTime"]), info
    assert info["verifiedStatus"] == "-1"
    assert info["customerType"] == -1
    assert info["isFrozen"] == 0
    assert info["name"] == ""
    assert info["countryCode"] == "0086"
    assert info["telephone"] and info["telephone"] != mobile, "telephone must be masked"
    assert info["telephone"].endswith(mobile[-4:]), info


def test_v1_list_has_every_documented_key(partners, customers):
    dist = partners.solution_provider()
    mobile = unique_mobile()
    customers.create(dist, mobile_phone=mobile, verification_code=sms_code(dist, mobile))
    [info] = v1_ok(dist)["customerInfoList"]
    assert V1_KEYS <= set(info), f"missing keys: {sorted(V1_KEYS - set(info))}"


def test_v1_list_empty_is_200(partners):
    dist = partners.solution_provider()
    data = v1_ok(dist)
    assert data["count"] == 0
    assert data["customerInfoList"] == []
    data = v1_ok(dist, {"customerId": NO_SUCH_ID})
    assert data["count"] == 0 and data["customerInfoList"] == []


def test_v1_list_paging_is_by_page_number(partners, customers):
    dist = partners.solution_provider()
    created = {customers.create(dist, password=None).domain_id for _ in range(5)}
    pages = []
    for page in (1, 2, 3):
        data = v1_ok(dist, {"offset": page, "limit": 2})
        assert data["count"] == 5
        pages.append([c["customerId"] for c in data["customerInfoList"]])
    assert [len(p) for p in pages] == [2, 2, 1], pages
    seen = [cid for page in pages for cid in page]
    assert len(set(seen)) == 5 and set(seen) == created, pages
    # offset defaults to page 1, and v2 order is the same order
    assert v1_ids(dist, {"limit": 2}) == pages[0]
    past = v1_ok(dist, {"offset": 4, "limit": 2})
    assert past["count"] == 5 and past["customerInfoList"] == []
    assert v1_ok(dist, {"offset": 200000, "limit": 100})["customerInfoList"] == []


def test_v1_list_default_limit_is_10(partners, customers):
    dist = partners.solution_provider()
    for _ in range(12):
        customers.create(dist, password=None)
    data = v1_ok(dist)
    assert data["count"] == 12 and len(data["customerInfoList"]) == 10
    assert len(v1_ok(dist, {"offset": 2})["customerInfoList"]) == 2
    assert len(v1_ok(dist, {"limit": 100})["customerInfoList"]) == 12


def test_v1_list_filters(partners, customers):
    dist = partners.solution_provider()
    tag = unique("v")
    north = customers.create(dist, domain_name=f"{tag}_north").domain_id
    south = customers.create(dist, domain_name=f"{tag}_south").domain_id

    def ids(body):
        data = v1_ok(dist, body)
        assert data["count"] == len(data["customerInfoList"]), data
        return set(c["customerId"] for c in data["customerInfoList"])

    assert ids({"domainName": tag}) == {north, south}
    assert ids({"domainName": "_nor"}) == {north}          # infix
    assert ids({"domainName": "south"}) == {south}         # suffix
    assert ids({"domainName": "zz_nomatch"}) == set()
    assert ids({"domainName": ""}) == {north, south}
    assert ids({"domainName": None}) == {north, south}
    assert ids({"customerId": north}) == {north}
    assert ids({"cooperationType": "2"}) == {north, south}
    assert ids({"cooperationType": "1"}) == set()
    assert ids({"cooperationType": ""}) == {north, south}
    assert ids({"cooperationTimeStart": utc(-60), "cooperationTimeEnd": utc(60)}) == {north, south}
    assert ids({"cooperationTimeStart": utc(60)}) == set()
    assert ids({"cooperationTimeEnd": utc(-60)}) == set()
    assert ids({"label": "nolabel"}) == set()
    assert ids({"label": ""}) == {north, south}
    assert ids({"name": "Nobody"}) == set()
    assert ids({"name": ""}) == {north, south}


@pytest.mark.parametrize("body", [
    {"offset": 0}, {"offset": -1}, {"offset": 200001}, {"limit": 0}, {"limit": 101},
    {"offset": "x"}, {"limit": "abc"}, {"limit": 1.5},
    {"domainName": "a" * 65}, {"name": "a" * 65}, {"label": "a" * 65}, {"customerId": "a" * 65},
    {"cooperationType": "12"},
    {"cooperationTimeStart": "2024-01-01"}, {"cooperationTimeEnd": "not-a-date"},
    {"cooperationTimeStart": "2024-01-01 00:00:00"},
    {"domainName": 5},
], ids=lambda b: "-".join(f"{k}={str(v)[:10]}" for k, v in b.items()))
def test_v1_list_bad_values_are_400(partners, body):
    dist = partners.solution_provider()
    data = assert_error(v1_list(dist, body), 400, "CBC.0100")
    # v1.0 bodies are camelCase, but errors keep the snake_case keys
    assert "errorCode" not in data and "errorMsg" not in data, data


def test_v1_list_malformed_json_is_400(partners):
    dist = partners.solution_provider()
    assert_error(dist.signed("POST", v1_path(dist.domain_id), b'{"limit": '), 400, "CBC.0100")


def test_v1_list_partner_id_must_be_the_caller(partners, customers):
    dist = partners.solution_provider()
    other = partners.solution_provider()
    cust = customers.create(other)
    for wrong in (other.domain_id, NO_SUCH_ID, cust.domain_id, "x"):
        data = assert_error(v1_list(dist, {}, partner_id=wrong), 403, "CBC.0151")
        assert "customerInfoList" not in data


def test_v1_list_by_customer_is_forbidden(partners, customers):
    cust = customers.principal(customers.create(partners.solution_provider()))
    assert_error(v1_list(cust), 403, "CBC.0151")


def test_v1_list_with_token(partners, customers, token_for, server):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    token = token_for(dist.domain_name, dist.password)
    resp = token_request(server.base_url, "POST", v1_path(dist.domain_id), token, {})
    assert resp.status_code == 200, resp.text
    assert [c["customerId"] for c in resp.json()["customerInfoList"]] == [cust.domain_id]


def test_v1_list_matches_v2(partners, customers):
    dist = partners.solution_provider()
    for _ in range(3):
        customers.create(dist, password=None)
    v2 = list_customers(dist)
    v1 = v1_ok(dist)
    assert v1["count"] == v2.count
    by_id = {c.customer_id: c for c in v2.customer_infos}
    assert [c["customerId"] for c in v1["customerInfoList"]] == ids_of(v2)
    for info in v1["customerInfoList"]:
        twin = by_id[info["customerId"]]
        assert info["domainName"] == twin.account_name
        assert info["cooperationTime"] == twin.associated_on
        assert info["cooperationType"] == twin.association_type
        assert info["verifiedStatus"] == twin.verified_status
        assert info["customerType"] == twin.customer_type


# ================================================================ real-name: full cycle

def test_realname_individual_cycle(reviewer, partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)

    # never applied: empty result, unverified customer
    assert raw_result(dist, cust.domain_id) == {}
    assert review_result(dist, cust.domain_id).review_result is None
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type, info.customer or "") == ("-1", -1, "")

    first = individual_fields(cust, dist, name="Wrong Name")
    assert apply_individual(dist, first).is_review == 1
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type) == ("0", 0)
    assert review_result(dist, cust.domain_id).review_result == 0

    # one pending application at a time, of any kind
    expect_sdk_error(lambda: apply_individual(dist, individual_fields(cust, dist)),
                     400, "CBC.99007188")
    expect_sdk_error(lambda: apply_enterprise(dist, enterprise_fields(cust, dist)),
                     400, "CBC.99007188")

    app = pending_app_of(reviewer, cust.domain_id)
    assert_application(app, cust, dist, "individual", "pending")
    assert app["identify_type"] == 0
    assert app["name"] == "Wrong Name"
    assert app["verified_number"] == first["verified_number"]
    assert app["files"] == first["verified_file_url"]

    rejected = reviewer.reject(app["id"], "The passport photo is unreadable.")
    assert rejected["id"] == app["id"]
    assert_application(rejected, cust, dist, "individual", "rejected")
    assert rejected["opinion"] == "The passport photo is unreadable."

    result = review_result(dist, cust.domain_id)
    assert result.review_result == 1
    assert result.opinion == "The passport photo is unreadable."
    assert one_customer(dist, cust.domain_id).verified_status == "1"
    assert app["id"] not in [a["id"] for a in reviewer.list("pending")]
    assert app["id"] in [a["id"] for a in reviewer.list("rejected")]

    # a rejection allows a new application
    real_name = unique("Chan Tai Man ")
    assert apply_individual(dist, individual_fields(cust, dist, name=real_name)).is_review == 1
    again = review_result(dist, cust.domain_id)
    assert again.review_result == 0
    assert again.opinion is None, "a pending review has no opinion"
    assert one_customer(dist, cust.domain_id).verified_status == "0"

    second = pending_app_of(reviewer, cust.domain_id)
    assert second["id"] != app["id"]
    approved = reviewer.approve(second["id"])
    assert_application(approved, cust, dist, "individual", "approved")
    assert app["id"] not in [a["id"] for a in reviewer.list("approved")]
    assert second["id"] in [a["id"] for a in reviewer.list("approved")]

    result = raw_result(dist, cust.domain_id)
    assert result.get("review_result") == 2 and "opinion" not in result, result
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 0, real_name)

    # the real name is searchable in both lists
    assert ids_of(list_customers(dist, customer=real_name.split(" ")[-1])) == [cust.domain_id]
    assert list_customers(dist, customer="Wrong").count == 0
    [v1] = v1_ok(dist, {"customerId": cust.domain_id})["customerInfoList"]
    assert (v1["name"], v1["verifiedStatus"], v1["customerType"]) == (real_name, "2", 0)
    assert v1_ids(dist, {"name": real_name.split(" ")[-1]}) == [cust.domain_id]

    # verified: no further application of any kind
    expect_sdk_error(lambda: apply_individual(dist, individual_fields(cust, dist)),
                     400, "CBC.99007188")
    expect_sdk_error(lambda: apply_individual(dist, bank_fields(cust, dist)),
                     400, "CBC.99007188")
    expect_sdk_error(lambda: apply_enterprise(dist, enterprise_fields(cust, dist)),
                     400, "CBC.99007188")


def test_realname_cli_all_lists_every_status(cli, partners, customers, http_reviewer):
    dist = partners.solution_provider()
    a, b, c = (customers.create(dist) for _ in range(3))
    for cust in (a, b, c):
        apply_individual(dist, individual_fields(cust, dist))
    http_reviewer.approve(pending_app_of(http_reviewer, a.domain_id)["id"])
    http_reviewer.reject(pending_app_of(http_reviewer, b.domain_id)["id"], "no")
    apps = cli("admin", "realname", "list", "--status", "all", "--json")["applications"]
    status = {x["customer_id"]: x["status"] for x in apps
              if x["customer_id"] in (a.domain_id, b.domain_id, c.domain_id)}
    assert status == {a.domain_id: "approved", b.domain_id: "rejected",
                      c.domain_id: "pending"}, apps
    default = cli("admin", "realname", "list", "--json")["applications"]
    mine = [x["customer_id"] for x in default if x["customer_id"] in status]
    assert mine == [c.domain_id], "the default list shows pending applications only"


def test_realname_cli_review_by_customer_id(cli, partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    apply_individual(dist, individual_fields(cust, dist, name="Ho Wing"))
    out = cli("admin", "realname", "approve", "--customer-id", cust.domain_id, "--json")
    assert out["customer_id"] == cust.domain_id and out["status"] == "approved", out
    assert review_result(dist, cust.domain_id).review_result == 2

    other = customers.create(dist)
    apply_individual(dist, individual_fields(other, dist))
    out = cli("admin", "realname", "reject", "--customer-id", other.domain_id,
              "--reason", "expired document", "--json")
    assert out["status"] == "rejected" and out["opinion"] == "expired document", out
    res = review_result(dist, other.domain_id)
    assert (res.review_result, res.opinion) == (1, "expired document")


def test_realname_cli_review_errors(cli, partners, customers, http_reviewer):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    apply_individual(dist, individual_fields(cust, dist))
    app = pending_app_of(http_reviewer, cust.domain_id)

    # a reason is required to reject
    assert_clean_cli_failure(cli.run("admin", "realname", "reject", app["id"], "--json"))
    # unknown application / customer without a pending application
    assert_clean_cli_failure(cli.run("admin", "realname", "approve", NO_SUCH_ID, "--json"))
    assert_clean_cli_failure(cli.run("admin", "realname", "reject", NO_SUCH_ID,
                                     "--reason", "x", "--json"))
    assert_clean_cli_failure(cli.run("admin", "realname", "approve", "--customer-id",
                                     customers.create(dist).domain_id, "--json"))
    # bad status filter
    assert_clean_cli_failure(cli.run("admin", "realname", "list", "--status", "bogus", "--json"))
    # the application is still pending after all of that
    assert review_result(dist, cust.domain_id).review_result == 0

    cli("admin", "realname", "approve", app["id"], "--json")
    # already reviewed: neither approve nor reject again
    assert_clean_cli_failure(cli.run("admin", "realname", "approve", app["id"], "--json"))
    assert_clean_cli_failure(cli.run("admin", "realname", "reject", app["id"],
                                     "--reason", "late", "--json"))
    assert review_result(dist, cust.domain_id).review_result == 2


def test_realname_operator_api_review_errors(operator, partners, customers, http_reviewer):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    apply_individual(dist, individual_fields(cust, dist))
    app = pending_app_of(http_reviewer, cust.domain_id)

    def fails(resp):
        assert 400 <= resp.status_code < 500, resp.text
        assert resp.json().get("error_code"), resp.text

    fails(operator.signed("POST", f"{OPERATOR_APPS}/{app['id']}/reject", {}))
    fails(operator.signed("POST", f"{OPERATOR_APPS}/{app['id']}/reject", {"reason": ""}))
    fails(operator.signed("POST", f"{OPERATOR_APPS}/{NO_SUCH_ID}/approve"))
    fails(operator.signed("POST", f"{OPERATOR_APPS}/{NO_SUCH_ID}/reject", {"reason": "x"}))
    fails(operator.signed("GET", OPERATOR_APPS, query={"status": "bogus"}))
    assert review_result(dist, cust.domain_id).review_result == 0

    http_reviewer.approve(app["id"])
    fails(operator.signed("POST", f"{OPERATOR_APPS}/{app['id']}/approve"))
    fails(operator.signed("POST", f"{OPERATOR_APPS}/{app['id']}/reject", {"reason": "late"}))
    assert review_result(dist, cust.domain_id).review_result == 2


def test_realname_operator_api_requires_operator(partners, customers, server):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    apply_individual(dist, individual_fields(cust, dist))
    assert_error(dist.signed("GET", OPERATOR_APPS, query={"status": "pending"}), 403, "CBC.0151")
    assert_error(dist.signed("POST", f"{OPERATOR_APPS}/{NO_SUCH_ID}/approve"), 403, "CBC.0151")
    resp = requests.get(server.base_url + OPERATOR_APPS, timeout=30)
    assert resp.status_code == 401, resp.text
    assert review_result(dist, cust.domain_id).review_result == 0


def test_realname_bank_card_is_approved_at_once(partners, customers, http_reviewer):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    # bank_fields sends no change_type: first-time authentication is the default
    body = bank_fields(cust, dist, name=unique("Li Lei "))
    assert apply_individual(dist, body).is_review == 0
    assert raw_result(dist, cust.domain_id) == {"review_result": 2}
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 0, body["name"])
    # filter values may not contain spaces: search by the unique part
    assert ids_of(list_customers(dist, customer=body["name"].split(" ")[-1])) == [cust.domain_id]
    assert cust.domain_id not in [a["customer_id"] for a in http_reviewer.list("pending")]
    expect_sdk_error(lambda: apply_individual(dist, bank_fields(cust, dist)),
                     400, "CBC.99007188")


def test_realname_enterprise_cycle(reviewer, partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    corp = unique("Acme Trading ")
    body = enterprise_fields(cust, dist, corp_name=corp)
    assert apply_enterprise(dist, body).is_review == 1
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type) == ("0", 1)
    assert review_result(dist, cust.domain_id).review_result == 0
    expect_sdk_error(lambda: apply_enterprise(dist, body), 400, "CBC.99007188")
    # a pending enterprise application is not an individual verification to change
    with pytest.raises(ServiceResponseException) as e:
        apply_change(dist, change_fields(cust, dist))
    assert (e.value.status_code, e.value.error_code) in (
        (400, "CBC.99007188"), (400, "CBC.99007004")), e.value

    app = pending_app_of(reviewer, cust.domain_id)
    assert_application(app, cust, dist, "enterprise", "pending")
    assert app["identify_type"] == 1 and app["name"] == corp
    assert app["files"] == body["verified_file_url"]
    reviewer.approve(app["id"])

    assert review_result(dist, cust.domain_id).review_result == 2
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 1, corp)
    [v1] = v1_ok(dist, {"customerId": cust.domain_id})["customerInfoList"]
    assert (v1["name"], v1["verifiedStatus"], v1["customerType"]) == (corp, "2", 1)
    expect_sdk_error(lambda: apply_enterprise(dist, body), 400, "CBC.99007188")
    expect_sdk_error(lambda: apply_individual(dist, individual_fields(cust, dist)),
                     400, "CBC.99007188")
    # already enterprise: no change either
    expect_sdk_error(lambda: apply_change(dist, change_fields(cust, dist)), 400, "CBC.99007188")


def test_realname_enterprise_rejected_then_reapplied(partners, customers, http_reviewer):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    apply_enterprise(dist, enterprise_fields(cust, dist))
    http_reviewer.reject(pending_app_of(http_reviewer, cust.domain_id)["id"], "licence expired")
    res = review_result(dist, cust.domain_id)
    assert (res.review_result, res.opinion) == (1, "licence expired")
    assert one_customer(dist, cust.domain_id).verified_status == "1"
    # after a rejection the customer may even switch to the individual scheme
    assert apply_individual(dist, individual_fields(cust, dist)).is_review == 1


def test_realname_enterprise_with_person_and_three_files(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    body = enterprise_fields(
        cust, dist, certificate_type=99,
        verified_file_url=["corp/licence.pdf", "corp/lr_front.jpg", "corp/lr_back.gif"],
        enterprise_person={"legel_name": "Zhang San", "legel_id_number": "31010119800101XXXX",
                           "certifier_role": "legalPerson"})
    assert apply_enterprise(dist, body).is_review == 1


@pytest.mark.parametrize("certificate_type", [0, 1, 2, 3, 4, 99])
def test_realname_enterprise_certificate_types(partners, customers, certificate_type):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    body = enterprise_fields(cust, dist, certificate_type=certificate_type)
    assert apply_enterprise(dist, body).is_review == 1


def test_realname_change_individual_to_enterprise(reviewer, partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    person = unique("Chan ")
    assert apply_individual(dist, bank_fields(cust, dist, name=person)).is_review == 0

    corp = unique("Chan Studio ")
    body = change_fields(cust, dist, corp_name=corp)
    assert apply_change(dist, body).is_review == 1
    # still the verified individual while the change is reviewed
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 0, person)
    assert review_result(dist, cust.domain_id).review_result == 0
    expect_sdk_error(lambda: apply_change(dist, body), 400, "CBC.99007188")
    expect_sdk_error(lambda: apply_enterprise(dist, enterprise_fields(cust, dist)),
                     400, "CBC.99007188")

    app = pending_app_of(reviewer, cust.domain_id)
    assert_application(app, cust, dist, "change", "pending")
    assert app["name"] == corp
    reviewer.approve(app["id"])
    assert review_result(dist, cust.domain_id).review_result == 2
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type) == ("2", 1)
    assert info.customer == corp
    expect_sdk_error(lambda: apply_change(dist, body), 400, "CBC.99007188")


def test_realname_change_rejected_keeps_individual(partners, customers, http_reviewer):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    person = unique("Wong ")
    apply_individual(dist, bank_fields(cust, dist, name=person))
    apply_change(dist, change_fields(cust, dist))
    http_reviewer.reject(pending_app_of(http_reviewer, cust.domain_id)["id"], "stamp missing")
    res = review_result(dist, cust.domain_id)
    assert (res.review_result, res.opinion) == (1, "stamp missing")
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type, info.customer) == ("2", 0, person)
    # the change may be submitted again
    assert apply_change(dist, change_fields(cust, dist)).is_review == 1


def test_realname_change_needs_individual_verification(partners, customers, http_reviewer):
    dist = partners.solution_provider()
    never = customers.create(dist)
    expect_sdk_error(lambda: apply_change(dist, change_fields(never, dist)), 400, "CBC.99007004")

    rejected = customers.create(dist)
    apply_individual(dist, individual_fields(rejected, dist))
    http_reviewer.reject(pending_app_of(http_reviewer, rejected.domain_id)["id"], "no")
    expect_sdk_error(lambda: apply_change(dist, change_fields(rejected, dist)),
                     400, "CBC.99007004")
    assert one_customer(dist, never.domain_id).verified_status == "-1"


# ---------------------------------------------------------------- real-name: validation

@pytest.fixture
def fresh(partners, customers):
    dist = partners.solution_provider()
    return dist, customers.create(dist)


def _unchanged(dist, cust):
    info = one_customer(dist, cust.domain_id)
    assert (info.verified_status, info.customer_type) == ("-1", -1), info
    assert raw_result(dist, cust.domain_id) == {}


INDIVIDUAL_BAD = [
    ("exe-file", dict(verified_file_url=["kyc/a.jpg", "kyc/b.jpg", "kyc/c.exe"]), "CBC.99000100"),
    ("txt-file", dict(verified_file_url=["kyc/a.txt", "kyc/b.jpg", "kyc/c.jpg"]), "CBC.99000100"),
    ("absolute-path", dict(verified_file_url=["/kyc/a.jpg", "kyc/b.jpg", "kyc/c.jpg"]), "CBC.0100"),
    ("url", dict(verified_file_url=["https://bucket.obs.example.com/a.jpg", "kyc/b.jpg",
                                    "kyc/c.jpg"]), "CBC.0100"),
    ("download-prefix", dict(verified_file_url=["download/a.jpg", "kyc/b.jpg", "kyc/c.jpg"]),
     "CBC.0100"),
    ("five-files", dict(verified_file_url=[f"kyc/{i}.jpg" for i in range(5)]), "CBC.0100"),
    ("two-files", dict(verified_file_url=["kyc/a.jpg", "kyc/b.jpg"]), "CBC.0100"),
    ("four-files", dict(verified_file_url=[f"kyc/{i}.jpg" for i in range(4)]), "CBC.0100"),
    ("no-files", dict(verified_file_url=[]), "CBC.0100"),
    ("verified-type-4", dict(verified_type=4), "CBC.0100"),
    ("verified-type-missing", dict(verified_type=None), "CBC.0100"),
    ("identify-type-1", dict(identify_type=1), "CBC.0100"),
    ("identify-type-2", dict(identify_type=2), "CBC.0100"),
    ("change-type-1", dict(change_type=1), "CBC.0100"),
    ("change-type-0", dict(change_type=0), "CBC.0100"),
    ("xaccount-type-other", dict(xaccount_type="someone_else_IDP"), "CBC.0100"),
    ("name-missing", dict(name=None), "CBC.0100"),
    ("name-empty", dict(name=""), "CBC.0100"),
    ("name-too-long", dict(name="a" * 256), "CBC.0100"),
    ("number-missing", dict(verified_number=None), "CBC.0100"),
    ("number-too-long", dict(verified_number="1" * 33), "CBC.0100"),
    ("files-missing", dict(verified_file_url=None), "CBC.0100"),
    ("xaccount-type-missing", dict(xaccount_type=None), "CBC.0100"),
    ("identify-type-missing", dict(identify_type=None), "CBC.0100"),
]


@pytest.mark.parametrize("over,code", [(o, c) for _, o, c in INDIVIDUAL_BAD],
                         ids=[i for i, _, _ in INDIVIDUAL_BAD])
def test_realname_individual_rejects(fresh, over, code):
    dist, cust = fresh
    body = {k: v for k, v in individual_fields(cust, dist, **over).items() if v is not None}
    expect_sdk_error(lambda: apply_individual(dist, body), 400, code)
    _unchanged(dist, cust)


def test_realname_other_partners_xaccount_type_is_rejected(partners, fresh):
    dist, cust = fresh
    other = partners.solution_provider()
    body = individual_fields(cust, dist, xaccount_type=other.xaccount_type)
    expect_sdk_error(lambda: apply_individual(dist, body), 400, "CBC.0100")
    _unchanged(dist, cust)


@pytest.mark.parametrize("verified_type", [3, 5, 6, 9, 10])
def test_realname_individual_document_types(fresh, verified_type):
    dist, cust = fresh
    assert apply_individual(
        dist, individual_fields(cust, dist, verified_type=verified_type)).is_review == 1


@pytest.mark.parametrize("ext", ["jpg", "jpeg", "bmp", "png", "gif", "pdf"])
def test_realname_allowed_file_formats(fresh, ext):
    dist, cust = fresh
    files = [f"kyc/a.{ext}", f"b.{ext}", f"deep/dir/c.{ext}"]
    assert apply_individual(
        dist, individual_fields(cust, dist, verified_file_url=files)).is_review == 1


def test_realname_missing_customer_id(partners):
    dist = partners.solution_provider()
    body = {k: v for k, v in individual_fields(
        type("C", (), {"domain_id": None})(), dist).items() if v is not None}
    expect_sdk_error(lambda: apply_individual(dist, body), 400, "CBC.0100")


BANK_BAD = [
    ("code-5-digits", dict(card={"verification_code": "12345"}), "CBC.99000027"),
    ("code-7-digits", dict(card={"verification_code": "1234567"}), "CBC.99000027"),
    ("code-letters", dict(card={"verification_code": "abcdef"}), "CBC.99000027"),
    ("account-empty", dict(card={"bank_account": ""}), "CBC.0100"),
    ("no-card", dict(bank_card_info=None), "CBC.0100"),
    ("two-files", dict(verified_file_url=["kyc/a.jpg", "kyc/b.jpg"]), "CBC.0100"),
    ("no-files", dict(verified_file_url=[]), "CBC.0100"),
    ("exe-file", dict(verified_file_url=["kyc/face.exe"]), "CBC.99000100"),
    ("change-type-1", dict(change_type=1), "CBC.0100"),
]


@pytest.mark.parametrize("over,code", [(o, c) for _, o, c in BANK_BAD],
                         ids=[i for i, _, _ in BANK_BAD])
def test_realname_bank_card_rejects(fresh, over, code):
    dist, cust = fresh
    body = {k: v for k, v in bank_fields(cust, dist, **over).items() if v is not None}
    expect_sdk_error(lambda: apply_individual(dist, body), 400, code)
    _unchanged(dist, cust)


@pytest.mark.parametrize("mobile", ["12345", "1380000abcd", "238000000009999"])
def test_realname_bank_card_bad_mobile(fresh, mobile):
    dist, cust = fresh
    body = bank_fields(cust, dist, card={"mobile": mobile})
    with pytest.raises(ServiceResponseException) as info:
        apply_individual(dist, body)
    # CBC.5017 is the mobile-format code CreateSubCustomer uses too
    assert (info.value.status_code, info.value.error_code) in (
        (400, "CBC.0100"), (400, "CBC.5017")), info.value
    _unchanged(dist, cust)


def test_realname_bank_card_fields_missing(fresh):
    dist, cust = fresh
    for key in ("bank_account", "areacode", "mobile", "verification_code"):
        body = bank_fields(cust, dist)
        del body["bank_card_info"][key]
        assert_error(dist.signed("POST", INDIVIDUAL_PATH, body), 400, "CBC.0100")
    _unchanged(dist, cust)


PERSON = {"legel_name": "Zhang San", "legel_id_number": "31010119800101XXXX"}
ENTERPRISE_BAD = [
    ("identify-type-0", dict(identify_type=0), "CBC.0100"),
    ("identify-type-4", dict(identify_type=4), "CBC.0100"),
    ("corp-name-digits", dict(corp_name="1234567"), "CBC.0100"),
    ("corp-name-symbols", dict(corp_name="!!! ### ..."), "CBC.0100"),
    ("corp-name-spaces", dict(corp_name="   "), "CBC.0100"),
    ("corp-name-missing", dict(corp_name=None), "CBC.0100"),
    ("certificate-type-5", dict(certificate_type=5), "CBC.0100"),
    ("certificate-type-neg", dict(certificate_type=-1), "CBC.0100"),
    ("reg-country-lower", dict(reg_country="cn"), "CBC.0100"),
    ("reg-country-alpha3", dict(reg_country="CHN"), "CBC.0100"),
    ("reg-country-digits", dict(reg_country="12"), "CBC.0100"),
    ("three-files-no-person", dict(verified_file_url=["a.jpg", "b.jpg", "c.jpg"]), "CBC.0100"),
    ("two-files-no-person", dict(verified_file_url=["a.jpg", "b.jpg"]), "CBC.0100"),
    ("four-files-person", dict(verified_file_url=["a.jpg", "b.jpg", "c.jpg", "d.jpg"],
                               enterprise_person=PERSON), "CBC.0100"),
    ("no-files", dict(verified_file_url=[]), "CBC.0100"),
    ("exe-file", dict(verified_file_url=["corp/licence.exe"]), "CBC.99000100"),
    ("absolute-file", dict(verified_file_url=["/corp/licence.png"]), "CBC.0100"),
    ("download-prefix", dict(verified_file_url=["download/licence.png"]), "CBC.0100"),
    ("number-missing", dict(verified_number=None), "CBC.0100"),
    ("xaccount-type-other", dict(xaccount_type="someone_else_IDP"), "CBC.0100"),
    ("person-without-name", dict(enterprise_person={"legel_id_number": "3101"}), "CBC.0100"),
    ("person-without-id", dict(enterprise_person={"legel_name": "Zhang San"}), "CBC.0100"),
]


@pytest.mark.parametrize("over,code", [(o, c) for _, o, c in ENTERPRISE_BAD],
                         ids=[i for i, _, _ in ENTERPRISE_BAD])
def test_realname_enterprise_rejects(fresh, over, code):
    dist, cust = fresh
    body = {k: v for k, v in enterprise_fields(cust, dist, **over).items() if v is not None}
    # raw request: the SDK model would not send a partial enterprise_person as given
    assert_error(dist.signed("POST", ENTERPRISE_PATH, body), 400, code)
    _unchanged(dist, cust)


@pytest.mark.parametrize("files", [["a.jpg"], ["a.jpg", "b.jpg"], ["a.jpg", "b.jpg", "c.jpg"]],
                         ids=["1", "2", "3"])
def test_realname_enterprise_person_allows_1_to_3_files(fresh, files):
    dist, cust = fresh
    body = enterprise_fields(cust, dist, verified_file_url=files, enterprise_person=PERSON)
    assert apply_enterprise(dist, body).is_review == 1


CHANGE_BAD = [
    ("change-type-missing", dict(change_type=None), "CBC.0100"),
    ("change-type-2", dict(change_type=2), "CBC.0100"),
    ("change-type-minus-1", dict(change_type=-1), "CBC.0100"),
    ("identify-type-0", dict(identify_type=0), "CBC.0100"),
    ("corp-name-digits", dict(corp_name="987654"), "CBC.0100"),
    ("exe-file", dict(verified_file_url=["chg/licence.exe"]), "CBC.99000100"),
    ("url-file", dict(verified_file_url=["http://example.com/l.png"]), "CBC.0100"),
    ("xaccount-type-other", dict(xaccount_type="someone_else_IDP"), "CBC.0100"),
]


@pytest.mark.parametrize("over,code", [(o, c) for _, o, c in CHANGE_BAD],
                         ids=[i for i, _, _ in CHANGE_BAD])
def test_realname_change_rejects(partners, customers, over, code):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    apply_individual(dist, bank_fields(cust, dist))
    body = {k: v for k, v in change_fields(cust, dist, **over).items() if v is not None}
    assert_error(dist.signed("PUT", ENTERPRISE_PATH, body), 400, code)
    assert raw_result(dist, cust.domain_id) == {"review_result": 2}
    assert one_customer(dist, cust.domain_id).customer_type == 0


def test_realname_result_requires_customer_id(partners):
    dist = partners.solution_provider()
    assert_error(dist.signed("GET", RESULT_PATH), 400, "CBC.0100")
    assert_error(dist.signed("GET", RESULT_PATH, query={"customer_id": ""}), 400, "CBC.0100")
    assert_error(dist.signed("GET", RESULT_PATH, query={"customer_id": "a" * 65}),
                 400, "CBC.0100")


def test_realname_attempts_are_capped(partners, customers, http_reviewer):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    for i in range(10):
        assert apply_individual(dist, individual_fields(cust, dist)).is_review == 1, i
        http_reviewer.reject(pending_app_of(http_reviewer, cust.domain_id)["id"], f"try {i}")
    expect_sdk_error(lambda: apply_individual(dist, individual_fields(cust, dist)),
                     400, "CBC.99007191")
    expect_sdk_error(lambda: apply_individual(dist, bank_fields(cust, dist)),
                     400, "CBC.99007191")
    expect_sdk_error(lambda: apply_enterprise(dist, enterprise_fields(cust, dist)),
                     400, "CBC.99007191")
    res = review_result(dist, cust.domain_id)
    assert (res.review_result, res.opinion) == (1, "try 9")


def test_realname_by_customer_is_forbidden(partners, customers):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)
    expect_sdk_error(lambda: apply_individual(me, individual_fields(cust, dist)),
                     403, "CBC.0151")
    expect_sdk_error(lambda: apply_enterprise(me, enterprise_fields(cust, dist)),
                     403, "CBC.0151")
    expect_sdk_error(lambda: apply_change(me, change_fields(cust, dist)), 403, "CBC.0151")
    expect_sdk_error(lambda: review_result(me, cust.domain_id), 403, "CBC.0151")
    _unchanged(dist, cust)


def test_realname_with_token(partners, customers, token_for, server):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    token = token_for(dist.domain_name, dist.password)
    resp = token_request(server.base_url, "POST", INDIVIDUAL_PATH, token,
                         individual_fields(cust, dist))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"is_review": 1}
    resp = token_request(server.base_url, "GET", f"{RESULT_PATH}?customer_id={cust.domain_id}",
                         token)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"review_result": 0}


# ================================================================ tenancy matrix

@dataclass
class World:
    partners: dict       # label -> Principal
    customers: dict      # label -> Customer

    def p(self, label):
        return self.partners[label]

    def c(self, label):
        return self.customers[label]


@pytest.fixture(scope="module")
def world(partners, customers):
    # Distributors hold no customers of their own (CBC.50010059): theirs are their
    # resellers'. Two solution providers hold direct customers.
    d1 = partners.distributor()
    d2 = partners.distributor()
    r1 = partners.reseller(d1)
    r2 = partners.reseller(d1)
    r3 = partners.reseller(d2)
    s1 = partners.solution_provider()
    s2 = partners.solution_provider()
    ps = {"D1": d1, "D2": d2, "R1": r1, "R2": r2, "R3": r3, "S1": s1, "S2": s2}
    cs = {
        "cS1": customers.create(s1),
        "cS2": customers.create(s2),
        "cR1": customers.create(r1),                                 # by the reseller itself
        "cR1d": customers.create(d1, indirect_partner_id=r1.domain_id),  # by D1 for R1
        "cR2": customers.create(r2),
        "cR2d": customers.create(d1, indirect_partner_id=r2.domain_id),
        "cR3": customers.create(r3),
    }
    return World(ps, cs)


CALLERS = ["D1", "D2", "R1", "R2", "S1"]
TARGETS = ["cS1", "cS2", "cR1", "cR1d", "cR2", "cR2d", "cR3"]
OWNER = {"cS1": "S1", "cS2": "S2", "cR1": "R1", "cR1d": "R1", "cR2": "R2", "cR2d": "R2",
         "cR3": "R3"}
PAIRS = [(c, t) for c in CALLERS for t in TARGETS]
FOREIGN = [(c, t) for c, t in PAIRS if OWNER[t] != c]
PAIR_IDS = [f"{c}-{t}" for c, t in PAIRS]
FOREIGN_IDS = [f"{c}-{t}" for c, t in FOREIGN]


def _owned_by(world, label):
    return {world.c(t).domain_id for t in TARGETS if OWNER[t] == label}


@pytest.mark.parametrize("caller", CALLERS)
def test_tenancy_list_shows_own_customers_only(world, caller):
    p = world.p(caller)
    own = _owned_by(world, caller)
    resp = list_customers(p, limit=100)
    assert set(ids_of(resp)) == own and resp.count == len(own), ids_of(resp)
    assert set(v1_ids(p, {"limit": 100})) == own


@pytest.mark.parametrize("caller,target", PAIRS, ids=PAIR_IDS)
def test_tenancy_lookup_by_id_and_name(world, caller, target):
    p = world.p(caller)
    cust = world.c(target)
    visible = OWNER[target] == caller
    expected = [cust.domain_id] if visible else []
    assert ids_of(list_customers(p, customer_id=cust.domain_id)) == expected
    assert ids_of(list_customers(p, account_name=cust.domain_name)) == expected
    assert v1_ids(p, {"customerId": cust.domain_id}) == expected
    assert v1_ids(p, {"domainName": cust.domain_name}) == expected


@pytest.mark.parametrize("caller,target", FOREIGN + [(c, "missing") for c in CALLERS],
                         ids=FOREIGN_IDS + [f"{c}-missing" for c in CALLERS])
def test_tenancy_realname_foreign_customer(world, caller, target):
    # Another tenant's customer and an unknown id get the same answer, and
    # nothing changes for the real owner.
    p = world.p(caller)
    if target == "missing":
        cust = type("Missing", (), {"domain_id": NO_SUCH_ID})()
    else:
        cust = world.c(target)
    expect_sdk_error(lambda: apply_individual(p, individual_fields(cust, p)),
                     400, "CBC.99000035")
    expect_sdk_error(lambda: apply_individual(p, bank_fields(cust, p)), 400, "CBC.99000035")
    expect_sdk_error(lambda: apply_enterprise(p, enterprise_fields(cust, p)),
                     400, "CBC.99000035")
    expect_sdk_error(lambda: apply_change(p, change_fields(cust, p)), 400, "CBC.99000035")
    expect_sdk_error(lambda: review_result(p, cust.domain_id), 403, "CBC.0151")
    if target != "missing":
        owner = world.p(OWNER[target])
        assert raw_result(owner, cust.domain_id) == {}
        info = one_customer(owner, cust.domain_id)
        assert info.verified_status == "-1", info


@pytest.mark.parametrize("kind", ["reseller", "solution-provider"])
def test_tenancy_realname_own_customer(partners, customers, kind):
    # Every partner kind that holds customers applies for them (a distributor holds
    # none: its customers are its resellers'). Fresh partners keep the shared matrix
    # world unchanged.
    parent = partners.distributor() if kind == "reseller" else None
    p = partners.create(kind, parent=parent)
    own = customers.create(p)
    assert raw_result(p, own.domain_id) == {}
    assert apply_individual(p, individual_fields(own, p)).is_review == 1
    assert review_result(p, own.domain_id).review_result == 0
    other = customers.create(p)
    assert apply_enterprise(p, enterprise_fields(other, p)).is_review == 1
    third = customers.create(p)
    assert apply_individual(p, bank_fields(third, p, sender=parent or p)).is_review == 0
    assert apply_change(p, change_fields(third, p)).is_review == 1
    if parent is not None:
        # the distributor above does not own its reseller's customers
        expect_sdk_error(lambda: review_result(parent, own.domain_id), 403, "CBC.0151")


def test_tenancy_distributor_cannot_realname_resellers_customer(partners, customers):
    # D made this customer for R, but R owns it: D gets the not-your-customer answer.
    d = partners.distributor()
    r = partners.reseller(d)
    cust = customers.create(d, indirect_partner_id=r.domain_id)
    expect_sdk_error(lambda: apply_individual(d, individual_fields(cust, d)),
                     400, "CBC.99000035")
    expect_sdk_error(lambda: apply_enterprise(d, enterprise_fields(cust, d)),
                     400, "CBC.99000035")
    expect_sdk_error(lambda: review_result(d, cust.domain_id), 403, "CBC.0151")
    # the customer keeps the platform identifier it was created with
    body = individual_fields(cust, r, xaccount_type=cust.xaccount_type)
    assert apply_individual(r, body).is_review == 1


@pytest.mark.parametrize("caller", ["R1", "R2"])
@pytest.mark.parametrize("indirect", ["R1", "R2", "R3", "D1", "D2", "missing"])
def test_tenancy_reseller_indirect_partner_id_is_ignored(world, caller, indirect):
    p = world.p(caller)
    value = NO_SUCH_ID if indirect == "missing" else world.p(indirect).domain_id
    own = _owned_by(world, caller)
    resp = list_customers(p, indirect_partner_id=value, limit=100)
    assert set(ids_of(resp)) == own and resp.count == len(own), ids_of(resp)


@pytest.mark.parametrize("caller,indirect,expected", [
    ("D1", "R1", {"cR1", "cR1d"}),
    ("D1", "R2", {"cR2", "cR2d"}),
    ("D2", "R3", {"cR3"}),
], ids=["D1-R1", "D1-R2", "D2-R3"])
def test_tenancy_distributor_views_its_reseller(world, caller, indirect, expected):
    p = world.p(caller)
    resp = list_customers(p, indirect_partner_id=world.p(indirect).domain_id, limit=100)
    assert set(ids_of(resp)) == {world.c(t).domain_id for t in expected}
    assert resp.count == len(expected)
    for t in expected:
        cid = world.c(t).domain_id
        assert ids_of(list_customers(p, indirect_partner_id=world.p(indirect).domain_id,
                                     customer_id=cid)) == [cid]
    # a reseller's customer is not in the distributor's own list
    assert not set(ids_of(list_customers(p, limit=100))) & set(ids_of(resp))


@pytest.mark.parametrize("caller,indirect", [
    ("D1", "R3"), ("D1", "D2"), ("D1", "D1"), ("D1", "missing"), ("D1", "cR1"),
    ("D2", "R1"), ("D2", "R2"), ("D2", "D1"), ("D2", "missing"),
], ids=lambda v: v)
def test_tenancy_distributor_foreign_indirect_partner_id(world, caller, indirect):
    # Not one of my resellers, whatever it is, gets one answer.
    p = world.p(caller)
    if indirect == "missing":
        value = NO_SUCH_ID
    elif indirect.startswith("c"):
        value = world.c(indirect).domain_id
    else:
        value = world.p(indirect).domain_id
    expect_sdk_error(lambda: list_customers(p, indirect_partner_id=value), 400, "CBC.99000037")
    req = CustomerFactory.request(p, indirect_partner_id=value)
    expect_sdk_error(lambda: p.client.create_sub_customer(req), 400, "CBC.99000037")
    # the refused create left nothing behind
    assert list_customers(p, account_name=None, limit=100).count == len(_owned_by(world, caller))


@pytest.mark.parametrize("caller,target", [("D1", "cR1"), ("D1", "cR2"), ("D2", "cR1"),
                                           ("D2", "cS1"), ("D1", "cS2")],
                         ids=lambda v: v)
def test_tenancy_distributor_customer_id_filter_with_reseller(world, caller, target):
    # customer_id combined with indirect_partner_id never reaches outside that reseller
    p = world.p(caller)
    reseller = world.p("R1" if caller == "D1" else "R3")
    cid = world.c(target).domain_id
    expected = [cid] if OWNER[target] == ("R1" if caller == "D1" else "R3") else []
    assert ids_of(list_customers(p, indirect_partner_id=reseller.domain_id,
                                 customer_id=cid)) == expected


def test_tenancy_reseller_create_ignores_indirect_partner_id(partners, customers):
    d = partners.distributor()
    r1, r2 = partners.reseller(d), partners.reseller(d)
    req = CustomerFactory.request(r1, domain_name=unique("rc"),
                                  indirect_partner_id=r2.domain_id)
    try:
        made = r1.client.create_sub_customer(req).domain_id
    except ServiceResponseException as e:
        # refusing is acceptable; creating it under R2 is not
        assert e.status_code == 400, e
        made = None
    if made:
        assert ids_of(list_customers(r1, customer_id=made)) == [made]
    assert list_customers(r2, limit=100).count == 0
    assert list_customers(d, indirect_partner_id=r2.domain_id).count == 0
    assert list_customers(d).count == 0


def test_tenancy_list_indirect_partners(world):
    d1, d2 = world.p("D1"), world.p("D2")
    mine = list_resellers(d1)
    assert {p.indirect_partner_id for p in mine.indirect_partners} == {
        world.p("R1").domain_id, world.p("R2").domain_id}
    assert mine.count == 2
    theirs = list_resellers(d2)
    assert [p.indirect_partner_id for p in theirs.indirect_partners] == [world.p("R3").domain_id]
    for foreign in ("R1", "R2"):
        assert list_resellers(d2, indirect_partner_id=world.p(foreign).domain_id).count == 0
    assert list_resellers(d1, indirect_partner_id=world.p("R3").domain_id).count == 0
    assert list_resellers(d1, indirect_partner_id=NO_SUCH_ID).count == 0
    for r in ("R1", "R2"):
        expect_sdk_error(lambda: list_resellers(world.p(r)), 403, "CBC.0151")


@pytest.mark.parametrize("caller", ["D1", "D2", "R1", "R2", "R3", "S1"])
def test_tenancy_check_identity_for_every_partner(world, caller):
    p = world.p(caller)
    assert check_identity(p, "name", unique("ok")).check_result == "available"
    # names are global, whoever owns the account
    for t in ("cS1", "cS2", "cR1", "cR2"):
        assert check_identity(p, "name", world.c(t).domain_name).check_result == "used_by_user"
    assert check_identity(p, "mobile", "0086-" + unique_mobile()).check_result == "available"
    assert check_identity(p, "email", "x@example.com").check_result == "available"


@pytest.mark.parametrize("caller,path_owner", [
    ("D1", "D2"), ("D1", "R1"), ("R1", "D1"), ("R1", "R2"), ("D2", "D1"), ("R2", "R1"),
], ids=lambda v: v)
def test_tenancy_v1_list_path_partner_id(world, caller, path_owner):
    p = world.p(caller)
    assert_error(v1_list(p, {}, partner_id=world.p(path_owner).domain_id), 403, "CBC.0151")


def test_a_customer_reads_its_own_realname_status(partners, customers, http_reviewer):
    from huaweicloudsdkbss.v2 import ShowRealNameAuthStatusRequest
    dist = partners.solution_provider()
    cust = customers.create(dist)
    me = customers.principal(cust)

    def status():
        r = me.client.show_real_name_auth_status(ShowRealNameAuthStatusRequest())
        return r.verified_status, r.verified_type

    assert status() == (-1, None)
    assert "verified_type" not in me.signed("GET", "/v2/customers/real-name-auth-status").json()
    apply_enterprise(dist, enterprise_fields(cust, dist))
    assert status() == (0, 1)
    http_reviewer.reject(pending_app_of(http_reviewer, cust.domain_id)["id"], "licence expired")
    assert status() == (1, 1)
    assert apply_individual(dist, bank_fields(cust, dist)).is_review == 0   # a bank card is verified at once
    assert status() == (2, 0)
    # Each customer sees its own; partners use ShowRealnameAuthenticationReviewResult instead.
    other = customers.principal(customers.create(dist))
    assert other.client.show_real_name_auth_status(ShowRealNameAuthStatusRequest()).verified_status == -1
    assert dist.signed("GET", "/v2/customers/real-name-auth-status").status_code == 403


# ================================================================ SendVerificationMessageCode

def test_verification_codes_go_to_the_outbox_and_are_checked_once(start_server, binary):
    from huaweicloudsdkbss.v2 import SendVerificationCodeV2Req, SendVerificationMessageCodeRequest
    from conftest import Cli, CustomerFactory, PartnerFactory
    srv = start_server("sms", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    customers = CustomerFactory(partners)
    sp = partners.solution_provider()
    cli("admin", "clock", "set", "2027-05-01T02:00:00Z", "--json")

    def send(mobile, who=None, **kw):
        return (who or sp).client.send_verification_message_code(SendVerificationMessageCodeRequest(
            body=SendVerificationCodeV2Req(receiver_type=1, mobile_phone=mobile, **kw)))

    def outbox(mobile):
        return cli("admin", "outbox", "list", "--mobile", mobile, "--json")["messages"]

    def create(mobile, code):
        return customers.create(sp, mobile_phone=mobile, verification_code=code)

    def valid_minutes(m):   # the business clock runs on: compare a message with itself
        at = lambda t: dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")
        return (at(m["expires_at"]) - at(m["sent_at"])).total_seconds() / 60

    # Sent: in the outbox, in Chinese by default, for 10 minutes; the same through the operator API.
    mobile = unique_mobile()
    send(mobile)
    (m,) = outbox(mobile)
    assert len(m["code"]) == 6 and m["code"].isdigit() and m["code"] in m["text"] and "验证码" in m["text"], m
    assert (m["scene"], m["partner_id"], m["used"], m["sent_at"][:15]) == (29, sp.domain_id, False, "2027-05-01T02:0"), m
    assert valid_minutes(m) == 10
    operator = cli("admin", "key", "create", "--operator", "--json")
    from conftest import sign_and_send
    over_http = sign_and_send(srv.base_url, "GET", "/operator/v1/outbox", operator["access_key"], operator["secret_key"], query={"mobile_phone": mobile})
    assert over_http.status_code == 200 and over_http.json()["messages"] == [m], over_http.text
    # One a minute per number.
    expect_sdk_error(lambda: send(mobile), 400, "CBC.99000082")
    # Wrong codes are counted: three wrong tries, and the fourth is refused even when right.
    wrong = "000000" if m["code"] != "000000" else "111111"
    for _ in range(3):
        expect_sdk_error(lambda: create(mobile, wrong), 400, "CBC.99004010")
    expect_sdk_error(lambda: create(mobile, m["code"]), 400, "CBC.99004009")
    # A new code works once; used, it is no code at all.
    cli("admin", "clock", "advance", "2m", "--json")
    send(mobile)
    code = outbox(mobile)[0]["code"]
    cust = create(mobile, code)
    assert outbox(mobile)[0]["used"] is True
    other = unique_mobile()
    cli("admin", "clock", "advance", "2m", "--json")
    expect_sdk_error(lambda: create(other, code), 400, "CBC.99004010")
    # A code lapses: timeout 1 minute; above 60 minutes is forced to 5; English on request.
    send(other, timeout=1, lang="en-us")
    lapsing = outbox(other)[0]
    assert lapsing["text"].startswith("[HUAWEI CLOUD] Your verification code is") and valid_minutes(lapsing) == 1
    cli("admin", "clock", "advance", "2m", "--json")
    expect_sdk_error(lambda: create(other, lapsing["code"]), 400, "CBC.99004008")
    send(other, timeout=600)
    assert valid_minutes(outbox(other)[0]) == 5
    # Ten a day per number.
    busy = unique_mobile()
    for _ in range(10):
        send(busy)
        cli("admin", "clock", "advance", "2m", "--json")
    expect_sdk_error(lambda: send(busy), 400, "CBC.99000082")
    # A mobile number wants its code.
    err = assert_error(sp.signed("POST", "/v2/partners/sub-customers", {"xaccount_id": unique("x"), "xaccount_type": sp.xaccount_type, "mobile_phone": unique_mobile()}), 400, "CBC.0100")
    assert "verification_code" in err["error_msg"], err

    # Scene 18: for one of the caller's customers (a distributor's resellers' included), nobody else's.
    send(unique_mobile(), scene=18, customer_id=cust.domain_id)
    stranger = partners.solution_provider()
    expect_sdk_error(lambda: send(unique_mobile(), who=stranger, scene=18, customer_id=cust.domain_id), 400, "CBC.99000035")
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    theirs = customers.create(dist, indirect_partner_id=reseller.domain_id)
    send(unique_mobile(), who=dist, scene=18, customer_id=theirs.domain_id)
    assert reseller.signed("POST", "/v2/bases/verificationcode/send", {"receiver_type": 1, "mobile_phone": unique_mobile()}).status_code == 403
    me = customers.principal(cust)
    assert me.signed("POST", "/v2/bases/verificationcode/send", {"receiver_type": 1, "mobile_phone": unique_mobile()}).status_code == 403
    for body, field in (({"mobile_phone": unique_mobile()}, "receiver_type"), ({"receiver_type": 2, "mobile_phone": unique_mobile()}, "receiver_type"),
                        ({"receiver_type": 1}, "mobile_phone"), ({"receiver_type": 1, "mobile_phone": "12345"}, "mobile_phone"),
                        ({"receiver_type": 1, "mobile_phone": unique_mobile(), "timeout": 0}, "timeout"),
                        ({"receiver_type": 1, "mobile_phone": unique_mobile(), "timeout": 3001}, "timeout"),
                        ({"receiver_type": 1, "mobile_phone": unique_mobile(), "scene": 7}, "scene"),
                        ({"receiver_type": 1, "mobile_phone": unique_mobile(), "scene": 18}, "customer_id"),
                        ({"receiver_type": 1, "mobile_phone": unique_mobile(), "lang": "fr-fr"}, "lang")):
        err = assert_error(sp.signed("POST", "/v2/bases/verificationcode/send", body), 400, "CBC.0100")
        assert field in err["error_msg"], (body, err)
    cli("admin", "clock", "reset", "--json")
