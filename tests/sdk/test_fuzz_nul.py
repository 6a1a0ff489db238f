"""A NUL character (and other control characters) in any string the caller sends: every
string field of every request body, every query parameter and every path parameter of
every operation the official SDK knows and the server answers, plus the operator API.

PostgreSQL text cannot hold NUL, so the wire layer refuses it before anything reaches
storage: `400 CBC.0100` naming the field, on both backends alike. Other control
characters are ordinary text: they may be accepted or refused, but never with a 5xx.

The operations, their paths, parameters and body models come from the SDK itself
(`BssClient._<op>_http_info` and each model's `openapi_types`/`attribute_map`), so an
operation added to the server or to the SDK is covered without editing this file.
"""
import datetime as dt
import inspect
import random
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from huaweicloudsdkbss.v2 import BssClient
import huaweicloudsdkbss.v2.model as sdk_models

from conftest import Cli, CustomerFactory, PartnerFactory, sign_and_send

ROOT = Path(__file__).resolve().parents[2]
SWIFT_ROUTE = re.compile(r'router\.api\(\.(get|post|put|delete), "([^"]+)"')
CONTROL = ["\u0001", "\u0008", "\u001f", "\u007f", "\n", "\t", "\u2028"]


def server_routes() -> set[tuple[str, str]]:
    """(METHOD, path pattern) of every operation the server registers, `:name` → `{name}`."""
    found = set()
    for f in (ROOT / "Sources").rglob("*.swift"):
        for method, path in SWIFT_ROUTE.findall(f.read_text()):
            found.add((method.upper(), re.sub(r":([a-z_]+)", r"{\1}", path)))
    return found


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def sdk_operations() -> list[dict]:
    """Every SDK operation the server routes: method, path, path/query names, body model."""
    routes = server_routes()
    ops = []
    for cls_name, cls in inspect.getmembers(sdk_models, inspect.isclass):
        if not cls_name.endswith("Request") or not hasattr(cls, "openapi_types"):
            continue
        op = cls_name[: -len("Request")]
        info_fn = getattr(BssClient, f"_{snake(op)}_http_info", None)
        if info_fn is None:
            continue
        req = cls()
        info = info_fn(req)
        method, path = info["method"], info["resource_path"]
        if (method, path) not in routes:
            continue
        params = [a for a in cls.attribute_map if a not in ("body", "x_language")]
        path_names = re.findall(r"{([a-z_]+)}", path)
        query = [cls.attribute_map[a] for a in params if a not in path_names]
        body_type = cls.openapi_types.get("body")
        ops.append(dict(name=op, method=method, path=path, path_names=path_names, query=query,
                        query_types={cls.attribute_map[a]: cls.openapi_types[a] for a in params},
                        body_type=body_type))
    return sorted(ops, key=lambda o: o["name"])


SDK_OPS = sdk_operations()


def model_class(type_name: str):
    return getattr(sdk_models, type_name, None)


class Values:
    """Plausible values by key name, so a request gets as far as its handler's storage."""

    def __init__(self, ids: dict[str, str]):
        self.ids = ids
        today = dt.datetime.now(dt.timezone.utc)
        self.cycle = today.strftime("%Y-%m")
        self.day = today.strftime("%Y-%m-%d")

    def string(self, key: str) -> str:
        if key in self.ids:
            return self.ids[key]
        if key.endswith("cycle"):
            return self.cycle
        if key.endswith("_time") or key.endswith("_time_begin") or key.endswith("_time_end") or key in ("begin_time", "end_time"):
            return "2026-01-01T00:00:00Z"
        if key.startswith("bill_date") or key.endswith("_date"):
            return self.day
        return "abc"

    def scalar(self, key: str, type_name: str) -> Any:
        if type_name == "str":
            return self.string(key)
        if type_name in ("int", "float"):
            return 1
        if type_name == "Decimal":
            return 1
        if type_name == "bool":
            return False
        return None

    def build(self, type_name: str, key: str = "", depth: int = 0) -> Any:
        """A JSON value for an SDK type: scalars, `list[X]`, `dict(str, X)` and models."""
        m = re.fullmatch(r"list\[(.+)\]", type_name)
        if m:
            inner = self.build(m.group(1), key, depth + 1)
            return [] if inner is None else [inner]
        if type_name.startswith("dict("):
            return {}
        cls = model_class(type_name)
        if cls is None:
            return self.scalar(key, type_name)
        if depth > 3:
            return {}
        out = {}
        for attr, t in cls.openapi_types.items():
            v = self.build(t, cls.attribute_map[attr], depth + 1)
            if v is not None:
                out[cls.attribute_map[attr]] = v
        return out


def string_paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths (keys and list indexes) of every string inside a JSON value."""
    if isinstance(value, str):
        yield prefix
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from string_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from string_paths(v, prefix + (i,))


def with_value(body: Any, path: tuple, text: str) -> Any:
    if not path:
        return text
    copy = dict(body) if isinstance(body, dict) else list(body)
    copy[path[0]] = with_value(body[path[0]], path[1:], text)
    return copy


def field_name(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + p)
    return out


@pytest.fixture(scope="module")
def world(start_server, binary):
    srv = start_server("fuzz-nul", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    provider = partners.solution_provider()
    dist = partners.distributor()
    reseller = partners.reseller(dist)
    customers = CustomerFactory(partners)
    direct = customers.create(provider)
    cust = customers.principal(direct)
    customers.create(dist, indirect_partner_id=reseller.domain_id)
    quota = cli("admin", "quota", "grant", "--domain-id", provider.domain_id, "--amount", "100", "--expires", "2030-12-31", "--json")
    op = cli("admin", "key", "create", "--operator", "--json")
    callers = {
        "solution-provider": (provider.access_key, provider.secret_key),
        "distributor": (dist.access_key, dist.secret_key),
        "reseller": (reseller.access_key, reseller.secret_key),
        "customer": (cust.access_key, cust.secret_key),
        "operator": (op["access_key"], op["secret_key"]),
    }
    ids = {"customer_id": direct.domain_id, "indirect_partner_id": reseller.domain_id, "domain_id": provider.domain_id,
           "partner_id": provider.domain_id, "quota_id": quota["quota_id"], "xaccount_type": provider.xaccount_type,
           "domain_name": direct.domain_name}
    return srv, callers, Values(ids)


def send(srv, keys, method, path, body=None, query=None):
    ak, sk = keys
    return sign_and_send(srv.base_url, method, path, ak, sk, body=body if method in ("POST", "PUT", "DELETE") else None,
                         query=query)


def assert_refused_nul(r, where, field):
    assert r.status_code == 400, (where, field, r.status_code, r.text[:300])
    err = r.json()
    assert err["error_code"] == "CBC.0100", (where, field, r.text[:300])
    assert field in err["error_msg"] and "NUL" in err["error_msg"], (where, field, err)


def baseline(op, values):
    path_values = {n: values.string(n) for n in op["path_names"]}
    query = {}
    for q in op["query"]:
        t = op["query_types"][q]
        v = values.scalar(q, t)
        query[q] = v if isinstance(v, str) else str(v if not isinstance(v, bool) else "false")
    body = values.build(op["body_type"]) if op["body_type"] else None
    return path_values, query, body


def concrete(path, path_values):
    return re.sub(r"{([a-z_]+)}", lambda m: path_values[m.group(1)], path)


def permitted_caller(srv, callers, op, values):
    """The first caller kind the operation does not refuse as CBC.0151 for its baseline request."""
    path_values, query, body = baseline(op, values)
    for kind, keys in callers.items():
        r = send(srv, keys, op["method"], concrete(op["path"], path_values), body=body, query=query)
        assert r.status_code < 500, (op["name"], kind, r.status_code, r.text[:300])
        if not (r.status_code == 403 and r.json().get("error_code") == "CBC.0151"):
            return kind, keys
    return None, None


def test_the_sdk_table_covers_the_routed_operations():
    # A sanity floor: the SDK table must find the operations the server has long answered.
    names = {o["name"] for o in SDK_OPS}
    for known in ("ListSubCustomers", "UpdateCustomerAccountAmount", "ReclaimToPartnerAccount", "UpdateIndirectPartnerAccount",
                  "CreatePartnerCoupons", "CreatePersonalRealnameAuth", "ListPartnerAdjustRecords", "ListSubCustomerBillDetail"):
        assert known in names, (known, sorted(names))
    assert len(SDK_OPS) >= 45, len(SDK_OPS)


@pytest.mark.parametrize("op", SDK_OPS, ids=[o["name"] for o in SDK_OPS])
def test_a_nul_in_any_string_of_an_sdk_operation_is_a_named_400(world, op):
    srv, callers, values = world
    kind, keys = permitted_caller(srv, callers, op, values)
    assert kind, f"no caller may call {op['name']}"
    path_values, query, body = baseline(op, values)
    where = f"{op['name']} as {kind}"
    # Every string of the body, one at a time (the rest stays plausible).
    for p in list(string_paths(body)) if body is not None else []:
        original = body
        for x in p:
            original = original[x]
        r = send(srv, keys, op["method"], concrete(op["path"], path_values), body=with_value(body, p, original + "\u0000"), query=query)
        assert_refused_nul(r, where, field_name(p))
    # Every query parameter.
    for q in op["query"]:
        r = send(srv, keys, op["method"], concrete(op["path"], path_values), body=body, query={**query, q: query[q] + "\u0000"})
        assert_refused_nul(r, where, q)
    # Every path parameter.
    for n in op["path_names"]:
        r = send(srv, keys, op["method"], concrete(op["path"], {**path_values, n: path_values[n] + "%00"}), body=body, query=query)
        assert_refused_nul(r, where, "path")


@pytest.mark.parametrize("op", SDK_OPS, ids=[o["name"] for o in SDK_OPS])
def test_other_control_characters_never_break_an_sdk_operation(world, op):
    srv, callers, values = world
    kind, keys = permitted_caller(srv, callers, op, values)
    path_values, query, body = baseline(op, values)
    rng = random.Random(op["name"])
    targets = [("body", p) for p in (string_paths(body) if body is not None else [])] + [("query", q) for q in op["query"]]
    for slot, target in targets:
        c = rng.choice(CONTROL)
        if slot == "body":
            original = body
            for x in target:
                original = original[x]
            b, qq = with_value(body, target, original + c), query
        else:
            b, qq = body, {**query, target: query[target] + c}
        r = send(srv, keys, op["method"], concrete(op["path"], path_values), body=b, query=qq)
        assert r.status_code < 500, (op["name"], kind, slot, target, repr(c), r.status_code, r.text[:300])
        if r.status_code >= 400:
            err = r.json()
            assert err.get("error_code") and err.get("error_msg"), (op["name"], r.text[:300])


OPERATOR_KEYS = ["customer_id", "domain_id", "name", "kind", "parent_id", "password", "amount", "account", "reason", "service_type",
                 "rate", "expire_time", "effective_time", "resource_id", "cloud_service_type", "resource_type", "resource_spec", "region",
                 "metadata", "xaccount_type", "notify_url", "set", "advance", "status", "usage_type", "quota_type", "charge_mode"]


def operator_routes() -> list[tuple[str, str]]:
    return sorted((m, p) for m, p in server_routes() if p.startswith("/operator/"))


@pytest.mark.parametrize("method,path", operator_routes())
def test_a_nul_in_the_operator_api_is_a_named_400(world, method, path):
    srv, callers, values = world
    keys = callers["operator"]
    real = concrete(path, {n: values.string(n if n != "id" else "domain_id") for n in re.findall(r"{([a-z_]+)}", path)})
    for n in re.findall(r"{([a-z_]+)}", path):
        r = send(srv, keys, method, concrete(path, {m: ("abc%00" if m == n else values.string(m)) for m in re.findall(r"{([a-z_]+)}", path)}))
        assert_refused_nul(r, f"{method} {path}", "path")
    for key in OPERATOR_KEYS:
        if method in ("POST", "PUT"):
            r = send(srv, keys, method, real, body={key: "x\u0000"})
            assert r.status_code < 500, (method, path, key, r.status_code, r.text[:300])
            if r.status_code == 400 and "NUL" in r.text:
                assert key in r.json()["error_msg"], r.text
        r = send(srv, keys, method, real, body={} if method in ("POST", "PUT") else None, query={key: "x\u0000"})
        assert_refused_nul(r, f"{method} {path}", key)


def test_a_nul_in_a_token_request_is_refused(world):
    import requests
    srv, _, _ = world
    r = requests.post(srv.base_url + "/v3/auth/tokens", json={"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "someone\u0000", "password": "x", "domain": {"name": "someone"}}}}}}, timeout=10)
    assert r.status_code == 400, r.text
    assert "NUL" in r.text and "auth.identity.password.user.name" in r.text, r.text
