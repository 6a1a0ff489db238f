"""The business clock and process lifecycle, each on a server of its own so that moving
the clock or stopping the process cannot disturb the rest of the suite."""
import signal
import subprocess
import threading
import time
from decimal import Decimal

import pytest
import requests
from huaweicloudsdkbss.v2 import (CreatePartnerCouponsReq, CreatePartnerCouponsRequest, ListIssuedPartnerCouponsRequest,
                                  ListSubCustomersRequest, QuerySubCustomerListReq, ShowCustomerAccountBalancesRequest)

from conftest import Cli, CustomerFactory, PartnerFactory, assert_error, sign_and_send


@pytest.fixture(scope="module")
def clock_world(start_server, binary):
    srv = start_server("clock", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    yield srv, cli, partners, CustomerFactory(partners)
    cli("admin", "clock", "reset", "--json")


def test_clock_cli_show_set_advance_reset(clock_world):
    _, cli, _, _ = clock_world
    assert cli("admin", "clock", "show", "--json")["follows_real_time"] is True
    s = cli("admin", "clock", "set", "2031-01-31T00:00:00Z", "--json")
    assert s["now"].startswith("2031-01-31T00:00") and s["follows_real_time"] is False
    s = cli("admin", "clock", "advance", "36h", "--json")
    assert s["now"].startswith("2031-02-01T12:00")
    s = cli("admin", "clock", "advance", "90m", "--json")
    assert s["now"].startswith("2031-02-01T13:30")
    s = cli("admin", "clock", "reset", "--json")
    assert s["follows_real_time"] is True and s["offset_seconds"] == 0


@pytest.mark.parametrize("args", [["set", "2031-13-01T00:00:00Z"], ["set", "tomorrow"], ["advance", "3x"], ["advance", "h"]])
def test_clock_cli_refuses_bad_input(clock_world, args):
    _, cli, _, _ = clock_world
    proc = cli.run("admin", "clock", *args)
    assert proc.returncode != 0
    assert proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_clock_operator_api(clock_world):
    srv, cli, _, _ = clock_world
    op = cli("admin", "key", "create", "--operator", "--json")

    def call(method, body=None):
        return sign_and_send(srv.base_url, method, "/operator/v1/clock", op["access_key"], op["secret_key"], body=body)

    r = call("POST", {"advance": "3d"})
    assert r.status_code == 200, r.text
    assert r.json()["offset_seconds"] == 3 * 86400
    assert call("GET").json()["offset_seconds"] == 3 * 86400
    assert_error(call("POST", {"advance": "3d", "reset": True}), 400, "CBC.0100")
    assert_error(call("POST", {"set": "2031-02-30T00:00:00Z"}), 400, "CBC.0100")
    r = call("POST", {"reset": True})
    assert r.status_code == 200 and r.json()["follows_real_time"] is True


def test_advancing_the_clock_expires_coupons_and_quotas(clock_world):
    """Coupons and quotas stop counting at their expiry on the business clock."""
    srv, cli, partners, customers = clock_world
    dist = partners.solution_provider()
    cust = customers.create(dist)
    payer = customers.principal(cust)
    today = cli("admin", "clock", "show", "--json")["now"][:10]
    year, month, day = (int(x) for x in today.split("-"))
    expires = f"{year + 1}-{month:02d}-{min(day, 28):02d}"
    quota = cli("admin", "quota", "grant", "--domain-id", dist.domain_id, "--amount", "500", "--expires", expires, "--json")
    issued = dist.client.create_partner_coupons(CreatePartnerCouponsRequest(body=CreatePartnerCouponsReq(
        quota_id=quota["quota_id"], customer_ids=[cust.domain_id], face_value=Decimal("120.5"))))
    assert not issued.error_details
    balances = payer.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    assert [b.amount for b in balances.account_balances if b.account_type == 5] == [Decimal("120.5")]

    cli("admin", "clock", "advance", "400d")
    try:
        coupons = dist.client.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(customer_id=cust.domain_id))
        assert [c.status for c in coupons.user_coupons] == [4]
        balances = payer.client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
        assert not [b for b in balances.account_balances if b.account_type == 5]
        r = sign_and_send(srv.base_url, "POST", "/v2/partners/coupon-quotas/query", dist.access_key, dist.secret_key, body={})
        assert [q["quota_status"] for q in r.json()["quotas"]] == [3]
        r = sign_and_send(srv.base_url, "POST", "/v2/promotions/benefits/partner-coupons", dist.access_key, dist.secret_key,
                          body={"quota_id": quota["quota_id"], "customer_ids": [cust.domain_id], "face_value": 1})
        assert_error(r, 400, "CBC.99000017")
    finally:
        cli("admin", "clock", "reset")


def test_subscription_expires_on_the_business_clock(clock_world):
    srv, cli, partners, customers = clock_world
    dist = partners.solution_provider()
    cust = customers.create(dist)
    cli("admin", "customer", "top-up", "--customer-id", cust.domain_id, "--amount", "1000", "--json")  # a purchase is paid
    res = cli("admin", "resource", "provision", "--customer-id", cust.domain_id, "--service-type", "hws.service.type.ec2",
              "--resource-type", "hws.resource.type.vm", "--spec", "s6.small.1.linux", "--region", "cn-north-4", "--json")
    assert res["status"] == 2
    def status():
        r = sign_and_send(srv.base_url, "POST", "/v2/orders/suscriptions/resources/query", dist.access_key, dist.secret_key,
                          body={"customer_id": cust.domain_id})
        assert r.status_code == 200, r.text
        return [d["status"] for d in r.json()["data"]]

    try:
        # Expired a month on: in its grace period (5); frozen once the 7 days of grace end (4).
        cli("admin", "clock", "advance", "33d")
        assert status() == [5]
        cli("admin", "clock", "advance", "7d")
        assert status() == [4]
    finally:
        cli("admin", "clock", "reset")


def test_sigterm_finishes_in_flight_requests_and_exits_cleanly(start_server, binary):
    srv = start_server("lifecycle", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    dist = PartnerFactory(cli, srv.base_url).solution_provider()
    results: list = []

    def hammer():
        client = dist.client
        for _ in range(40):
            try:
                client.list_sub_customers(ListSubCustomersRequest(body=QuerySubCustomerListReq(limit=5)))
                results.append("ok")
            except Exception as e:  # after shutdown, new connections are refused
                results.append(type(e).__name__)
                return

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    srv.proc.send_signal(signal.SIGTERM)
    code = srv.proc.wait(timeout=20)
    for t in threads:
        t.join(timeout=20)
    assert code == 0, f"server exited with {code}"
    assert "ok" in results
    # Every request either completed or could not connect: none was cut off with a 5xx.
    assert all(r in ("ok", "ConnectionException", "ServerResponseException") for r in results), set(results)
    assert "ServerResponseException" not in results


def test_each_server_sweeps_what_falls_due_on_its_own(start_server, binary):
    # With the sweep on (here every second), a resource whose whole lifecycle lies in the
    # past is expired, frozen and released without anyone moving the clock or running it.
    from huaweicloudsdkbss.v2 import ListPayPerUseCustomerResourcesRequest, QueryResourcesReq
    srv = start_server("sweep", ["--rate-limit", "0", "--lifecycle-interval", "1"])
    cli = Cli(binary, srv.database)
    customers = CustomerFactory(PartnerFactory(cli, srv.base_url))
    cust = customers.create(customers.partners.solution_provider())
    me = customers.principal(cust)
    cli("admin", "customer", "top-up", "--customer-id", cust.domain_id, "--amount", "1000", "--json")  # a purchase is paid
    made = cli("admin", "resource", "provision", "--customer-id", cust.domain_id, "--service-type", "hws.service.type.ec2",
               "--resource-type", "hws.resource.type.vm", "--spec", "s6.small.1.linux", "--region", "cn-north-4",
               "--effective", "2025-01-05T02:00:00Z", "--json")

    def status():
        got = me.client.list_pay_per_use_customer_resources(ListPayPerUseCustomerResourcesRequest(
            body=QueryResourcesReq(resource_ids=[made["resource_id"]], limit=10))).data
        return [r.status for r in got]

    deadline = time.monotonic() + 30
    while status() != [3] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert status() == [3]
    assert cli("admin", "lifecycle", "run", "--json") == {"renewed": 0, "renewals_failed": 0, "expired": 0, "frozen": 0, "released": 0, "converted": 0}
