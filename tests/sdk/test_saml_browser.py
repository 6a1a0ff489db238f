"""SAML web SSO end to end: a real browser through the SP, the built-in IdP and the console,
and the built-in IdP's Response checked by third-party SAML code (pysaml2, xmlsec1).

The browser tests drive headless Debian Chromium through its own chromedriver (no network,
no selenium-manager): SP login redirect -> IdP sign-in form -> auto-POST to the ACS ->
console. The interop tests capture the IdP's Response with `requests` and hand it to
pysaml2 as the SP, and to `xmlsec1 --verify`, without ever posting it to our ACS.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import time
import urllib.parse
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional
from xml.etree import ElementTree as ET

import pytest
import requests

from conftest import HTTP_TIMEOUT, Customer, Principal
from funds_support import fund, grant

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
XMLSEC1 = Path("/usr/bin/xmlsec1")

SP_ENTITY_ID = "https://auth.huaweicloud.com/"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "md": MD, "ds": DS}

CUSTOMER_CASH = "123.45"
WAIT = 15  # seconds for any one browser step


# ======================================================================== world

@dataclass
class SSOWorld:
    base_url: str
    partner: Principal
    xaccount_type: str
    entity_id: str

    @property
    def acs(self) -> str:
        return self.base_url + "/authui/saml/SAMLAssertionConsumer"

    @property
    def idp_base(self) -> str:
        return f"{self.base_url}/idp/{self.partner.domain_id}"

    def login_url(self, service: str = "/console/") -> str:
        query = urllib.parse.urlencode({"xAccountType": self.xaccount_type, "isFirstLogin": "false",
                                        "service": service})
        return f"{self.base_url}/authui/saml/login?{query}"


@pytest.fixture(scope="module")
def sso(server, partners, cli) -> SSOWorld:
    """A distributor with the built-in IdP enabled and cash to give its customers."""
    dist = partners.solution_provider()
    out = cli("admin", "saml", "idp", "enable-builtin", "--domain-id", dist.domain_id,
              "--public-url", server.base_url, "--json")
    assert out.get("xaccount_type") and out.get("entity_id"), out
    assert out["entity_id"] == f"{server.base_url}/idp/{dist.domain_id}/metadata", out
    fund(cli, dist.domain_id, "1000.00")
    return SSOWorld(server.base_url, dist, out["xaccount_type"], out["entity_id"])


@pytest.fixture
def customer(sso, customers) -> Customer:
    """A fresh customer of the SSO partner, bound under its xAccountType, holding ¥123.45 cash."""
    c = customers.create(sso.partner)
    assert c.xaccount_type == sso.xaccount_type == sso.partner.xaccount_type
    grant(sso.partner, c.domain_id, CUSTOMER_CASH)
    return c


@pytest.fixture(scope="module")
def backend_name(backend) -> str:
    return getattr(backend, "name", None) or os.environ.get("PC_BACKEND", "sqlite")


# ======================================================================== browser

def _require_browser():
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium is not installed in the test virtualenv (`make deps-python`)",
                    pytrace=False)
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not (p.is_file() and os.access(p, os.X_OK))]
    if missing:
        pytest.fail(f"the SSO browser tests need Debian's chromium and chromium-driver; missing: "
                    f"{', '.join(missing)} (`apt-get install chromium chromium-driver`, or `make deps`)",
                    pytrace=False)


def _chromium(javascript: bool):
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--password-store=basic"):
        opts.add_argument(arg)
    prefs = {"credentials_enable_service": False, "profile.password_manager_enabled": False}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    opts.add_experimental_option("prefs", prefs)
    service = Service(executable_path=str(CHROMEDRIVER))
    try:
        driver = webdriver.Chrome(service=service, options=opts)
    except Exception as e:  # noqa: BLE001 - any start-up failure is a broken environment
        pytest.fail(f"could not start headless Chromium via {CHROMEDRIVER}: {e}", pytrace=False)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = _chromium(javascript=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def browser_nojs():
    driver = _chromium(javascript=False)
    yield driver
    driver.quit()


def _fresh(driver, base_url: str):
    """Forget every cookie of the server (each test is a new visitor)."""
    driver.get(base_url + "/health/ready")
    driver.delete_all_cookies()


def _wait(driver, cond, what: str):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import WebDriverException

    def settled(d):
        # Chromium reports an element of a page that is being replaced as "does not belong to
        # the document" (a plain WebDriverException, not a stale reference): the page is
        # navigating, so poll again rather than fail.
        try:
            return cond(d)
        except WebDriverException as e:
            if "does not belong to the document" in str(e) or "No node with given id" in str(e):
                return False
            raise
    try:
        # a page that is navigating away has stale or missing elements: keep polling
        return WebDriverWait(driver, WAIT, poll_frequency=0.1,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(settled)
    except TimeoutException:
        body = driver.find_element("tag name", "body").text if driver.page_source else ""
        raise AssertionError(f"timed out waiting for {what}; at {driver.current_url}:\n{body[:2000]}")


def _path(driver) -> str:
    return urllib.parse.urlsplit(driver.current_url).path


def _open_idp_form(driver, sso: SSOWorld):
    """SP login -> 303 to the IdP -> the IdP's sign-in form."""
    from selenium.webdriver.common.by import By
    driver.get(sso.login_url())
    _wait(driver, lambda d: d.find_elements(By.NAME, "username"), "the IdP sign-in form")
    url = urllib.parse.urlsplit(driver.current_url)
    assert url.path == f"/idp/{sso.partner.domain_id}/sso", driver.current_url
    q = urllib.parse.parse_qs(url.query)
    assert set(q) >= {"SAMLRequest", "RelayState", "SigAlg", "Signature"}, q.keys()
    form = driver.find_element(By.TAG_NAME, "form")
    assert form.get_attribute("method").lower() == "post"
    assert urllib.parse.urlsplit(form.get_attribute("action")).path == f"/idp/{sso.partner.domain_id}/login"
    assert driver.find_element(By.NAME, "password").get_attribute("type") == "password"
    return form


def _submit_credentials(driver, username: str, password: str):
    from selenium.webdriver.common.by import By
    user = driver.find_element(By.NAME, "username")
    user.clear()
    user.send_keys(username)
    pw = driver.find_element(By.NAME, "password")
    pw.clear()
    pw.send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()


def _wait_console(driver):
    from selenium.webdriver.common.by import By
    _wait(driver, lambda d: _path(d) == "/console/" and d.find_elements(By.ID, "account"),
          "the console dashboard")


def _section(driver, section_id: str) -> str:
    from selenium.webdriver.common.by import By
    return driver.find_element(By.ID, section_id).text


def _assert_dashboard(driver, customer: Customer):
    from selenium.webdriver.common.by import By
    assert _path(driver) == "/console/", driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, "header h1").text == "Cloud console"
    account = _section(driver, "account")
    assert customer.domain_name in account, account
    assert customer.domain_id in account, account
    balances = _section(driver, "balances")
    cash_rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#balances tr")
                 if r.text.startswith("Cash")]
    assert cash_rows and f"¥{CUSTOMER_CASH}" in cash_rows[0], balances
    for sid in ("coupons", "resources", "spend"):
        assert driver.find_elements(By.ID, sid), f"console has no #{sid} section"
    total = driver.find_element(By.ID, "month-total").text
    assert re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d{2}", total), total
    assert "No coupons." in _section(driver, "coupons")
    assert driver.find_elements(By.XPATH, "//form[@action='/console/logout']//button[normalize-space()='Sign out']")


def _session_cookie(driver) -> dict:
    cookie = driver.get_cookie("pc_console")
    assert cookie, f"no pc_console cookie after sign-in: {driver.get_cookies()}"
    return cookie


def test_browser_sso_to_console(sso, customer, browser, artifacts_dir, backend_name):
    from selenium.webdriver.common.by import By
    _fresh(browser, sso.base_url)

    # not signed in yet: the console refuses
    browser.get(sso.base_url + "/console/")
    assert "Not signed in" in browser.find_element(By.TAG_NAME, "body").text

    _open_idp_form(browser, sso)
    _submit_credentials(browser, customer.domain_name, customer.password)
    _wait_console(browser)  # the auto-POST carried the Response through the ACS by itself
    _assert_dashboard(browser, customer)

    cookie = _session_cookie(browser)
    assert cookie["httpOnly"] is True, cookie
    assert cookie.get("sameSite") == "Lax", cookie
    assert cookie.get("path") == "/", cookie
    assert cookie.get("secure") is False, cookie  # plain-http public URL
    assert "pc_console" not in browser.execute_script("return document.cookie"), \
        "page scripts must not see the console session"

    shot = artifacts_dir / f"sso-console-{backend_name}.png"
    shot.unlink(missing_ok=True)
    assert browser.save_screenshot(str(shot))
    assert shot.is_file() and shot.stat().st_size > 10 * 1024, shot
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # a reload keeps the session; the session is this browser's, not a URL token
    browser.refresh()
    _wait_console(browser)
    assert customer.domain_name in _section(browser, "account")
    r = requests.get(sso.base_url + "/console/", timeout=HTTP_TIMEOUT)
    assert r.status_code == 401 and "Not signed in" in r.text
    r = requests.get(sso.base_url + "/console/", cookies={"pc_console": cookie["value"]}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and customer.domain_name in r.text


def test_browser_wrong_password_stays_on_form(sso, customer, browser, artifacts_dir, backend_name):
    from selenium.webdriver.common.by import By
    _fresh(browser, sso.base_url)
    _open_idp_form(browser, sso)
    form_path = _path(browser)

    _submit_credentials(browser, customer.domain_name, customer.password + "x")
    _wait(browser, lambda d: "The account name or password is wrong." in d.find_element(By.TAG_NAME, "body").text,
          "the wrong-password message")
    assert _path(browser) == f"/idp/{sso.partner.domain_id}/login", browser.current_url
    assert form_path.startswith(f"/idp/{sso.partner.domain_id}/")
    # still the sign-in form, the name kept, the password not; no SAMLResponse anywhere
    assert browser.find_element(By.NAME, "username").get_attribute("value") == customer.domain_name
    assert browser.find_element(By.NAME, "password").get_attribute("value") == ""
    assert not browser.find_elements(By.NAME, "SAMLResponse")
    assert browser.get_cookie("pc_console") is None
    browser.save_screenshot(str(artifacts_dir / f"sso-wrong-password-{backend_name}.png"))

    # an unknown account name is refused the same way
    _submit_credentials(browser, customer.domain_name + "nobody", customer.password)
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "section.error")
          and d.find_element(By.NAME, "username").get_attribute("value") == customer.domain_name + "nobody",
          "the second refusal")
    assert "The account name or password is wrong." in browser.find_element(By.TAG_NAME, "body").text

    # the same form, now with the right password, still signs in
    _submit_credentials(browser, customer.domain_name, customer.password)
    _wait_console(browser)
    _assert_dashboard(browser, customer)


def test_browser_sign_out(sso, customer, browser):
    from selenium.webdriver.common.by import By
    _fresh(browser, sso.base_url)
    _open_idp_form(browser, sso)
    _submit_credentials(browser, customer.domain_name, customer.password)
    _wait_console(browser)
    old = _session_cookie(browser)["value"]

    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    _wait(browser, lambda d: "Not signed in" in d.find_element(By.TAG_NAME, "body").text, "the signed-out page")
    assert _path(browser) == "/console/", browser.current_url
    assert not browser.find_elements(By.ID, "account")
    assert customer.domain_name not in browser.page_source
    assert not (browser.get_cookie("pc_console") or {}).get("value"), browser.get_cookies()

    # the old session is over on the server too, not just forgotten by the browser
    r = requests.get(sso.base_url + "/console/", cookies={"pc_console": old}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 401 and "Not signed in" in r.text, r.status_code


def test_browser_without_javascript_continue_button(sso, customer, browser_nojs, artifacts_dir, backend_name):
    from selenium.webdriver.common.by import By
    driver = browser_nojs
    _fresh(driver, sso.base_url)
    _open_idp_form(driver, sso)
    _submit_credentials(driver, customer.domain_name, customer.password)

    # without scripts the auto-POST page waits for the user
    _wait(driver, lambda d: d.find_elements(By.ID, "post"), "the auto-POST page")
    assert _path(driver) == f"/idp/{sso.partner.domain_id}/login", driver.current_url
    form = driver.find_element(By.ID, "post")
    assert form.get_attribute("method").lower() == "post"
    assert form.get_attribute("action") == sso.acs
    response_field = driver.find_element(By.CSS_SELECTOR, "#post input[type=hidden][name=SAMLResponse]")
    assert response_field.get_attribute("value")
    assert driver.find_elements(By.CSS_SELECTOR, "#post input[type=hidden][name=RelayState]")
    time.sleep(0.5)  # would the script have fired, it would have by now
    assert _path(driver) == f"/idp/{sso.partner.domain_id}/login", "the page moved on with JavaScript off"
    driver.save_screenshot(str(artifacts_dir / f"sso-continue-nojs-{backend_name}.png"))

    form.find_element(By.XPATH, ".//button[normalize-space()='Continue']").click()
    _wait_console(driver)
    _assert_dashboard(driver, customer)
    assert _session_cookie(driver)["httpOnly"] is True


# ======================================================================== capturing a Response

class _Forms(HTMLParser):
    """Every <form> with its action and named <input> values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"id": a.get("id"), "action": a.get("action"), "method": a.get("method"),
                               "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def _forms(text: str) -> list[dict]:
    p = _Forms()
    p.feed(text)
    return p.forms


@dataclass
class Captured:
    request_id: str
    authn_request: str
    saml_response_b64: str
    relay_state: str
    xml: str
    idp_metadata: str


def _capture(sso: SSOWorld, customer: Customer) -> Captured:
    """Sign in through the SP and the built-in IdP with `requests`, stop at the auto-POST page."""
    s = requests.Session()
    r = s.get(sso.login_url(), allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    location = r.headers["Location"]
    assert location.startswith(sso.idp_base + "/sso?"), location
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    authn = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15).decode()
    root = ET.fromstring(authn)
    assert root.tag == f"{{{SAMLP}}}AuthnRequest", authn
    assert root.findtext("saml:Issuer", namespaces=NS) == SP_ENTITY_ID
    assert root.get("AssertionConsumerServiceURL") == sso.acs
    request_id = root.get("ID")
    assert request_id

    r = s.get(location, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, (r.status_code, r.text[:1000])
    login = [f for f in _forms(r.text) if f["action"] == f"/idp/{sso.partner.domain_id}/login"]
    assert len(login) == 1, r.text
    fields = dict(login[0]["fields"], username=customer.domain_name, password=customer.password)
    r = s.post(sso.idp_base + "/login", data=fields, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, (r.status_code, r.text[:1000])
    post = [f for f in _forms(r.text) if f["id"] == "post"]
    assert len(post) == 1, r.text
    assert post[0]["action"] == sso.acs and post[0]["method"] == "post", post[0]
    b64 = post[0]["fields"]["SAMLResponse"]
    xml = base64.b64decode(b64).decode()

    md = requests.get(sso.idp_base + "/metadata", timeout=HTTP_TIMEOUT)
    assert md.status_code == 200 and "samlmetadata+xml" in md.headers.get("Content-Type", ""), md.headers
    return Captured(request_id, authn, b64, post[0]["fields"]["RelayState"], xml, md.text)


def _idp_cert_pem(metadata: str) -> str:
    root = ET.fromstring(metadata.encode())
    certs = root.findall(".//md:IDPSSODescriptor/md:KeyDescriptor[@use='signing']//ds:X509Certificate",
                         namespaces=NS)
    assert len(certs) == 1, metadata
    b64 = "".join(certs[0].text.split())
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


@pytest.fixture
def captured(sso, customer) -> Captured:
    return _capture(sso, customer)


# ======================================================================== pysaml2 as the SP

def test_pysaml2_sp_accepts_builtin_idp_response(sso, customer, captured, tmp_path):
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig
    from saml2.saml import NAMEID_FORMAT_TRANSIENT

    if not XMLSEC1.is_file():
        pytest.fail(f"{XMLSEC1} is missing (`apt-get install xmlsec1`)", pytrace=False)
    md_path = tmp_path / "idp-metadata.xml"
    md_path.write_text(captured.idp_metadata)

    conf = SPConfig()
    conf.load({
        "entityid": SP_ENTITY_ID,
        "xmlsec_binary": str(XMLSEC1),
        "allow_unknown_attributes": True,
        "metadata": {"local": [str(md_path)]},
        "accepted_time_diff": 60,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(sso.acs, BINDING_HTTP_POST)]},
            "want_assertions_signed": True,
            "want_response_signed": False,
            "authn_requests_signed": True,
            "allow_unsolicited": False,
            "name_id_format": [NAMEID_FORMAT_TRANSIENT],
        }},
    })
    client = Saml2Client(config=conf)
    assert sso.entity_id in client.metadata.identity_providers(), client.metadata.identity_providers()

    resp = client.parse_authn_request_response(captured.saml_response_b64, BINDING_HTTP_POST,
                                               outstanding={captured.request_id: "/console/"})
    assert resp is not None, "pysaml2 returned no response"
    assert resp.in_response_to == captured.request_id
    assert resp.issuer() == sso.entity_id
    assert resp.came_from == "/console/"
    assert resp.assertion.signature is not None, "the assertion must be signed"

    got = resp.get_identity()
    assert got.get("xUserId") == [customer.xaccount_id], got
    assert got.get("xAccountId") == [customer.xaccount_id], got
    assert got.get("bpId") == [sso.partner.domain_id], got
    assert got.get("name") == [customer.domain_name], got

    name_id = resp.get_subject()
    assert name_id.format == NAMEID_FORMAT_TRANSIENT and name_id.text, name_id

    # a Response to a request pysaml2 never made is refused (InResponseTo checked for real)
    from saml2.response import UnsolicitedResponse
    client2 = Saml2Client(config=conf)
    with pytest.raises(UnsolicitedResponse):
        client2.parse_authn_request_response(captured.saml_response_b64, BINDING_HTTP_POST,
                                             outstanding={"_someotherrequest": "/console/"})


# ======================================================================== xmlsec1

def _xmlsec_verify(xml: str, cert_pem: str, tmp: Path, name: str) -> subprocess.CompletedProcess:
    doc = tmp / f"{name}.xml"
    doc.write_text(xml)
    cert = tmp / "idp-cert.pem"
    cert.write_text(cert_pem)
    return subprocess.run([str(XMLSEC1), "--verify", "--pubkey-cert-pem", str(cert),
                           "--id-attr:ID", f"{SAML}:Assertion", str(doc)],
                          capture_output=True, text=True, timeout=60)


def test_xmlsec1_verifies_assertion_signature(sso, customer, captured, tmp_path, artifacts_dir, backend_name):
    if not XMLSEC1.is_file():
        pytest.fail(f"{XMLSEC1} is missing (`apt-get install xmlsec1`)", pytrace=False)
    cert_pem = _idp_cert_pem(captured.idp_metadata)
    (artifacts_dir / f"sso-idp-response-{backend_name}.xml").write_text(captured.xml)

    # the signature sits in the Assertion and references it, not the Response
    root = ET.fromstring(captured.xml.encode())
    assertion = root.find("saml:Assertion", NS)
    assert assertion is not None, captured.xml
    refs = root.findall(".//ds:Signature/ds:SignedInfo/ds:Reference", NS)
    assert [r.get("URI") for r in refs] == ["#" + assertion.get("ID")], captured.xml
    assert root.find("ds:Signature", NS) is None, "the Response itself is not signed (Huawei's sample)"

    ok = _xmlsec_verify(captured.xml, cert_pem, tmp_path, "response")
    assert ok.returncode == 0, f"xmlsec1 refused the IdP's Response:\n{ok.stdout}\n{ok.stderr}"

    # change one attribute value: the digest no longer matches
    original = f">{customer.xaccount_id}</saml2:AttributeValue>"
    assert captured.xml.count(original) == 2, captured.xml  # xUserId and xAccountId
    tampered = captured.xml.replace(original, f">{customer.xaccount_id}0</saml2:AttributeValue>", 1)
    bad = _xmlsec_verify(tampered, cert_pem, tmp_path, "tampered")
    assert bad.returncode != 0, f"xmlsec1 accepted a tampered Response:\n{bad.stdout}\n{bad.stderr}"

    # and a certificate other than the IdP's does not verify the original either
    other = _self_signed_cert(tmp_path)
    if other is not None:
        wrong = _xmlsec_verify(captured.xml, other, tmp_path, "othercert")
        assert wrong.returncode != 0, f"xmlsec1 verified with an unrelated certificate:\n{wrong.stderr}"


def _self_signed_cert(tmp: Path) -> Optional[str]:
    key, crt = tmp / "other.key", tmp / "other.crt"
    proc = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                           "-out", str(crt), "-days", "1", "-subj", "/CN=not-the-idp"],
                          capture_output=True, text=True, timeout=60)
    return crt.read_text() if proc.returncode == 0 else None
