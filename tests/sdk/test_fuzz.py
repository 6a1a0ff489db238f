"""Every operation, called by every kind of caller with odd bodies and query values, answers
in Huawei's envelope and never with a 5xx: bad input is the caller's error, not a crash."""
import json
import random
import re
from pathlib import Path

import pytest

from conftest import Cli, CustomerFactory, PartnerFactory, sign_and_send

ROOT = Path(__file__).resolve().parents[2]
ROUTE = re.compile(r'router\.api\(\.(get|post|put|delete), "([^"]+)"')


def routes():
    found = set()
    for f in (ROOT / "Sources").rglob("*.swift"):
        for method, path in ROUTE.findall(f.read_text()):
            found.add((method.upper(), path))
    return sorted(found)


ODD_VALUES = [None, "", " ", "x" * 5000, -1, 0, 2**63, 1e308, -0.0, 1.5, True, [], {}, [None], {"a": {"b": []}},
              "2026-13-45T99:99:99Z", "1e5", "NaN", "../../etc/passwd", "' OR 1=1 --", "\u0000", "中文", "%00", "0" * 70]
KEYS = ["customer_id", "amount", "limit", "offset", "indirect_partner_id", "quota_id", "customer_ids", "face_value", "product_infos",
        "project_id", "records", "resource_ids", "period_type", "period_num", "bill_cycle", "cycle", "charge_mode", "status",
        "coupon_id", "domain_name", "xaccount_id", "xaccount_type", "identify_type", "verified_file_url", "search_type", "search_value",
        "balance_type", "quota_ids", "service_type_code", "resource_type_code", "deduct_time_begin", "deduct_time_end", "name", "kind"]


@pytest.fixture(scope="module")
def callers(start_server, binary):
    srv = start_server("fuzz", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    customers = CustomerFactory(partners)
    cust = customers.principal(customers.create(dist, indirect_partner_id=reseller.domain_id))
    op = cli("admin", "key", "create", "--operator", "--json")
    return srv, {"distributor": (dist.access_key, dist.secret_key), "reseller": (reseller.access_key, reseller.secret_key),
                 "customer": (cust.access_key, cust.secret_key), "operator": (op["access_key"], op["secret_key"])}


@pytest.mark.parametrize("method,path", routes())
def test_odd_input_never_breaks_the_server(callers, method, path):
    srv, keys = callers
    rng = random.Random(f"{method} {path}")
    concrete = re.sub(r":[a-z_]+", lambda m: rng.choice(["x", "0" * 32, "%20", "a" * 200]), path)
    for caller, (ak, sk) in keys.items():
        for _ in range(6):
            body = {k: rng.choice(ODD_VALUES) for k in rng.sample(KEYS, rng.randint(0, 6))}
            query = {k: str(rng.choice(ODD_VALUES)) for k in rng.sample(KEYS, rng.randint(0, 4))}
            raw = rng.random() < 0.2
            r = sign_and_send(srv.base_url, method, concrete, ak, sk, body=(json.dumps(body)[:-1] if raw else body) if method in ("POST", "PUT") else None,
                              query=query if method == "GET" else None)
            assert r.status_code < 500, (caller, method, concrete, body, query, r.status_code, r.text[:300])
            if r.status_code >= 400:
                err = r.json()
                assert err.get("error_code") and err.get("error_msg"), (caller, concrete, r.text[:300])
            assert r.headers.get("X-Request-Id")
