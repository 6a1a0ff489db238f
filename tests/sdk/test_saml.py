"""SAML 2.0 web SSO: the SP (`/authui/saml/...`), the built-in IdP (`/idp/{partner}/...`),
first-login binding, IdP registration (CLI and operator API) and the console it lands on.

Everything goes over HTTP with `requests` (one `Session` per browser). Third-party SAML code
checks our documents: `xmlsec1 --verify` for the SP metadata and the built-in IdP's Response,
`cryptography` for the redirect-binding signature, and pysaml2 acts as a partner's IdP.

Attacks are forged with `xmlsec1 --sign` and a key the test registered through IdP metadata, so
that in each forged Response exactly one thing is wrong; the server must refuse it naming that
check, in the page and in its log, and must not start a console session.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import time
import uuid
import warnings
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qs, quote, unquote

import pytest
import requests

from conftest import Customer, Principal, assert_error, list_customers, unique
from saml_support import (ASSERTION_NS, PROTOCOL_NS, RSA_SHA1, RSA_SHA256, SHA1, KeyPair, LoginStart, ResponseSpec, ServerLog,
                          SPMetadata, assertion_xml, b64, forms_of, idp_metadata, new_id, new_keypair, only_form,
                          parse_idp_metadata, parse_sp_metadata, pem_of_b64, post_acs, response_xml,
                          rsa_sha256_verifies, set_cookie_headers, signature_template, signed_assertion,
                          signed_response, start_login, xmlsec_sign, xmlsec_verify)

with warnings.catch_warnings():
    # pysaml2 imports a cipher mode `cryptography` has deprecated; nothing here uses it.
    warnings.simplefilter("ignore")
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.response import IncorrectlySigned
    from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT
    from saml2.server import Server as Saml2IdP
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

HUAWEI_SP = "https://auth.huaweicloud.com/"
BIND_PASSWORD = "Bind@2026pass!"
BAD_REQUEST_CHECKS = {"encoding", "xml", "request", "structure"}
TIMEOUT = 30


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sp(server) -> SPMetadata:
    r = requests.get(server.base_url + "/authui/saml/metadata", timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return parse_sp_metadata(r.text)


@pytest.fixture(scope="module")
def log(server) -> ServerLog:
    return ServerLog(server.stderr_path)


def cookie_header(r: requests.Response, name: str) -> Optional[str]:
    for h in set_cookie_headers(r):
        if h.split("=", 1)[0].strip() == name:
            return h
    return None


def assert_refused(r: requests.Response, check: str, log: ServerLog, session: Optional[requests.Session] = None,
                   base: Optional[str] = None):
    """An HTML refusal naming `check`, logged once with that check, and no console session."""
    status = 400 if check in BAD_REQUEST_CHECKS else 403
    assert r.status_code == status and f"(check: {check})" in r.text, (
        f"expected refusal {status} (check: {check}), got {r.status_code}: "
        f"{re.findall(r'<p>(.*?)</p>', r.text)[:1] or r.text[-600:]} Location={r.headers.get('Location')}")
    assert "Sign-in refused" in r.text
    assert r.headers.get("Content-Type", "").startswith("text/html")
    assert "Location" not in r.headers
    assert cookie_header(r, "pc_console") is None, set_cookie_headers(r)
    rid = r.headers.get("X-Request-Id")
    assert rid, dict(r.headers)
    checks: list[str] = []
    for _ in range(50):
        checks = log.refusal_checks(rid)
        if checks:
            break
        time.sleep(0.05)
    assert checks == [check], f"log lines for request {rid}: {log.lines_for(rid)}"
    if session is not None:
        c = session.get(base + "/console/", timeout=TIMEOUT)
        assert c.status_code == 401 and "Not signed in" in c.text, c.status_code


def assert_signed_in(r: requests.Response, session: requests.Session, base: str, customer_id: str,
                     customer_name: str, service: str = "/console/") -> str:
    assert r.status_code == 303, (
        f"sign-in failed: {r.status_code} {re.findall(r'<p>(.*?)</p>', r.text)[:1] or r.text[-600:]}")
    assert r.headers["Location"] == service
    ck = cookie_header(r, "pc_console")
    assert ck, set_cookie_headers(r)
    attrs = [a.strip().lower() for a in ck.split(";")[1:]]
    assert "httponly" in attrs and "samesite=lax" in attrs and "path=/" in attrs, ck
    page = session.get(base + "/console/", timeout=TIMEOUT)
    assert page.status_code == 200, page.text[-500:]
    assert customer_name in page.text and customer_id in page.text
    for section in ("account", "balances", "coupons", "resources", "spend"):
        assert f'id="{section}"' in page.text, section
    return page.text


# --------------------------------------------------------------------------
# a partner platform whose IdP signing key the tests hold
# --------------------------------------------------------------------------

@dataclass
class ForgedIdP:
    partner: Principal
    pair: KeyPair
    entity_id: str
    sso_url: str
    base: str
    sp: SPMetadata
    metadata_path: Path

    @property
    def xaccount_type(self) -> str:
        return self.partner.xaccount_type

    def login(self, session: requests.Session, first: bool = False, service: str = "/console/",
              xaccount_type: Optional[str] = None) -> LoginStart:
        ls = start_login(session, self.base, xaccount_type or self.xaccount_type, service=service, first=first)
        assert ls.location.startswith(self.sso_url + "?"), ls.location
        return ls

    def spec(self, ls: LoginStart, x_user_id: str, **kw) -> ResponseSpec:
        fields = dict(issuer=self.entity_id, acs=self.sp.acs, in_response_to=ls.request_id,
                      audience=self.sp.entity_id, x_user_id=x_user_id, bp_id=self.partner.domain_id)
        fields.update(kw)
        return ResponseSpec(**fields)

    def sign(self, spec: ResponseSpec, **kw) -> str:
        return signed_response(spec, self.pair, **kw)

    def sign_in(self, session: requests.Session, customer: Customer, **login_kw) -> requests.Response:
        ls = self.login(session, **login_kw)
        return post_acs(session, self.sp.acs, self.sign(self.spec(ls, customer.xaccount_id)))


def register_forged_idp(cli, partner: Principal, base: str, sp: SPMetadata, directory: Path,
                        notify_url: Optional[str] = None, xaccount_type: Optional[str] = None) -> ForgedIdP:
    tag = uuid.uuid4().hex[:10]
    entity, sso = f"https://idp-{tag}.platform.example/saml", f"https://idp-{tag}.platform.example/sso/redirect"
    pair = new_keypair(f"platform IdP {tag}")
    path = directory / f"idp-{tag}.xml"
    path.write_text(idp_metadata(entity, sso, pair.cert_b64))
    args = ["admin", "saml", "idp", "set", "--domain-id", partner.domain_id, "--metadata", str(path), "--json"]
    if notify_url:
        args += ["--notify-url", notify_url]
    if xaccount_type:
        args += ["--xaccount-type", xaccount_type]
    out = cli(*args)
    assert out == {"xaccount_type": xaccount_type or partner.xaccount_type, "entity_id": entity}, out
    return ForgedIdP(partner=partner, pair=pair, entity_id=entity, sso_url=sso, base=base, sp=sp, metadata_path=path)


@dataclass
class World:
    idp: ForgedIdP
    user: Customer          # a bound customer the "attacker" may sign in as
    victim: Customer        # another bound customer of the same partner
    other_partner: Principal
    stranger: Customer      # a customer of the other partner
    intruder: KeyPair       # a key nobody registered


@pytest.fixture(scope="module")
def world(cli, server, sp, partners, customers, tmp_path_factory) -> World:
    dist = partners.solution_provider()
    idp = register_forged_idp(cli, dist, server.base_url, sp, tmp_path_factory.mktemp("saml-idp"))
    other = partners.solution_provider()
    return World(idp=idp, user=customers.create(dist), victim=customers.create(dist), other_partner=other,
                 stranger=customers.create(other), intruder=new_keypair("intruder"))


# --------------------------------------------------------------------------
# 1. SP metadata
# --------------------------------------------------------------------------

def test_sp_metadata_is_signed_and_describes_the_sp(server):
    r = requests.get(server.base_url + "/authui/saml/metadata", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/samlmetadata+xml")
    md = parse_sp_metadata(r.text)
    assert md.entity_id == HUAWEI_SP
    assert md.acs == server.base_url + "/authui/saml/SAMLAssertionConsumer"
    assert md.root.get("ID"), "EntityDescriptor needs an ID for its signature reference"
    sig = md.root.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert sig is not None, "no enveloped ds:Signature directly under EntityDescriptor"
    ref = sig.find(".//{http://www.w3.org/2000/09/xmldsig#}Reference")
    assert ref.get("URI") == "#" + md.root.get("ID")
    descriptor = md.root.find("{urn:oasis:names:tc:SAML:2.0:metadata}SPSSODescriptor")
    assert descriptor.get("AuthnRequestsSigned") == "true"

    id_attr = "--id-attr:ID urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"
    ok = xmlsec_verify(r.text, md.cert_pem, id_attr)
    assert ok.returncode == 0, f"xmlsec1 could not verify the SP metadata: {ok.stderr}"
    assert "OK" in ok.stderr
    # The verification means something: a changed document or another key fails.
    tampered = r.text.replace(md.acs, "https://evil.example/acs")
    assert xmlsec_verify(tampered, md.cert_pem, id_attr).returncode != 0
    assert xmlsec_verify(r.text, new_keypair().cert_pem, id_attr).returncode != 0
    # Stable: the same key and ACS on every fetch.
    again = parse_sp_metadata(requests.get(server.base_url + "/authui/saml/metadata", timeout=TIMEOUT).text)
    assert (again.cert_pem, again.acs, again.entity_id) == (md.cert_pem, md.acs, md.entity_id)


# --------------------------------------------------------------------------
# 2. the built-in IdP, end to end
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def builtin(cli, server, partners, customers):
    dist = partners.solution_provider()
    out = cli("admin", "saml", "idp", "enable-builtin", "--domain-id", dist.domain_id,
              "--public-url", server.base_url, "--json")
    assert out == {"xaccount_type": dist.xaccount_type,
                   "entity_id": f"{server.base_url}/idp/{dist.domain_id}/metadata"}, out
    return dist, customers.create(dist)


def builtin_login_form(session: requests.Session, ls: LoginStart):
    r = session.get(ls.location, timeout=TIMEOUT)
    assert r.status_code == 200, r.text[-800:]
    return r, only_form(r.text, "/login")


def test_builtin_idp_round_trip(server, sp, builtin, log):
    dist, cust = builtin
    base = server.base_url
    s = requests.Session()

    # /idp/{id}/metadata describes the IdP the SP will redirect to.
    md = requests.get(f"{base}/idp/{dist.domain_id}/metadata", timeout=TIMEOUT)
    assert md.status_code == 200 and md.headers["Content-Type"].startswith("application/samlmetadata+xml")
    idp_entity, idp_sso, idp_cert = parse_idp_metadata(md.text)
    assert idp_entity == f"{base}/idp/{dist.domain_id}/metadata"
    assert idp_sso == f"{base}/idp/{dist.domain_id}/sso"

    # SP login: a 303 to the IdP with a signed, deflated AuthnRequest and a browser-binding cookie.
    ls = start_login(s, base, dist.xaccount_type)
    assert ls.location.startswith(idp_sso + "?")
    assert list(ls.query) == ["SAMLRequest", "RelayState", "SigAlg", "Signature"], ls.raw_query
    assert ls.query["SigAlg"] == RSA_SHA256
    assert ls.query["RelayState"]
    root = ls.root
    assert root.tag == f"{{{PROTOCOL_NS}}}AuthnRequest"
    assert root.findtext(f"{{{ASSERTION_NS}}}Issuer") == HUAWEI_SP
    assert root.get("AssertionConsumerServiceURL") == sp.acs
    assert root.get("Destination") == idp_sso
    assert root.get("ID") and root.get("Version") == "2.0"
    signed_part, _, signature = ls.raw_query.partition("&Signature=")
    assert signed_part.startswith("SAMLRequest=") and "&RelayState=" in signed_part and "&SigAlg=" in signed_part
    sig = base64.b64decode(unquote(signature))
    assert rsa_sha256_verifies(sp.cert_pem, signed_part.encode(), sig), "redirect signature does not verify"
    assert not rsa_sha256_verifies(sp.cert_pem, signed_part.replace("RelayState=", "RelayState=x").encode(), sig)
    sso_cookie = cookie_header(ls.response, "pc_sso")
    assert sso_cookie, set_cookie_headers(ls.response)
    attrs = [a.strip().lower() for a in sso_cookie.split(";")[1:]]
    assert "httponly" in attrs and "path=/authui/saml" in attrs, sso_cookie

    # IdP: the login form, then the auto-POST form carrying the signed Response.
    _, form = builtin_login_form(s, ls)
    assert form.action == f"/idp/{dist.domain_id}/login" and form.method == "post"
    assert set(form.names) == {"token", "username", "password"} and form.fields["token"]
    r = s.post(base + form.action, data={"token": form.fields["token"], "username": cust.domain_name,
                                          "password": cust.password}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text[-800:]
    post = only_form(r.text, "SAMLAssertionConsumer")
    assert post.action == sp.acs and post.method == "post"
    assert set(post.names) == {"SAMLResponse", "RelayState"}
    assert post.fields["RelayState"] == ls.query["RelayState"]
    response = base64.b64decode(post.fields["SAMLResponse"]).decode()
    assert f'InResponseTo="{ls.request_id}"' in response
    for name, value in (("xUserId", cust.xaccount_id), ("xAccountId", cust.xaccount_id), ("bpId", dist.domain_id)):
        assert re.search(rf'Name="{name}"[^>]*>\s*<saml2:AttributeValue[^>]*>{re.escape(value)}<', response), name

    id_attr = f"--id-attr:ID {ASSERTION_NS}:Assertion"
    ok = xmlsec_verify(response, idp_cert, id_attr)
    assert ok.returncode == 0, f"xmlsec1 could not verify the IdP's Response: {ok.stderr}"
    assert xmlsec_verify(response, sp.cert_pem, id_attr).returncode != 0, "verified with the wrong key?"

    # ACS -> console.
    done = s.post(post.action, data=post.fields, allow_redirects=False, timeout=TIMEOUT)
    page = assert_signed_in(done, s, base, cust.domain_id, cust.domain_name)
    assert "Console" in page

    # Another browser has no session; signing out ends this one.
    assert requests.get(base + "/console/", timeout=TIMEOUT).status_code == 401
    out = s.post(base + "/console/logout", allow_redirects=False, timeout=TIMEOUT)
    assert out.status_code == 303
    assert s.get(base + "/console/", timeout=TIMEOUT).status_code == 401


def test_console_requires_a_session(server):
    for path in ("/console", "/console/", "/console/anything"):
        r = requests.get(server.base_url + path, timeout=TIMEOUT)
        assert r.status_code == 401 and "Not signed in" in r.text, (path, r.status_code)
    r = requests.get(server.base_url + "/console/", cookies={"pc_console": "forged-session"}, timeout=TIMEOUT)
    assert r.status_code == 401


# --------------------------------------------------------------------------
# 7. the built-in IdP's own checks
# --------------------------------------------------------------------------

def test_builtin_idp_refuses_unsigned_or_tampered_authn_requests(server, cli, builtin, partners, log):
    dist, _ = builtin
    other_builtin = partners.solution_provider()
    cli("admin", "saml", "idp", "enable-builtin", "--domain-id", other_builtin.domain_id,
        "--public-url", server.base_url, "--json")
    s = requests.Session()
    ls = start_login(s, server.base_url, dist.xaccount_type)
    sso = ls.location.split("?", 1)[0]
    q = ls.raw_query
    params = dict(p.split("=", 1) for p in q.split("&"))
    other_request = start_login(requests.Session(), server.base_url, dist.xaccount_type)
    other_params = dict(p.split("=", 1) for p in other_request.raw_query.split("&"))

    def sso_with(query: str) -> requests.Response:
        return s.get(sso + "?" + query, timeout=TIMEOUT)

    variants = {
        "no Signature": f"SAMLRequest={params['SAMLRequest']}&RelayState={params['RelayState']}&SigAlg={params['SigAlg']}",
        "no SigAlg or Signature": f"SAMLRequest={params['SAMLRequest']}&RelayState={params['RelayState']}",
        "changed RelayState": q.replace(f"RelayState={params['RelayState']}", "RelayState=forged"),
        "Signature of another request": q.replace(params["Signature"], other_params["Signature"]),
        "SAMLRequest of another request": q.replace(params["SAMLRequest"], other_params["SAMLRequest"]),
        "garbage Signature": q.replace(params["Signature"], quote(base64.b64encode(b"\0" * 256).decode(), safe="")),
        "rsa-sha1 SigAlg": q.replace(params["SigAlg"], quote("http://www.w3.org/2000/09/xmldsig#rsa-sha1", safe="")),
    }
    for name, query in variants.items():
        r = sso_with(query)
        assert r.status_code == 403, (name, r.status_code)
        assert_refused(r, "signature", log)
        assert not forms_of(r.text), name

    # The untouched request still gets the login form, but only at the IdP it is addressed to.
    assert sso_with(q).status_code == 200
    elsewhere = s.get(f"{server.base_url}/idp/{other_builtin.domain_id}/sso?{q}", timeout=TIMEOUT)
    assert_refused(elsewhere, "destination", log)


def test_builtin_idp_wrong_password_shows_the_form_again(server, builtin, partners, customers):
    dist, cust = builtin
    s = requests.Session()
    ls = start_login(s, server.base_url, dist.xaccount_type)
    _, form = builtin_login_form(s, ls)
    url = server.base_url + form.action
    token = form.fields["token"]

    for username, password in ((cust.domain_name, "Wrong-Passw0rd!"), ("nobody" + uuid.uuid4().hex[:6], cust.password)):
        r = s.post(url, data={"token": token, "username": username, "password": password}, timeout=TIMEOUT)
        assert r.status_code == 401, r.status_code
        assert "wrong" in r.text
        again = only_form(r.text, "/login")
        assert again.fields["token"] == token and again.fields["username"] == username
        assert "SAMLResponse" not in r.text
    r = s.post(url, data={"token": token, "username": '"><script>alert(1)</script>', "password": "x"}, timeout=TIMEOUT)
    assert r.status_code == 401 and "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text

    # A customer of another partner cannot sign in through this partner's IdP.
    stranger = customers.create(partners.solution_provider())
    r = s.post(url, data={"token": token, "username": stranger.domain_name, "password": stranger.password},
               timeout=TIMEOUT)
    assert r.status_code == 401 and "SAMLResponse" not in r.text

    # The right password still works with the same form, once.
    r = s.post(url, data={"token": token, "username": cust.domain_name, "password": cust.password}, timeout=TIMEOUT)
    assert r.status_code == 200 and only_form(r.text, "SAMLAssertionConsumer").fields["SAMLResponse"]
    r = s.post(url, data={"token": token, "username": cust.domain_name, "password": cust.password}, timeout=TIMEOUT)
    assert r.status_code != 200 and "SAMLResponse" not in r.text


# --------------------------------------------------------------------------
# 3. pysaml2 as a partner's IdP
# --------------------------------------------------------------------------

def test_pysaml2_idp_signs_in_to_our_sp(cli, server, sp, partners, customers, tmp_path):
    dist = partners.solution_provider()
    cust = customers.create(dist)
    pair = new_keypair("pysaml2 IdP")
    key_file, cert_file = pair.write(tmp_path)
    entity, sso = "https://idp.test.example/", "https://idp.test.example/sso/redirect"
    md_path = tmp_path / "idp.xml"
    md_path.write_text(idp_metadata(entity, sso, pair.cert_b64))
    out = cli("admin", "saml", "idp", "set", "--domain-id", dist.domain_id, "--metadata", str(md_path), "--json")
    assert out == {"xaccount_type": dist.xaccount_type, "entity_id": entity}

    sp_xml = requests.get(server.base_url + "/authui/saml/metadata", timeout=TIMEOUT).text
    conf = IdPConfig()
    conf.load({
        "entityid": entity,
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [(sso, BINDING_HTTP_REDIRECT)]},
            "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                   "name_form": NAME_FORMAT_URI}},
            "name_id_format": [NAMEID_FORMAT_TRANSIENT],
            "want_authn_requests_signed": True,
        }},
        "metadata": {"inline": [sp_xml]},
        "key_file": str(key_file), "cert_file": str(cert_file),
        "xmlsec_binary": "/usr/bin/xmlsec1",
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idp = Saml2IdP(config=conf)

        s = requests.Session()
        ls = start_login(s, server.base_url, dist.xaccount_type)
        assert ls.location.startswith(sso + "?")
        # pysaml2 checks the redirect signature against the SP certificate in our metadata.
        req = idp.parse_authn_request(ls.query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                      relay_state=ls.query["RelayState"], sigalg=ls.query["SigAlg"],
                                      signature=ls.query["Signature"])
        assert req is not None
        msg = req.message
        assert msg.id == ls.request_id and msg.issuer.text == HUAWEI_SP
        assert msg.assertion_consumer_service_url == sp.acs
        with pytest.raises(IncorrectlySigned):
            idp.parse_authn_request(ls.query["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state="forged",
                                    sigalg=ls.query["SigAlg"], signature=ls.query["Signature"])

        identity = {"xUserId": cust.xaccount_id, "xAccountId": cust.xaccount_id, "bpId": dist.domain_id,
                    "name": "Alice Example", "mobile": "", "email": "alice@example.com"}
        resp = idp.create_authn_response(
            identity, in_response_to=msg.id, destination=msg.assertion_consumer_service_url,
            sp_entity_id=msg.issuer.text, userid="alice",
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_assertion=True, sign_response=False, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    xml = str(resp)
    assert "xUserId" in xml and NAME_FORMAT_URI in xml
    r = post_acs(s, sp.acs, xml, relay_state=ls.query["RelayState"])
    assert_signed_in(r, s, server.base_url, cust.domain_id, cust.domain_name)


# --------------------------------------------------------------------------
# /authui/saml/login parameters
# --------------------------------------------------------------------------

def test_login_requires_a_known_platform_and_a_console_service(server, world, log):
    base = server.base_url
    t = world.idp.xaccount_type
    cases = [
        ({"service": "/console/"}, "xAccountType"),
        ({"xAccountType": t}, "service"),
        ({"xAccountType": t, "service": ""}, "service"),
        ({"xAccountType": "NO_SUCH_PLATFORM", "service": "/console/"}, "no IdP is registered"),
        ({"xAccountType": t, "service": "/console/", "isFirstLogin": "maybe"}, "isFirstLogin"),
    ]
    for params, text in cases:
        r = requests.get(base + "/authui/saml/login", params=params, allow_redirects=False, timeout=TIMEOUT)
        assert r.status_code == 400 and text in r.text, (params, r.status_code)
        assert_refused(r, "request", log)
        assert cookie_header(r, "pc_sso") is None
    r = requests.get(base + "/authui/saml/login", params={"xAccountType": "<script>x</script>", "service": "/console/"},
                     timeout=TIMEOUT)
    assert r.status_code == 400 and "<script>x" not in r.text and "&lt;script&gt;x" in r.text


@pytest.mark.parametrize("service", [
    "https://evil.example/",
    "https://evil.example/console/",
    "//evil.example",
    "//evil.example/console/",
    "/\\evil.example/console/",
    "/console/../x",
    "/console/../../authui/saml/metadata",
    "/console/%2e%2e/",
    "/console/%2E%2E/operator",
    "/console%2f..%2foperator",
    "/authui/saml/metadata",
    "/operator/v1/saml/idps",
    "console/",
    "javascript:alert(1)//console/",
    "/console/\r\nSet-Cookie: x=1",
    "{base}@evil.example/console/",
    "https://{host}/console/",
    "http://evil.example{path}/console/",
    "{base}/console/%2e%2e/operator",
])
def test_login_refuses_open_redirect_services(server, world, log, service):
    base = server.base_url
    service = service.format(base=base, host=base.split("://", 1)[1], path=":" + base.rsplit(":", 1)[1])
    r = requests.get(base + "/authui/saml/login",
                     params={"xAccountType": world.idp.xaccount_type, "service": service},
                     allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400, (service, r.status_code, r.headers.get("Location"))
    assert "Location" not in r.headers and "service must be a page of this console" in r.text
    assert_refused(r, "request", log)


@pytest.mark.parametrize("service,landing", [
    ("/console", "/console"),
    ("/console/", "/console/"),
    ("/console/bills?cycle=2026-01", "/console/bills?cycle=2026-01"),
    ("{base}/console/resources", "/console/resources"),
    ("/console/a%3Fb", "/console/a%3Fb"),
])
def test_login_accepts_local_console_services(server, world, service, landing):
    s = requests.Session()
    service = service.format(base=server.base_url)
    ls = world.idp.login(s, service=service)
    r = post_acs(s, world.idp.sp.acs, world.idp.sign(world.idp.spec(ls, world.user.xaccount_id)))
    assert r.status_code == 303 and r.headers["Location"] == landing, (r.status_code, r.headers.get("Location"))


def test_absolute_service_urls_keep_their_encoding(server, world):
    """`{base}/console/a%3Fb` names the page `a?b` below /console: the sign-in must land there
    (or the login be refused), not on `/console/a?b`; and a percent-encoded CR/LF must never be
    decoded into the Location header (the relative form `/console/\\r\\n...` is refused outright)."""
    base = server.base_url
    wrong = []
    for encoded in ("a%3Fb", "x%2F%2Fevil.example", "%0D%0ASet-Cookie:%20evil=1"):
        service = f"{base}/console/{encoded}"
        s = requests.Session()
        r = s.get(base + "/authui/saml/login", params={"xAccountType": world.idp.xaccount_type, "service": service},
                  allow_redirects=False, timeout=TIMEOUT)
        if r.status_code == 400:
            continue  # refusing is correct too
        assert r.status_code == 303
        ls = world.idp.login(s, service=service)
        done = post_acs(s, world.idp.sp.acs, world.idp.sign(world.idp.spec(ls, world.user.xaccount_id)))
        assert done.status_code == 303
        if done.headers["Location"] != f"/console/{encoded}":
            wrong.append((service, done.headers["Location"]))
    assert not wrong, f"service URLs decoded into another landing page: {wrong}"


# --------------------------------------------------------------------------
# 4. attacks on the assertion consumer
# --------------------------------------------------------------------------

@dataclass
class Raw:
    """A SAMLResponse form value sent as is (not base64 of XML)."""
    value: str


@dataclass
class Attack:
    check: str
    build: Callable[[World, LoginStart], object]
    control: bool = True   # afterwards the honest Response for the same request must still work


def honest(w: World, ls: LoginStart, **kw) -> ResponseSpec:
    return w.idp.spec(ls, w.user.xaccount_id, **kw)


def evil_assertion(w: World, ls: LoginStart, assertion_id: Optional[str] = None, signed: bool = False) -> str:
    """An unsigned assertion naming the victim."""
    return assertion_xml(w.idp.spec(ls, w.victim.xaccount_id), signed_template=signed,
                         assertion_id=assertion_id or new_id())


def with_cert(xml: str, cert_b64: str) -> str:
    return re.sub(r"<ds:X509Certificate>.*?</ds:X509Certificate>",
                  f"<ds:X509Certificate>{cert_b64}</ds:X509Certificate>", xml, flags=re.S)


def a_signature_elsewhere(w, ls):
    xml = w.idp.sign(honest(w, ls))
    sig = re.search(r"<ds:Signature\b.*?</ds:Signature>", xml, re.S).group(0)
    return xml.replace("<saml2p:Status>", f"<saml2p:Extensions>{sig}</saml2p:Extensions><saml2p:Status>")


def a_xsw(where: str):
    def build(w, ls):
        xml = w.idp.sign(honest(w, ls))
        signed = signed_assertion(xml)
        evil = evil_assertion(w, ls)
        if where == "before":
            return xml.replace(signed, evil + signed)
        if where == "after":
            return xml.replace(signed, signed + evil)
        if where == "extensions":
            return xml.replace("<saml2p:Status>", f"<saml2p:Extensions>{evil}</saml2p:Extensions><saml2p:Status>")
        if where == "extensions-signed":  # the signed one hidden, the evil one in its place
            return xml.replace("<saml2p:Status>", f"<saml2p:Extensions>{signed}</saml2p:Extensions><saml2p:Status>") \
                      .replace(signed + "</saml2p:Response>", evil + "</saml2p:Response>")
        if where == "wrapped":  # the signed one inside the evil one's Advice
            return xml.replace(signed, evil.replace("<saml2:AuthnStatement",
                                                    f"<saml2:Advice>{signed}</saml2:Advice><saml2:AuthnStatement"))
        if where == "signature-object":  # the evil one inside the signed one's ds:Object
            return xml.replace("</ds:KeyInfo></ds:Signature>", f"</ds:KeyInfo><ds:Object>{evil}</ds:Object></ds:Signature>")
        raise AssertionError(where)
    return build


def a_moved_signature(same_id: bool):
    def build(w, ls):
        spec = honest(w, ls)
        xml = w.idp.sign(spec)
        signed = signed_assertion(xml)
        sig = re.search(r"<ds:Signature\b.*?</ds:Signature>", signed, re.S).group(0)
        evil = evil_assertion(w, ls, assertion_id=spec.assertion_id if same_id else None)
        evil = evil.replace("<saml2:Subject>", sig + "<saml2:Subject>", 1)
        return xml.replace(signed, evil)
    return build


def a_reference_to_response(w, ls):
    spec = honest(w, ls)
    assertion = assertion_xml(spec, signed_template=False).replace(
        "<saml2:Subject>", signature_template(spec.response_id) + "<saml2:Subject>", 1)
    return xmlsec_sign(response_xml(spec, assertion), w.idp.pair,
                       id_attrs=(f"{ASSERTION_NS}:Assertion", f"{PROTOCOL_NS}:Response"))


def a_response_signed_assertion_not(w, ls):
    spec = honest(w, ls)
    xml = response_xml(spec, assertion_xml(spec, signed_template=False),
                       response_signature=signature_template(spec.response_id))
    return xmlsec_sign(xml, w.idp.pair, id_attrs=(f"{PROTOCOL_NS}:Response",))


def a_sha1_signature(w, ls):
    spec = honest(w, ls)
    assertion = assertion_xml(spec, signed_template=False).replace(
        "<saml2:Subject>", signature_template(spec.assertion_id, RSA_SHA1, SHA1) + "<saml2:Subject>", 1)
    return xmlsec_sign(response_xml(spec, assertion), w.idp.pair)


def doubly_signed(w: World, ls: LoginStart, response_key: KeyPair) -> str:
    """Assertion signed with the registered key, then the whole Response signed with `response_key`."""
    spec = honest(w, ls)
    assertion = signed_assertion(w.idp.sign(spec))
    xml = response_xml(spec, assertion, response_signature=signature_template(spec.response_id))
    return xmlsec_sign(xml, response_key, id_attrs=(f"{PROTOCOL_NS}:Response", f"{ASSERTION_NS}:Assertion"))


def a_duplicate_response_id(w, ls):
    spec = honest(w, ls)
    spec.response_id = spec.assertion_id
    return w.idp.sign(spec)


def a_duplicate_extension_id(w, ls):
    spec = honest(w, ls)
    return w.idp.sign(spec, extensions=f'<x:Note xmlns:x="urn:example:x" ID="{spec.assertion_id}"/>')


def a_modified_attribute(w, ls):
    xml = w.idp.sign(honest(w, ls))
    changed = xml.replace(f">{w.user.xaccount_id}<", f">{w.victim.xaccount_id}<")
    assert changed != xml
    return changed


def a_encrypted(alongside: bool):
    enc = ('<saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">'
           '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">'
           '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>'
           '<xenc:CipherData><xenc:CipherValue>' + base64.b64encode(b"\1" * 96).decode() +
           '</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml2:EncryptedAssertion>')

    def build(w, ls):
        xml = w.idp.sign(honest(w, ls))
        signed = signed_assertion(xml)
        return xml.replace(signed, signed + enc if alongside else enc)
    return build


def a_not_response(w, ls):
    return ls.authn_xml


def a_xxe(encoding: str):
    def build(w, ls):
        xml = w.idp.sign(honest(w, ls))
        doc = xml.replace('<?xml version="1.0" encoding="UTF-8"?>\n', "")
        doc = doc.replace(f">{w.user.xaccount_id}<", ">&xxe;<")
        text = ('<?xml version="1.0" encoding="{enc}"?>\n<!DOCTYPE saml2p:Response [\n'
                '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n').format(enc=encoding) + doc
        return Raw(b64(text.encode("utf-16" if encoding == "UTF-16" else "utf-8")))
    return build


def a_billion_laughs(w, ls):
    ents = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                                      for i in range(1, 10)]
    doc = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [' + "".join(ents) + ']>\n'
           f'<saml2p:Response xmlns:saml2p="{PROTOCOL_NS}" ID="_x" InResponseTo="{ls.request_id}" Version="2.0">'
           '&lol9;</saml2p:Response>')
    return doc


ATTACKS: dict[str, Attack] = {
    # signatures
    "unsigned-assertion": Attack("signature", lambda w, ls: signed_response(honest(w, ls), None)),
    "response-signed-assertion-unsigned": Attack("signature", a_response_signed_assertion_not),
    "signed-by-unregistered-key": Attack("signature", lambda w, ls: signed_response(honest(w, ls), w.intruder)),
    "unregistered-key-claims-registered-cert": Attack(
        "signature", lambda w, ls: with_cert(signed_response(honest(w, ls), w.intruder), w.idp.pair.cert_b64)),
    "registered-key-foreign-keyinfo": Attack(
        "signature", lambda w, ls: with_cert(w.idp.sign(honest(w, ls)), w.intruder.cert_b64)),
    "attribute-changed-after-signing": Attack("signature", a_modified_attribute),
    "reference-covers-response-not-assertion": Attack("signature", a_reference_to_response),
    "rsa-sha1-and-sha1-digest": Attack("signature", a_sha1_signature),
    "response-signed-by-unregistered-key": Attack("signature", lambda w, ls: doubly_signed(w, ls, w.intruder)),
    "signature-moved-to-evil-assertion-same-id": Attack("signature", a_moved_signature(True)),
    "signature-moved-to-evil-assertion-own-id": Attack("signature", a_moved_signature(False)),
    # signature wrapping
    "xsw-evil-before-signed": Attack("structure", a_xsw("before")),
    "xsw-evil-after-signed": Attack("structure", a_xsw("after")),
    "xsw-evil-in-extensions": Attack("structure", a_xsw("extensions")),
    "xsw-signed-in-extensions-evil-in-place": Attack("structure", a_xsw("extensions-signed")),
    "xsw-signed-wrapped-in-evil": Attack("structure", a_xsw("wrapped")),
    "xsw-evil-in-signature-object": Attack("structure", a_xsw("signature-object")),
    "signature-in-extensions": Attack("structure", a_signature_elsewhere),
    "duplicate-id-response-and-assertion": Attack("duplicate-id", a_duplicate_response_id),
    "duplicate-id-in-extensions": Attack("duplicate-id", a_duplicate_extension_id),
    # message shape
    "encrypted-assertion": Attack("structure", a_encrypted(False)),
    "encrypted-assertion-alongside-signed": Attack("structure", a_encrypted(True)),
    "not-a-response": Attack("structure", a_not_response),
    "version-1.1": Attack("structure", lambda w, ls: re.sub(
        r'(<saml2p:Response\b[^>]*) Version="2.0">', r'\1 Version="1.1">', w.idp.sign(honest(w, ls)), count=1)),
    "not-base64": Attack("encoding", lambda w, ls: Raw("this is not base64 !!!")),
    "not-xml": Attack("xml", lambda w, ls: Raw(b64("<saml2p:Response <<<"))),
    "xxe-external-entity": Attack("xml", a_xxe("UTF-8")),
    "xxe-external-entity-utf16": Attack("xml", a_xxe("UTF-16")),
    "billion-laughs": Attack("xml", a_billion_laughs),
    "status-not-success": Attack("status", lambda w, ls: w.idp.sign(
        honest(w, ls, status="urn:oasis:names:tc:SAML:2.0:status:Requester"))),
    # addressing
    "wrong-audience": Attack("audience", lambda w, ls: w.idp.sign(honest(w, ls, audience="https://other-sp.example/"))),
    "wrong-destination": Attack("destination", lambda w, ls: w.idp.sign(
        honest(w, ls, destination=w.idp.sp.acs.replace("SAMLAssertionConsumer", "Other")))),
    "wrong-recipient": Attack("recipient", lambda w, ls: w.idp.sign(
        honest(w, ls, recipient="https://other-sp.example/acs"))),
    "wrong-response-issuer": Attack("issuer", lambda w, ls: w.idp.sign(
        honest(w, ls, response_issuer="https://other-idp.example/"))),
    "wrong-assertion-issuer": Attack("issuer", lambda w, ls: w.idp.sign(
        honest(w, ls, assertion_issuer="https://other-idp.example/"))),
    # time
    "expired": Attack("time", lambda w, ls: w.idp.sign(honest(
        w, ls, now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10),
        not_on_or_after=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=4)))),
    "conditions-not-yet-valid": Attack("time", lambda w, ls: w.idp.sign(honest(
        w, ls, not_before=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5),
        not_on_or_after=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)))),
    "confirmation-not-yet-valid": Attack("time", lambda w, ls: w.idp.sign(honest(
        w, ls, sc_not_before=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)))),
    # requests
    "no-in-response-to": Attack("in-response-to", lambda w, ls: w.idp.sign(honest(w, ls)).replace(
        f' InResponseTo="{ls.request_id}" IssueInstant', " IssueInstant", 1)),
    "unknown-request": Attack("in-response-to", lambda w, ls: w.idp.sign(honest(
        w, ls, in_response_to=new_id()))),
    "confirmation-answers-another-request": Attack("in-response-to", lambda w, ls: w.idp.sign(honest(
        w, ls, sc_in_response_to=new_id()))),
    # attributes
    "xaccountid-differs-from-xuserid": Attack("attributes", lambda w, ls: w.idp.sign(honest(
        w, ls, x_account_id=w.victim.xaccount_id))),
    "missing-xuserid": Attack("attributes", lambda w, ls: w.idp.sign(honest(w, ls, omit_attributes=("xUserId",)))),
    "missing-xaccountid": Attack("attributes", lambda w, ls: w.idp.sign(honest(w, ls, omit_attributes=("xAccountId",)))),
    "missing-bpid": Attack("attributes", lambda w, ls: w.idp.sign(honest(w, ls, omit_attributes=("bpId",)))),
    "bpid-of-another-partner": Attack("bp-id", lambda w, ls: w.idp.sign(honest(
        w, ls, bp_id=w.other_partner.domain_id))),
    "xuserid-of-another-platforms-customer": Attack("unbound", lambda w, ls: w.idp.sign(
        w.idp.spec(ls, w.stranger.xaccount_id)), control=False),
    "unbound-user-without-first-login": Attack("unbound", lambda w, ls: w.idp.sign(
        w.idp.spec(ls, "unbound-" + uuid.uuid4().hex[:10])), control=False),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_forged_response_is_refused(server, world, log, name):
    attack = ATTACKS[name]
    base = server.base_url
    s = requests.Session()
    ls = world.idp.login(s)
    built = attack.build(world, ls)
    if isinstance(built, Raw):
        r = post_acs(s, world.idp.sp.acs, saml_response=built.value)
    else:
        r = post_acs(s, world.idp.sp.acs, built)
    assert_refused(r, attack.check, log, session=s, base=base)
    if "xxe" in name:
        assert "root:" not in r.text
    if attack.control:
        # Only the forged part was wrong: the honest Response to the same request signs in.
        ok = post_acs(s, world.idp.sp.acs, world.idp.sign(honest(world, ls)))
        assert_signed_in(ok, s, base, world.user.domain_id, world.user.domain_name)


def test_server_stays_healthy_after_hostile_xml(server, world):
    """Entity-expansion and XXE documents are refused cheaply; the server keeps serving."""
    s = requests.Session()
    ls = world.idp.login(s)
    started = time.monotonic()
    for _ in range(5):
        r = post_acs(s, world.idp.sp.acs, a_billion_laughs(world, ls))
        assert r.status_code == 400 and "(check: xml)" in r.text
        r = post_acs(s, world.idp.sp.acs, saml_response=a_xxe("UTF-16")(world, ls).value)
        assert r.status_code == 400 and "(check: xml)" in r.text and "root:" not in r.text
    assert time.monotonic() - started < 10
    assert requests.get(server.base_url + "/health/ready", timeout=TIMEOUT).status_code == 200
    ok = post_acs(s, world.idp.sp.acs, world.idp.sign(honest(world, ls)))
    assert_signed_in(ok, s, server.base_url, world.user.domain_id, world.user.domain_name)


def test_signed_response_with_signed_assertion_is_accepted(server, world, log):
    s = requests.Session()
    ls = world.idp.login(s)
    xml = doubly_signed(world, ls, world.idp.pair)
    assert xml.count("<ds:SignatureValue>") == 2
    ok = xmlsec_verify(xml, world.idp.pair.cert_pem, f"--id-attr:ID {PROTOCOL_NS}:Response "
                                                    f"--id-attr:ID {ASSERTION_NS}:Assertion")
    assert ok.returncode == 0, ok.stderr
    r = post_acs(s, world.idp.sp.acs, xml)
    assert_signed_in(r, s, server.base_url, world.user.domain_id, world.user.domain_name)


def test_skew_allowance_is_three_minutes(server, world):
    now = dt.datetime.now(dt.timezone.utc)
    for kw in ({"now": now - dt.timedelta(minutes=6), "not_on_or_after": now - dt.timedelta(minutes=1)},
               {"not_before": now + dt.timedelta(minutes=1)},
               {"sc_not_before": now + dt.timedelta(minutes=1)}):
        s = requests.Session()
        ls = world.idp.login(s)
        r = post_acs(s, world.idp.sp.acs, world.idp.sign(honest(world, ls, **kw)))
        assert_signed_in(r, s, server.base_url, world.user.domain_id, world.user.domain_name)


def test_response_is_bound_to_the_browser_that_asked(server, world, log):
    base, acs = server.base_url, world.idp.sp.acs
    alice = requests.Session()
    ls = world.idp.login(alice)
    response = world.idp.sign(honest(world, ls))

    # Another browser that started its own sign-in, and one with no cookie at all.
    mallory = requests.Session()
    world.idp.login(mallory)
    assert_refused(post_acs(mallory, acs, response), "in-response-to", log, session=mallory, base=base)
    assert_refused(post_acs(requests.Session(), acs, response), "in-response-to", log)
    # A cookie of the right name but another value.
    forged = requests.Session()
    forged.cookies.set("pc_sso", "not-the-browser", domain="127.0.0.1", path="/authui/saml")
    assert_refused(post_acs(forged, acs, response), "in-response-to", log)

    # The browser that asked still can.
    assert_signed_in(post_acs(alice, acs, response), alice, base, world.user.domain_id, world.user.domain_name)


def test_replayed_response_and_assertion_are_refused(server, world, log):
    base, acs = server.base_url, world.idp.sp.acs
    s1 = requests.Session()
    ls1 = world.idp.login(s1)
    spec1 = honest(world, ls1)
    first = world.idp.sign(spec1)
    assert_signed_in(post_acs(s1, acs, first), s1, base, world.user.domain_id, world.user.domain_name)

    # The same Response again, from the same browser: its request is used up.
    assert_refused(post_acs(s1, acs, first), "in-response-to", log)

    # From a browser with a fresh sign-in of its own.
    s2 = requests.Session()
    ls2 = world.idp.login(s2)
    assert_refused(post_acs(s2, acs, first), "in-response-to", log, session=s2, base=base)
    # ... with InResponseTo rewritten everywhere to the new request: the signature breaks.
    rewritten = first.replace(ls1.request_id, ls2.request_id)
    assert rewritten.count(ls2.request_id) == 2
    assert_refused(post_acs(s2, acs, rewritten), "signature", log, session=s2, base=base)
    # ... rewritten only on the (unsigned) Response: the signed confirmation names the old request.
    outer = first.replace(f'InResponseTo="{ls1.request_id}" IssueInstant', f'InResponseTo="{ls2.request_id}" IssueInstant', 1)
    assert outer != first
    assert_refused(post_acs(s2, acs, outer), "in-response-to", log, session=s2, base=base)
    # ... a correctly signed new Response reusing the spent assertion ID.
    reused = world.idp.sign(honest(world, ls2, assertion_id=spec1.assertion_id))
    r = post_acs(s2, acs, reused)
    assert r.status_code == 403 and ("(check: replay)" in r.text or "(check: in-response-to)" in r.text), r.text[-500:]
    assert_refused(r, "replay" if "(check: replay)" in r.text else "in-response-to", log, session=s2, base=base)

    # The replay attempts did not use up the new request; a fresh assertion still works, once.
    fresh = world.idp.sign(honest(world, ls2))
    assert_signed_in(post_acs(s2, acs, fresh), s2, base, world.user.domain_id, world.user.domain_name)
    s3 = requests.Session()
    ls3 = world.idp.login(s3)
    assert_refused(post_acs(s3, acs, fresh.replace(ls2.request_id, ls3.request_id)), "signature", log)


def test_assertion_id_replay_is_refused_as_replay(server, world, log):
    """The assertion-ID ledger on its own: a new, valid request and a validly signed Response
    whose assertion ID was already accepted."""
    acs = world.idp.sp.acs
    s = requests.Session()
    ls = world.idp.login(s)
    spec = honest(world, ls)
    assert post_acs(s, acs, world.idp.sign(spec)).status_code == 303
    s2 = requests.Session()
    ls2 = world.idp.login(s2)
    r = post_acs(s2, acs, world.idp.sign(honest(world, ls2, assertion_id=spec.assertion_id)))
    assert_refused(r, "replay", log, session=s2, base=server.base_url)


def test_concurrent_posts_of_one_response_sign_in_once(server, world, log):
    """The same Response POSTed many times at once from the browser that asked: one session."""
    from concurrent.futures import ThreadPoolExecutor
    acs = world.idp.sp.acs
    s = requests.Session()
    ls = world.idp.login(s)
    xml = world.idp.sign(honest(world, ls))
    cookies = s.cookies.get_dict()

    def post(_):
        return requests.post(acs, data={"SAMLResponse": b64(xml), "RelayState": "rs"}, cookies=cookies,
                             allow_redirects=False, timeout=TIMEOUT)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, range(8)))
    ok = [r for r in results if r.status_code == 303]
    assert len(ok) == 1, [(r.status_code, re.findall(r"\(check: [^)]*\)", r.text)) for r in results]
    for r in results:
        if r.status_code != 303:
            assert r.status_code == 403 and ("(check: in-response-to)" in r.text or "(check: replay)" in r.text), \
                (r.status_code, r.text[-300:])
            assert cookie_header(r, "pc_console") is None


def test_comment_inside_a_signed_attribute_does_not_truncate_it(server, world, customers):
    """Exclusive C14N drops comments, so a comment can be slipped into a signed value; the SP must
    read the whole value (`victim` + `<!---->` + `suffix` is the suffixed user, never the victim)."""
    attacker = customers.create(world.idp.partner, xaccount_id=world.victim.xaccount_id + "suffix")
    s = requests.Session()
    ls = world.idp.login(s)
    xml = world.idp.sign(world.idp.spec(ls, attacker.xaccount_id))
    injected = xml.replace(f">{attacker.xaccount_id}<", f">{world.victim.xaccount_id}<!---->suffix<")
    assert injected.count("<!---->") == 2
    r = post_acs(s, world.idp.sp.acs, injected)
    if r.status_code == 303:
        page = s.get(server.base_url + "/console/", timeout=TIMEOUT).text
        assert attacker.domain_id in page and world.victim.domain_id not in page
    else:
        assert r.status_code in (400, 403) and cookie_header(r, "pc_console") is None


def test_first_login_flag_does_not_matter_for_a_bound_user(server, world):
    s = requests.Session()
    ls = world.idp.login(s, first=True)
    r = post_acs(s, world.idp.sp.acs, world.idp.sign(honest(world, ls)))
    assert_signed_in(r, s, server.base_url, world.user.domain_id, world.user.domain_name)
    assert cookie_header(r, "pc_bind") is None


# --------------------------------------------------------------------------
# 5. first login: create or bind a cloud account
# --------------------------------------------------------------------------

class NotifyReceiver:
    """The partner platform's binding-notification endpoint."""

    def __init__(self):
        self.posts: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                receiver.posts.append({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/saml/bind-result"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def notify():
    n = NotifyReceiver()
    yield n
    n.close()


@dataclass
class BindWorld:
    idp: ForgedIdP
    own_customer: Customer        # created by the distributor for its reseller, under the distributor's platform id
    reseller: Principal
    reseller_customer: Customer   # a reseller's customer under the reseller's platform id
    distributor: Optional[Principal] = None  # the IdP's partner


@pytest.fixture(scope="module")
def bind_world(cli, server, sp, partners, customers, notify, tmp_path_factory) -> BindWorld:
    dist = partners.distributor()
    idp = register_forged_idp(cli, dist, server.base_url, sp, tmp_path_factory.mktemp("saml-bind"),
                              notify_url=notify.url)
    reseller = partners.reseller(dist)
    return BindWorld(idp=idp, own_customer=customers.create(dist, indirect_partner_id=reseller.domain_id),
                     reseller=reseller, reseller_customer=customers.create(reseller), distributor=dist)


@dataclass
class ProviderWorld:
    idp: ForgedIdP
    partner: Principal


@pytest.fixture(scope="module")
def provider_world(cli, server, sp, partners, notify, tmp_path_factory) -> ProviderWorld:
    """A solution provider's IdP: its platform users may create accounts at first login."""
    provider = partners.solution_provider()
    idp = register_forged_idp(cli, provider, server.base_url, sp, tmp_path_factory.mktemp("saml-provider"),
                              notify_url=notify.url)
    return ProviderWorld(idp=idp, partner=provider)


def test_distributor_platform_users_cannot_create_accounts(server, bind_world):
    """A tier-1 distributor takes no direct customers (CBC.50010059), so its platform's users
    bind accounts of its resellers' customers but cannot create one: the page says why, and
    nothing is created."""
    base, idp = server.base_url, bind_world.idp
    s = requests.Session()
    first_login(idp, s, "plat-" + uuid.uuid4().hex[:12])
    name = unique("sso")
    r = s.post(base + "/authui/saml/bind", data={"action": "create", "domain_name": name, "password": BIND_PASSWORD},
               allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400 and "indirect_partner_id" in r.text, r.text[-400:]
    assert cookie_header(r, "pc_console") is None
    assert not list_customers(bind_world.distributor, account_name=name).customer_infos
    assert not list_customers(bind_world.reseller, account_name=name).customer_infos


def first_login(idp: ForgedIdP, session: requests.Session, x_user_id: str, **spec_kw) -> requests.Response:
    ls = idp.login(session, first=True)
    r = post_acs(session, idp.sp.acs, idp.sign(idp.spec(ls, x_user_id, **spec_kw)))
    assert r.status_code == 303 and r.headers["Location"] == "/authui/saml/bind", (
        r.status_code, re.findall(r"<p>(.*?)</p>", r.text)[:1])
    assert cookie_header(r, "pc_bind") and cookie_header(r, "pc_console") is None
    return r


def bind_forms(session: requests.Session, base: str):
    page = session.get(base + "/authui/saml/bind", timeout=TIMEOUT)
    assert page.status_code == 200, page.text[-600:]
    forms = {f.fields.get("action"): f for f in forms_of(page.text)}
    assert set(forms) == {"create", "bind"}, forms
    for f in forms.values():
        assert f.action == "/authui/saml/bind" and f.method == "post"
        assert {"action", "domain_name", "password"} <= set(f.names)
    return page, forms


def notification(session: requests.Session, r: requests.Response, notify: NotifyReceiver, sp: SPMetadata) -> dict:
    """Follow the auto-POST form to the partner's notification URL; check and decode what arrived."""
    assert r.status_code == 200, (r.status_code, re.findall(r"<p>(.*?)</p>", r.text)[:2])
    assert cookie_header(r, "pc_console"), set_cookie_headers(r)
    form = only_form(r.text)
    assert form.action == notify.url and form.method == "post"
    assert set(form.names) == {"bindRequest", "SigAlg", "Signature"}
    before = len(notify.posts)
    delivered = session.post(form.action, data=form.fields, timeout=TIMEOUT)
    assert delivered.status_code == 200
    assert len(notify.posts) == before + 1
    got = notify.posts[-1]
    assert got == form.fields
    assert got["SigAlg"] == RSA_SHA256
    assert rsa_sha256_verifies(sp.cert_pem, got["bindRequest"].encode(), base64.b64decode(got["Signature"])), \
        "bindRequest signature does not verify with the SP certificate"
    assert not rsa_sha256_verifies(sp.cert_pem, (got["bindRequest"] + "x").encode(), base64.b64decode(got["Signature"]))
    return json.loads(base64.b64decode(got["bindRequest"]))


def test_first_login_creates_a_new_account(server, sp, provider_world, notify, log):
    base, idp = server.base_url, provider_world.idp
    x_user = "plat-" + uuid.uuid4().hex[:12]
    s = requests.Session()
    first_login(idp, s, x_user, name="New <b>User</b>")
    page, forms = bind_forms(s, base)
    assert x_user in page.text and "New &lt;b&gt;User&lt;/b&gt;" in page.text and "<b>User</b>" not in page.text

    # A password the platform refuses shows the page again with the reason; the binding stays open.
    name = unique("sso")
    weak = s.post(base + "/authui/saml/bind", data={"action": "create", "domain_name": name, "password": "short"},
                  allow_redirects=False, timeout=TIMEOUT)
    assert weak.status_code == 400 and {f.fields.get("action") for f in forms_of(weak.text)} == {"create", "bind"}
    assert cookie_header(weak, "pc_console") is None

    r = s.post(base + "/authui/saml/bind", data={"action": "create", "domain_name": name, "password": BIND_PASSWORD},
               allow_redirects=False, timeout=TIMEOUT)
    payload = notification(s, r, notify, sp)
    assert payload["bindAction"] == 1 and payload["xUserId"] == x_user and payload["domainName"] == name
    new_id_ = payload["domainId"]
    assert new_id_
    # The session the binding started shows the new account.
    console = s.get(base + "/console/", timeout=TIMEOUT)
    assert console.status_code == 200 and name in console.text and new_id_ in console.text

    # The account is the partner's customer, under the platform user's id.
    listed = list_customers(idp.partner, customer_id=new_id_).customer_infos
    assert [(c.account_name, c.xaccount_id, c.xaccount_type) for c in listed] == [(name, x_user, idp.xaccount_type)]

    # The binding is used up, and from now on an ordinary sign-in works.
    again = s.post(base + "/authui/saml/bind", data={"action": "create", "domain_name": unique("sso"),
                                                      "password": BIND_PASSWORD}, timeout=TIMEOUT)
    assert again.status_code in (400, 403) and "(check: bind)" in again.text
    s2 = requests.Session()
    ls = idp.login(s2)
    r = post_acs(s2, idp.sp.acs, idp.sign(idp.spec(ls, x_user)))
    assert_signed_in(r, s2, base, new_id_, name)


def test_first_login_binds_an_existing_account(server, sp, bind_world, notify, log):
    base, idp, cust = server.base_url, bind_world.idp, bind_world.reseller_customer
    x_user = "plat-" + uuid.uuid4().hex[:12]
    s = requests.Session()
    first_login(idp, s, x_user)
    bind_forms(s, base)

    wrong = s.post(base + "/authui/saml/bind", data={"action": "bind", "domain_name": cust.domain_name,
                                                      "password": "Wrong-Passw0rd!"}, timeout=TIMEOUT)
    assert wrong.status_code == 400 and "wrong" in wrong.text and cookie_header(wrong, "pc_console") is None

    r = s.post(base + "/authui/saml/bind", data={"action": "bind", "domain_name": cust.domain_name,
                                                  "password": cust.password}, allow_redirects=False, timeout=TIMEOUT)
    payload = notification(s, r, notify, sp)
    assert payload == {"bindAction": 2, "domainId": cust.domain_id, "domainName": cust.domain_name, "xUserId": x_user}
    console = s.get(base + "/console/", timeout=TIMEOUT)
    assert console.status_code == 200 and cust.domain_id in console.text

    s2 = requests.Session()
    ls = idp.login(s2)
    r = post_acs(s2, idp.sp.acs, idp.sign(idp.spec(ls, x_user)))
    assert_signed_in(r, s2, base, cust.domain_id, cust.domain_name)


def test_binding_an_account_bound_to_another_platform_user_is_refused(server, bind_world, partners, customers):
    base, idp = server.base_url, bind_world.idp
    s = requests.Session()
    first_login(idp, s, "plat-" + uuid.uuid4().hex[:12])
    own = bind_world.own_customer
    r = s.post(base + "/authui/saml/bind", data={"action": "bind", "domain_name": own.domain_name,
                                                  "password": own.password}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400, r.status_code
    assert "already bound to another user of this platform" in r.text
    assert cookie_header(r, "pc_console") is None and not r.headers.get("Location")
    # Nor may a customer of another partner be taken over.
    stranger = customers.create(partners.solution_provider())
    r = s.post(base + "/authui/saml/bind", data={"action": "bind", "domain_name": stranger.domain_name,
                                                  "password": stranger.password}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400 and "not a customer of this partner" in r.text
    assert cookie_header(r, "pc_console") is None
    assert s.get(base + "/console/", timeout=TIMEOUT).status_code == 401
    # The owner still signs in as before.
    s2 = requests.Session()
    assert_signed_in(idp.sign_in(s2, own), s2, base, own.domain_id, own.domain_name)


def test_two_bindings_of_one_platform_user_make_one_account(server, sp, provider_world, customers, notify):
    """The same platform user starts first login in two browsers: once one binding finished, the
    other can neither create a second account nor bind another one."""
    base, idp = server.base_url, provider_world.idp
    x_user = "plat-" + uuid.uuid4().hex[:12]
    s1, s2 = requests.Session(), requests.Session()
    first_login(idp, s1, x_user)
    first_login(idp, s2, x_user)
    name = unique("sso")
    r = s1.post(base + "/authui/saml/bind", data={"action": "create", "domain_name": name, "password": BIND_PASSWORD},
                allow_redirects=False, timeout=TIMEOUT)
    created = notification(s1, r, notify, sp)["domainId"]

    r = s2.post(base + "/authui/saml/bind", data={"action": "create", "domain_name": unique("sso"),
                                                   "password": BIND_PASSWORD}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400 and x_user in r.text and "already exists" in r.text, r.text[-400:]
    assert cookie_header(r, "pc_console") is None
    spare = customers.create(provider_world.partner)
    r = s2.post(base + "/authui/saml/bind", data={"action": "bind", "domain_name": spare.domain_name,
                                                   "password": spare.password}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400 and "already bound" in r.text, r.text[-400:]
    assert cookie_header(r, "pc_console") is None
    assert s2.get(base + "/console/", timeout=TIMEOUT).status_code == 401
    # The user still lands on the one account.
    s3 = requests.Session()
    ls = idp.login(s3)
    assert_signed_in(post_acs(s3, sp.acs, idp.sign(idp.spec(ls, x_user))), s3, base, created, name)


def test_racing_bindings_of_one_platform_user_bind_one_account(server, sp, bind_world, customers):
    """Two browsers of one platform user submit their binding forms at the same moment, each for
    another existing account: one wins, the other is told why; nobody gets an error page."""
    from concurrent.futures import ThreadPoolExecutor
    base, idp = server.base_url, bind_world.idp
    for _ in range(2):
        x_user = "plat-" + uuid.uuid4().hex[:12]
        browsers = [requests.Session() for _ in range(3)]
        for b in browsers:
            first_login(idp, b, x_user)
        accounts = [customers.create(bind_world.reseller) for _ in browsers]
        barrier = threading.Barrier(len(browsers))

        def submit(i):
            barrier.wait()
            return browsers[i].post(base + "/authui/saml/bind", data={
                "action": "bind", "domain_name": accounts[i].domain_name, "password": accounts[i].password},
                allow_redirects=False, timeout=TIMEOUT)

        with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
            results = list(pool.map(submit, range(len(browsers))))
        statuses = [r.status_code for r in results]
        won = [i for i, r in enumerate(results) if cookie_header(r, "pc_console")]
        assert len(won) == 1, statuses
        for i, r in enumerate(results):
            if i not in won:
                assert r.status_code == 400 and "already bound" in r.text, (statuses, r.text[-300:])
        s = requests.Session()
        ls = idp.login(s)
        winner = accounts[won[0]]
        assert_signed_in(post_acs(s, sp.acs, idp.sign(idp.spec(ls, x_user))), s, base, winner.domain_id,
                         winner.domain_name)


def test_racing_bindings_of_one_account_bind_one_platform_user(server, sp, bind_world, customers, notify):
    """Several platform users who know an account's password bind it at the same moment: it ends
    bound to exactly one of them, and only that one is told it succeeded and gets a session."""
    from concurrent.futures import ThreadPoolExecutor
    base, idp = server.base_url, bind_world.idp
    for _ in range(2):
        account = customers.create(bind_world.reseller)
        users = ["plat-" + uuid.uuid4().hex[:12] for _ in range(3)]
        browsers = [requests.Session() for _ in users]
        for b, u in zip(browsers, users):
            first_login(idp, b, u)
        barrier = threading.Barrier(len(browsers))

        def submit(i):
            barrier.wait()
            return browsers[i].post(base + "/authui/saml/bind", data={
                "action": "bind", "domain_name": account.domain_name, "password": account.password},
                allow_redirects=False, timeout=TIMEOUT)

        with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
            results = list(pool.map(submit, range(len(browsers))))
        statuses = [r.status_code for r in results]
        won = [i for i, r in enumerate(results) if cookie_header(r, "pc_console")]
        assert len(won) == 1, f"{len(won)} platform users were told they bound {account.domain_name}: {statuses}"
        for i, r in enumerate(results):
            if i not in won:
                assert r.status_code == 400 and "already bound" in r.text, (statuses, r.text[-300:])
        listed = list_customers(bind_world.reseller, customer_id=account.domain_id).customer_infos
        assert [(c.xaccount_type, c.xaccount_id) for c in listed] == [(idp.xaccount_type, users[won[0]])]


def test_first_login_without_notify_url_redirects_to_the_service(cli, server, sp, partners, tmp_path):
    base = server.base_url
    idp = register_forged_idp(cli, partners.solution_provider(), base, sp, tmp_path)
    x_user = "plat-" + uuid.uuid4().hex[:12]
    s = requests.Session()
    ls = idp.login(s, first=True, service="/console/resources")
    r = post_acs(s, idp.sp.acs, idp.sign(idp.spec(ls, x_user)))
    assert r.status_code == 303 and r.headers["Location"] == "/authui/saml/bind"
    name = unique("sso")
    r = s.post(base + "/authui/saml/bind", data={"action": "create", "domain_name": name, "password": BIND_PASSWORD},
               allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 303 and r.headers["Location"] == "/console/resources", (r.status_code, r.text[-400:])
    assert cookie_header(r, "pc_console")
    assert name in s.get(base + "/console/", timeout=TIMEOUT).text
    # Without isFirstLogin the same kind of user is refused as unbound, with nothing created.
    s2 = requests.Session()
    ls = idp.login(s2)
    assert post_acs(s2, idp.sp.acs, idp.sign(idp.spec(ls, "plat-" + uuid.uuid4().hex[:12]))).status_code == 403


def test_bind_page_needs_a_binding_in_progress(server, log):
    for r in (requests.get(server.base_url + "/authui/saml/bind", timeout=TIMEOUT),
              requests.post(server.base_url + "/authui/saml/bind", timeout=TIMEOUT,
                            data={"action": "create", "domain_name": unique("sso"), "password": BIND_PASSWORD}),
              requests.get(server.base_url + "/authui/saml/bind", cookies={"pc_bind": "forged"}, timeout=TIMEOUT)):
        assert r.status_code == 403 and "(check: bind)" in r.text
        assert cookie_header(r, "pc_console") is None


def test_public_url_sets_entity_id_acs_and_secure_cookies(start_server, binary, tmp_path):
    """Behind a proxy at https://sso.example.test the SP names itself after it, wants Responses
    addressed there, and marks its cookies Secure (the IdP's cross-site POST needs SameSite=None)."""
    from conftest import Cli, CustomerFactory, PartnerFactory
    public = "https://sso.example.test"
    srv = start_server("saml-public-url", ["--rate-limit", "0", "--public-url", public])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    dist = partners.solution_provider()
    cust = CustomerFactory(partners).create(dist)

    md = parse_sp_metadata(requests.get(srv.base_url + "/authui/saml/metadata", timeout=TIMEOUT).text)
    assert md.entity_id == public + "/"
    assert md.acs == public + "/authui/saml/SAMLAssertionConsumer"
    idp = register_forged_idp(cli, dist, srv.base_url, md, tmp_path)

    s = requests.Session()
    ls = idp.login(s)
    assert ls.root.findtext(f"{{{ASSERTION_NS}}}Issuer") == public + "/"
    assert ls.root.get("AssertionConsumerServiceURL") == md.acs
    sso = cookie_header(ls.response, "pc_sso")
    attrs = [a.strip().lower() for a in sso.split(";")[1:]]
    assert {"secure", "httponly", "samesite=none", "path=/authui/saml"} <= set(attrs), sso
    browser = {"Cookie": sso.split(";", 1)[0]}
    acs_here = srv.base_url + "/authui/saml/SAMLAssertionConsumer"   # where the proxy forwards to

    def post(xml):
        return requests.post(acs_here, data={"SAMLResponse": b64(xml), "RelayState": "rs"}, headers=browser,
                             allow_redirects=False, timeout=TIMEOUT)

    # Addressed to the listening address instead of the public one: refused.
    r = post(idp.sign(idp.spec(ls, cust.xaccount_id, destination=acs_here, recipient=acs_here)))
    assert r.status_code == 403 and "(check: destination)" in r.text
    r = post(idp.sign(idp.spec(ls, cust.xaccount_id, audience=HUAWEI_SP)))
    assert r.status_code == 403 and "(check: audience)" in r.text
    r = post(idp.sign(idp.spec(ls, cust.xaccount_id)))
    assert r.status_code == 303 and r.headers["Location"] == "/console/", r.text[-400:]
    console = cookie_header(r, "pc_console")
    attrs = [a.strip().lower() for a in console.split(";")[1:]]
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(attrs), console
    page = requests.get(srv.base_url + "/console/", headers={"Cookie": console.split(";", 1)[0]}, timeout=TIMEOUT)
    assert page.status_code == 200 and cust.domain_id in page.text
    # A service given as a full URL must use the public origin.
    for service, status in ((public + "/console/x", 303), (srv.base_url + "/console/x", 400)):
        r = requests.get(srv.base_url + "/authui/saml/login", params={"xAccountType": dist.xaccount_type,
                                                                      "service": service},
                         allow_redirects=False, timeout=TIMEOUT)
        assert r.status_code == status, (service, r.status_code)


# --------------------------------------------------------------------------
# 6. registration: CLI and operator API
# --------------------------------------------------------------------------

def _metadata_cases(pair: KeyPair) -> dict[str, tuple[bytes, str]]:
    good = idp_metadata("https://v.example/idp", "https://v.example/sso", pair.cert_b64)
    return {
        "not-utf8": (good.encode().replace(b"transient", b"trans\xffient"), "not UTF-8"),
        "over-2mb": (good.replace("</md:EntityDescriptor>", "<!--" + "x" * (2 * 1024 * 1024) +
                                  "--></md:EntityDescriptor>").encode(), "larger than 2 MB"),
        "no-entity-id": (idp_metadata("", "https://v.example/sso", pair.cert_b64, with_entity_id=False).encode(),
                         "no entityID"),
        "no-signing-cert": (idp_metadata("https://v.example/idp", "https://v.example/sso", None).encode(),
                            "X509Certificate"),
        "encryption-cert-only": (idp_metadata("https://v.example/idp", "https://v.example/sso", pair.cert_b64,
                                              use="encryption").encode(), "X509Certificate"),
        "no-redirect-sso": (idp_metadata("https://v.example/idp", "https://v.example/sso", pair.cert_b64,
                                         binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST").encode(),
                            "HTTP-Redirect"),
        "private-key": (good.replace("</md:EntityDescriptor>", f"<!-- {pair.key_pem} --></md:EntityDescriptor>")
                        .encode(), "private key"),
        "doctype": (good.replace('<?xml version="1.0" encoding="UTF-8"?>\n',
                                 '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE md:EntityDescriptor '
                                 '[<!ENTITY e SYSTEM "file:///etc/passwd">]>\n').encode(), "DOCTYPE"),
        "not-xml": (b"this is not metadata", "not well-formed"),
        "bad-certificate": (idp_metadata("https://v.example/idp", "https://v.example/sso", "QUJDRA==").encode(),
                            "certificate"),
    }


METADATA_CASES = ["not-utf8", "over-2mb", "no-entity-id", "no-signing-cert", "encryption-cert-only",
                  "no-redirect-sso", "private-key", "doctype", "not-xml", "bad-certificate"]


@pytest.fixture(scope="module")
def metadata_cases() -> dict[str, tuple[bytes, str]]:
    return _metadata_cases(new_keypair("metadata cases"))


@pytest.fixture(scope="module")
def registrant(partners):
    return partners.solution_provider()


@pytest.mark.parametrize("case", METADATA_CASES)
def test_cli_refuses_bad_metadata(cli, registrant, metadata_cases, tmp_path, case):
    data, reason = metadata_cases[case]
    path = tmp_path / "metadata.xml"
    path.write_bytes(data)
    proc = cli.run("admin", "saml", "idp", "set", "--domain-id", registrant.domain_id, "--metadata", str(path), "--json")
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout.strip() == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and reason in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and "Fatal error" not in proc.stderr
    # Nothing was registered.
    assert cli.run("admin", "saml", "idp", "show", "--domain-id", registrant.domain_id, "--json").returncode == 1


@pytest.mark.parametrize("case", METADATA_CASES)
def test_operator_api_refuses_bad_metadata(operator, registrant, metadata_cases, case):
    data, reason = metadata_cases[case]
    if case == "not-utf8":
        # JSON text cannot hold the bytes; send them raw inside the JSON body.
        body: object = (b'{"domain_id":"' + registrant.domain_id.encode() + b'","metadata":'
                        + json.dumps(data.decode("latin-1")).encode().replace(b"\\u00ff", b"\xff") + b"}")
        assert b"\xff" in body
    else:
        body = {"domain_id": registrant.domain_id, "metadata": data.decode()}
    r = operator.signed("POST", "/operator/v1/saml/idps", body)
    if case == "over-2mb" and r.status_code == 413:
        # The JSON body itself is over the gateway's 2 MB request limit.
        assert_error(r, 413, "APIGW.0201")
    else:
        err = assert_error(r, 400, "CBC.0100")
        if case != "not-utf8":
            assert reason in err["error_msg"], err
    assert_error(operator.signed("GET", f"/operator/v1/saml/idps/{registrant.domain_id}"), 404, "CBC.0151")


def test_metadata_size_limit_is_two_megabytes(cli, partners, tmp_path):
    dist = partners.solution_provider()
    good = idp_metadata("https://size.example/idp", "https://size.example/sso", new_keypair().cert_b64)
    pad = 2 * 1024 * 1024 - len(good.encode()) - len("<!---->")
    exact = good.replace("</md:EntityDescriptor>", "<!--" + "x" * pad + "--></md:EntityDescriptor>")
    assert len(exact.encode()) == 2 * 1024 * 1024
    path = tmp_path / "exact.xml"
    path.write_text(exact)
    out = cli("admin", "saml", "idp", "set", "--domain-id", dist.domain_id, "--metadata", str(path), "--json")
    assert out["entity_id"] == "https://size.example/idp"
    path.write_text(exact.replace("<!--", "<!-- ", 1))
    proc = cli.run("admin", "saml", "idp", "set", "--domain-id", dist.domain_id, "--metadata", str(path), "--json")
    assert proc.returncode == 1 and "larger than 2 MB" in proc.stderr, proc.stderr


def test_metadata_in_an_entities_descriptor_with_wrapped_certificate(cli, server, sp, partners, customers, tmp_path):
    """Metadata as aggregators publish it: an EntitiesDescriptor, the certificate wrapped over lines."""
    dist = partners.solution_provider()
    cust = customers.create(dist)
    pair = new_keypair("aggregated IdP")
    entity, sso = "https://agg.platform.example/idp", "https://agg.platform.example/sso"
    wrapped = "\n          " + "\n          ".join(pem_of_b64(pair.cert_b64).strip().splitlines()[1:-1]) + "\n        "
    idp_entity = idp_metadata(entity, sso, wrapped).split("\n", 1)[1]
    sp_entity = (f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/">'
                 f'<md:SPSSODescriptor protocolSupportEnumeration="{PROTOCOL_NS}"><md:AssertionConsumerService '
                 f'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs" index="0"/>'
                 f'</md:SPSSODescriptor></md:EntityDescriptor>')
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
           + sp_entity + idp_entity + "</md:EntitiesDescriptor>\n")
    path = tmp_path / "aggregate.xml"
    path.write_text(doc)
    out = cli("admin", "saml", "idp", "set", "--domain-id", dist.domain_id, "--metadata", str(path), "--json")
    assert out == {"xaccount_type": dist.xaccount_type, "entity_id": entity}
    idp = ForgedIdP(partner=dist, pair=pair, entity_id=entity, sso_url=sso, base=server.base_url, sp=sp,
                    metadata_path=path)
    s = requests.Session()
    assert_signed_in(idp.sign_in(s, cust), s, server.base_url, cust.domain_id, cust.domain_name)
    # Two IdPs in one file: which one is meant is not clear, so it is refused.
    other = idp_metadata("https://agg2.platform.example/idp", sso, pair.cert_b64).split("\n", 1)[1]
    path.write_text(doc.replace("</md:EntitiesDescriptor>", other + "</md:EntitiesDescriptor>"))
    proc = cli.run("admin", "saml", "idp", "set", "--domain-id", dist.domain_id, "--metadata", str(path), "--json")
    assert proc.returncode == 1 and "exactly one IdP" in proc.stderr, proc.stderr


def test_cli_registration_show_delete_and_xaccount_type_carry_over(cli, server, sp, partners, customers, tmp_path, log):
    base = server.base_url
    dist = partners.solution_provider()
    reseller = partners.reseller(partners.distributor())
    cust = customers.create(dist)
    idp = register_forged_idp(cli, dist, base, sp, tmp_path, notify_url="https://platform.example/notify")
    shown = cli("admin", "saml", "idp", "show", "--domain-id", dist.domain_id, "--json")
    assert shown == {"partner_id": dist.domain_id, "xaccount_type": dist.xaccount_type, "entity_id": idp.entity_id,
                     "sso_url": idp.sso_url, "signing_certificate": shown["signing_certificate"],
                     "notify_url": "https://platform.example/notify", "builtin": False}, shown
    assert "".join(shown["signing_certificate"].split()) == "".join(idp.pair.cert_pem.split())
    s = requests.Session()
    assert_signed_in(idp.sign_in(s, cust), s, base, cust.domain_id, cust.domain_name)

    # A new platform identifier: the partner and its customers move over, sign-in keeps working.
    old_type, new_type = dist.xaccount_type, "PLAT_" + uuid.uuid4().hex[:10].upper()
    out = cli("admin", "saml", "idp", "set", "--domain-id", dist.domain_id, "--metadata", str(idp.metadata_path),
              "--xaccount-type", new_type, "--json")
    assert out == {"xaccount_type": new_type, "entity_id": idp.entity_id}
    assert cli("admin", "saml", "idp", "show", "--domain-id", dist.domain_id, "--json")["xaccount_type"] == new_type
    listed = list_customers(dist, customer_id=cust.domain_id).customer_infos
    assert [(c.xaccount_type, c.xaccount_id) for c in listed] == [(new_type, cust.xaccount_id)]
    s = requests.Session()
    r = idp.sign_in(s, cust, xaccount_type=new_type)
    assert_signed_in(r, s, base, cust.domain_id, cust.domain_name)
    old = requests.get(base + "/authui/saml/login", params={"xAccountType": old_type, "service": "/console/"},
                       allow_redirects=False, timeout=TIMEOUT)
    assert old.status_code == 400 and "no IdP is registered" in old.text
    # New customers are created under the new identifier; the old one is refused.
    dist.xaccount_type = new_type
    newer = customers.create(dist)
    s = requests.Session()
    assert_signed_in(idp.sign_in(s, newer, xaccount_type=new_type), s, base, newer.domain_id, newer.domain_name)

    # An identifier another partner holds, or a malformed one, is refused and changes nothing.
    for code, reason in ((reseller.xaccount_type, "already assigned"), ("x", "2-32"), ("bad type!", "2-32")):
        proc = cli.run("admin", "saml", "idp", "set", "--domain-id", dist.domain_id,
                       "--metadata", str(idp.metadata_path), "--xaccount-type", code, "--json")
        assert proc.returncode == 1 and reason in proc.stderr, (code, proc.stderr)
    proc = cli.run("admin", "saml", "idp", "set", "--domain-id", dist.domain_id, "--metadata", str(idp.metadata_path),
                   "--notify-url", "ftp://platform.example/", "--json")
    assert proc.returncode == 1 and "notify_url" in proc.stderr
    proc = cli.run("admin", "saml", "idp", "set", "--domain-id", "f" * 32, "--metadata", str(idp.metadata_path), "--json")
    assert proc.returncode == 1 and "does not exist" in proc.stderr
    assert cli("admin", "saml", "idp", "show", "--domain-id", dist.domain_id, "--json")["xaccount_type"] == new_type

    # A sign-in in flight when the IdP is deleted is refused; new ones find no IdP.
    pending = requests.Session()
    ls = idp.login(pending, xaccount_type=new_type)
    assert cli("admin", "saml", "idp", "delete", "--domain-id", dist.domain_id)
    r = post_acs(pending, sp.acs, idp.sign(idp.spec(ls, cust.xaccount_id)))
    assert_refused(r, "issuer", log, session=pending, base=base)
    r = requests.get(base + "/authui/saml/login", params={"xAccountType": new_type, "service": "/console/"},
                     allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400 and "no IdP is registered" in r.text and "Location" not in r.headers
    for args in (("show", "--json"), ("delete",)):
        proc = cli.run("admin", "saml", "idp", *args[:1], "--domain-id", dist.domain_id, *args[1:])
        assert proc.returncode == 1 and "no IdP registered" in proc.stderr, proc.stderr


def test_operator_api_registers_shows_and_deletes(server, sp, operator, partners, customers):
    base = server.base_url
    dist = partners.solution_provider()
    cust = customers.create(dist)
    pair = new_keypair("operator-registered IdP")
    entity, sso = "https://op.platform.example/idp", "https://op.platform.example/sso"
    metadata = idp_metadata(entity, sso, pair.cert_b64)

    # Partners and customers may not use it.
    for caller in (dist, customers.principal(cust)):
        r = caller.signed("POST", "/operator/v1/saml/idps", {"domain_id": dist.domain_id, "metadata": metadata})
        assert_error(r, 403, "CBC.0151")
        assert_error(caller.signed("GET", f"/operator/v1/saml/idps/{dist.domain_id}"), 403, "CBC.0151")
        assert_error(caller.signed("DELETE", f"/operator/v1/saml/idps/{dist.domain_id}"), 403, "CBC.0151")
        assert_error(caller.signed("POST", f"/operator/v1/saml/idps/{dist.domain_id}/enable-builtin"), 403, "CBC.0151")
    assert_error(operator.signed("GET", f"/operator/v1/saml/idps/{dist.domain_id}"), 404, "CBC.0151")

    for body in ({"metadata": metadata}, {"domain_id": dist.domain_id}, {"domain_id": dist.domain_id, "metadata": ""}):
        assert_error(operator.signed("POST", "/operator/v1/saml/idps", body), 400, "CBC.0100")
    r = operator.signed("POST", "/operator/v1/saml/idps", {"domain_id": "f" * 32, "metadata": metadata})
    assert r.status_code == 404, r.text

    r = operator.signed("POST", "/operator/v1/saml/idps", {"domain_id": dist.domain_id, "metadata": metadata,
                                                            "notify_url": "https://op.platform.example/notify"})
    assert r.status_code == 201, r.text
    assert r.json() == {"xaccount_type": dist.xaccount_type, "entity_id": entity}
    r = operator.signed("GET", f"/operator/v1/saml/idps/{dist.domain_id}")
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["partner_id"], got["xaccount_type"], got["entity_id"], got["sso_url"], got["notify_url"],
            got["builtin"]) == (dist.domain_id, dist.xaccount_type, entity, sso, "https://op.platform.example/notify",
                                False)
    assert "".join(got["signing_certificate"].split()) == "".join(pair.cert_pem.split())

    # It is live: a sign-in with the registered key works.
    idp = ForgedIdP(partner=dist, pair=pair, entity_id=entity, sso_url=sso, base=base, sp=sp, metadata_path=Path("-"))
    s = requests.Session()
    assert_signed_in(idp.sign_in(s, cust), s, base, cust.domain_id, cust.domain_name)

    # A new platform identifier through the API, carried over to the customer.
    new_type = "OPT_" + uuid.uuid4().hex[:10].upper()
    r = operator.signed("POST", "/operator/v1/saml/idps", {"domain_id": dist.domain_id, "metadata": metadata,
                                                            "xaccount_type": new_type})
    assert r.status_code == 201 and r.json()["xaccount_type"] == new_type, r.text
    s = requests.Session()
    assert_signed_in(idp.sign_in(s, cust, xaccount_type=new_type), s, base, cust.domain_id, cust.domain_name)

    # Switch to the built-in IdP.
    r = operator.signed("POST", f"/operator/v1/saml/idps/{dist.domain_id}/enable-builtin")
    assert r.status_code == 201, r.text
    assert r.json() == {"xaccount_type": new_type, "entity_id": f"{base}/idp/{dist.domain_id}/metadata"}
    got = operator.signed("GET", f"/operator/v1/saml/idps/{dist.domain_id}").json()
    assert got["builtin"] is True and got["sso_url"] == f"{base}/idp/{dist.domain_id}/sso"
    ls = start_login(requests.Session(), base, new_type)
    assert ls.location.startswith(f"{base}/idp/{dist.domain_id}/sso?")
    assert_error(operator.signed("POST", f"/operator/v1/saml/idps/{'f' * 32}/enable-builtin"), 404, "CBC.0151")

    r = operator.signed("DELETE", f"/operator/v1/saml/idps/{dist.domain_id}")
    assert r.status_code == 204 and not r.content
    assert_error(operator.signed("GET", f"/operator/v1/saml/idps/{dist.domain_id}"), 404, "CBC.0151")
    assert_error(operator.signed("DELETE", f"/operator/v1/saml/idps/{dist.domain_id}"), 404, "CBC.0151")
    r = requests.get(base + "/authui/saml/login", params={"xAccountType": new_type, "service": "/console/"},
                     allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 400 and "no IdP is registered" in r.text


# --------------------------------------------------------------------------
# the built-in IdP follows the URL the server records at start
# --------------------------------------------------------------------------

def test_enable_builtin_uses_the_url_the_server_recorded(start_server, binary):
    # Any port, no --public-url anywhere (as `make run PORT=8081`): the CLI beside the server
    # registers the built-in IdP where that server is, and the round trip works there.
    from conftest import Cli, CustomerFactory, PartnerFactory
    srv = start_server("saml-served-url", ["--rate-limit", "0"])
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    provider = partners.solution_provider()
    cust = CustomerFactory(partners).create(provider)
    out = cli("admin", "saml", "idp", "enable-builtin", "--domain-id", provider.domain_id, "--json")
    assert out == {"xaccount_type": provider.xaccount_type, "entity_id": f"{srv.base_url}/idp/{provider.domain_id}/metadata"}, out

    s = requests.Session()
    ls = start_login(s, srv.base_url, provider.xaccount_type)
    assert ls.location.startswith(f"{srv.base_url}/idp/{provider.domain_id}/sso?"), ls.location
    _, form = builtin_login_form(s, ls)
    r = s.post(srv.base_url + form.action, data={"token": form.fields["token"], "username": cust.domain_name,
                                                  "password": cust.password}, timeout=TIMEOUT)
    post = only_form(r.text, "SAMLAssertionConsumer")
    assert post.action == f"{srv.base_url}/authui/saml/SAMLAssertionConsumer"
    done = s.post(post.action, data=post.fields, allow_redirects=False, timeout=TIMEOUT)
    assert_signed_in(done, s, srv.base_url, cust.domain_id, cust.domain_name)

    # An explicit --public-url still wins over the recorded one.
    other = cli("admin", "saml", "idp", "enable-builtin", "--domain-id", provider.domain_id,
                "--public-url", "https://sso.example.com", "--json")
    assert other["entity_id"] == f"https://sso.example.com/idp/{provider.domain_id}/metadata"


def test_enable_builtin_refuses_to_guess_when_no_server_ever_ran(binary, backend):
    from conftest import Cli
    cli = Cli(binary, backend.new_database("saml-never-served"))
    p = cli("admin", "partner", "create", "--name", unique("spro"), "--kind", "solution-provider", "--json")
    proc = cli.run("admin", "saml", "idp", "enable-builtin", "--domain-id", p["domain_id"], "--json")
    assert proc.returncode == 1, proc.stdout
    assert "--public-url" in proc.stderr and "no server has started" in proc.stderr, proc.stderr
    assert proc.stdout == ""
