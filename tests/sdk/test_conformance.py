"""Rules a new user meets first: who may take customers, how far back bills reach, what the
sandbox prints about flow control, and the README's examples running as written."""
import contextlib
import io
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from huaweicloudsdkbss.v2 import (ListSubCustomerBillDetailRequest, ListSubcustomerMonthlyBillsRequest)

from conftest import (Cli, CustomerFactory, PartnerFactory, expect_sdk_error, list_customers, pc_env, unique)

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------
# a distributor acquires customers only for its resellers (CBC.50010059)
# --------------------------------------------------------------------------

def test_distributor_cannot_take_direct_customers(partners, customers):
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    name = unique("cust")
    expect_sdk_error(lambda: customers.create(dist, domain_name=name), 400, "CBC.50010059")
    # Nothing was written: the distributor has no customer, and the name is still free.
    assert not list_customers(dist).customer_infos
    provider = partners.solution_provider()
    assert customers.create(provider, domain_name=name).domain_name == name

    # For one of its resellers it may: the customer is the reseller's.
    made = customers.create(dist, indirect_partner_id=reseller.domain_id)
    assert [c.customer_id for c in list_customers(reseller).customer_infos] == [made.domain_id]
    # Another distributor's reseller is refused as before, whether it exists or not.
    other = partners.reseller(partners.distributor())
    expect_sdk_error(lambda: customers.create(dist, indirect_partner_id=other.domain_id), 400, "CBC.99000037")
    # An empty indirect_partner_id is no reseller at all.
    expect_sdk_error(lambda: customers.create(dist, indirect_partner_id=""), 400, "CBC.50010059")


def test_solution_providers_and_resellers_still_take_their_own_customers(partners, customers):
    provider = partners.solution_provider()
    reseller = partners.reseller(partners.distributor())
    for p in (provider, reseller):
        c = customers.create(p)
        assert [x.customer_id for x in list_customers(p).customer_infos] == [c.domain_id]


# --------------------------------------------------------------------------
# the partner bill views reach back 18 months from the business clock
# --------------------------------------------------------------------------

def months_before(cycle: str, n: int) -> str:
    y, m = int(cycle[:4]), int(cycle[5:])
    total = y * 12 + (m - 1) - n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def test_partner_bills_reach_back_eighteen_months(start_server, binary):
    srv = start_server("bill-window", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    cli("admin", "clock", "set", "2026-03-10T04:00:00Z")
    partner = PartnerFactory(cli, srv.base_url).solution_provider()
    client = partner.client
    now = "2026-03"
    for back, ok in ((0, True), (18, True), (19, False), (24, False)):
        cycle = months_before(now, back)
        monthly = lambda: client.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(cycle=cycle, charge_mode="3"))
        detail = lambda: client.list_sub_customer_bill_detail(ListSubCustomerBillDetailRequest(bill_cycle=cycle))
        if ok:
            assert monthly().count == 0, cycle
            assert detail().total_count == 0, cycle
        else:
            e = expect_sdk_error(monthly, 400, "CBC.0100")
            assert "cycle" in e.error_msg and "18 months" in e.error_msg, e.error_msg
            e = expect_sdk_error(detail, 400, "CBC.0100")
            assert "bill_cycle" in e.error_msg and "18 months" in e.error_msg, e.error_msg
    # The window follows the business clock, not the wall clock.
    cli("admin", "clock", "set", "2028-03-10T04:00:00Z")
    e = expect_sdk_error(lambda: client.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(cycle="2026-08", charge_mode="3")),
                         400, "CBC.0100")
    assert "cycle" in e.error_msg
    assert client.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(cycle="2026-09", charge_mode="3")).count == 0


# --------------------------------------------------------------------------
# the sandbox: what `serve --demo` prints, and the README's examples
# --------------------------------------------------------------------------

def banner(srv) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = srv.stdout_path.read_text()
        if "flow control" in text:
            return text
        time.sleep(0.1)
    return srv.stdout_path.read_text()


def test_demo_prints_the_flow_control_limit(start_server):
    text = banner(start_server("demo-limit", ["--demo"]))
    assert "flow control: 10 requests/s per API per caller, then 429 APIGW.0308" in text, text
    assert "--rate-limit N" in text and "RATE_LIMIT=0" in text, text
    assert "solution-provider demo-partner" in text and "DEMOPARTNERAK0000001" in text, text
    off = banner(start_server("demo-limit-off", ["--demo", "--rate-limit", "0"]))
    assert "flow control: off (--rate-limit 0)" in off, off


def readme_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```(python|sh)\n(.*?)```", text, re.S)


def test_readme_examples_run_against_the_demo(start_server, binary):
    """Every Python block of the README, and each `.build/debug/partner-center` line of its shell
    blocks that has no placeholder, in order, against `serve --demo` (the endpoint swapped)."""
    srv = start_server("demo-readme", ["--demo"])
    banner(srv)
    env = pc_env()
    env["PARTNER_CENTER_DATABASE"] = srv.database
    namespace: dict = {}
    out = io.StringIO()
    ran_python = ran_cli = 0
    for kind, code in readme_blocks():
        if kind == "python":
            code = code.replace("http://127.0.0.1:8080", srv.base_url)
            with contextlib.redirect_stdout(out):
                exec(compile(code, "README.md", "exec"), namespace)
            ran_python += 1
            continue
        for line in code.splitlines():
            line = line.split("  #")[0].strip()
            if not line.startswith(".build/debug/partner-center ") or "<" in line:
                continue
            argv = [str(binary)] + line.split()[1:]
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
            assert proc.returncode == 0, (line, proc.stderr)
            out.write(proc.stdout)
            ran_cli += 1
    printed = out.getvalue()
    assert ran_python >= 4 and ran_cli >= 2, (ran_python, ran_cli)
    # The figures the README's comments promise.
    assert "400 CBC.0100 Invalid parameter: limit must be between 1 and 100." in printed, printed
    assert "9849.75" in printed, printed
    assert "62.2" in printed, printed
    assert f"{srv.base_url}/idp/0d15781b07a4e10c8e0f4f7ad9ab4e03/metadata" in printed, printed
    # The first example listed the demo partner's two customers.
    names = sorted(re.findall(r"demo-customer-0\d", printed))
    assert names[:2] == ["demo-customer-01", "demo-customer-02"], printed
