"""ShowRealNameAuthQrCode: face-recognition real-name authentication.

A customer asks for a QR code (`qr_code_url`: a PNG made with libqrencode, read back here with
zbarimg, an independent decoder); scanning it opens a page of this server where the person
confirms their name, and the account becomes personally verified
(ShowRealNameAuthStatus: verified_status 2, verified_type 0). A code is single use, lapses ten
minutes after it was issued on the business clock, and a newer one voids the older; an account
verified or under review gets none (CBC.99007188). The page is driven in headless Chromium.
"""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile

import pytest
import requests
from huaweicloudsdkbss.v2 import ShowRealNameAuthQrCodeRequest, ShowRealNameAuthStatusRequest

from conftest import HTTP_TIMEOUT, Cli, CustomerFactory, PartnerFactory, assert_error, expect_sdk_error
from test_customers_identity_realname import apply_enterprise, enterprise_fields
from test_saml_browser import _chromium

QR_PATH = "/v2/customers/real-name-auth-qrcode"


@pytest.fixture(scope="module")
def world(start_server, binary):
    # its own server: these tests move the business clock
    srv = start_server("face")
    cli = Cli(binary, srv.database)
    partners = PartnerFactory(cli, srv.base_url)
    yield srv, cli, partners, CustomerFactory(partners)
    cli("admin", "clock", "reset", "--json")


def new_customer(world):
    srv, cli, partners, customers = world
    sp = partners.solution_provider()
    cust = customers.create(sp)
    return sp, cust, customers.principal(cust)


ZBARIMG = shutil.which("zbarimg")


def decode_qr(png: bytes) -> str:
    """What a phone's camera would read from the image."""
    if ZBARIMG is None:
        pytest.fail("these tests read QR codes with zbarimg: `apt-get install zbar-tools` (or `make deps`)",
                    pytrace=False)
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        out = subprocess.run([ZBARIMG, "--raw", "-q", f.name], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def qr_url(me) -> str:
    """The page the customer's new QR code opens, read from the image the API points at."""
    image = me.client.show_real_name_auth_qr_code(ShowRealNameAuthQrCodeRequest()).qr_code_url
    assert isinstance(image, str) and len(image) <= 512 and image.endswith("/qr.png"), image
    r = requests.get(image, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png", r
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", r.content[16:24])
    assert width == height >= 21 * 6, (width, height)
    page = decode_qr(r.content)
    assert image == page + "/qr.png", (image, page)
    return page


def status(me) -> tuple:
    r = me.client.show_real_name_auth_status(ShowRealNameAuthStatusRequest())
    return r.verified_status, r.verified_type


def scan(url: str) -> requests.Response:
    return requests.get(url, timeout=HTTP_TIMEOUT)


def confirm(url: str, name: str) -> requests.Response:
    return requests.post(url, data={"name": name}, timeout=HTTP_TIMEOUT)


def test_scanning_the_code_in_a_browser_verifies_the_customer(world):
    from selenium.webdriver.common.by import By
    srv = world[0]
    _, cust, me = new_customer(world)
    assert status(me) == (-1, None)
    url = qr_url(me)
    assert re.fullmatch(re.escape(srv.base_url) + r"/realname/face/[a-z0-9]{40}", url), url
    browser = _chromium(javascript=True)
    try:
        browser.get(url)
        assert cust.domain_name in browser.find_element(By.TAG_NAME, "h2").text
        browser.find_element(By.ID, "name").send_keys("张三")
        browser.find_element(By.ID, "verify").click()
        assert "verified as an individual" in browser.find_element(By.ID, "verified").text
        assert status(me) == (2, 0)
        # single use: the same code again says so
        browser.get(url)
        assert "already been used" in browser.find_element(By.ID, "invalid").text
    finally:
        browser.quit()
    assert scan(url).status_code == 410
    assert scan(url + "/qr.png").status_code == 410  # no image for a used code
    # a verified account gets no new code
    expect_sdk_error(lambda: qr_url(me), 400, "CBC.99007188")


def test_a_newer_code_voids_the_older_and_a_used_one_stays_used(world):
    _, _, me = new_customer(world)
    first, second = qr_url(me), qr_url(me)
    assert first != second
    page = scan(first)
    assert page.status_code == 410 and "lapsed" in page.text
    refused = confirm(first, "李四")
    assert refused.status_code == 400 and "lapsed" in refused.text
    assert status(me) == (-1, None)
    assert scan(second).status_code == 200
    done = confirm(second, "李四")
    assert done.status_code == 200 and 'id="verified"' in done.text
    again = confirm(second, "李四")
    assert again.status_code == 400 and "used" in again.text
    assert status(me) == (2, 0)


def test_a_code_lapses_ten_minutes_after_it_was_issued(world):
    _, cli, _, _ = world
    _, _, me = new_customer(world)
    url = qr_url(me)
    cli("admin", "clock", "advance", "9m", "--json")
    assert scan(url).status_code == 200
    cli("admin", "clock", "advance", "61s", "--json")
    assert scan(url).status_code == 410
    assert confirm(url, "王五").status_code == 400
    assert status(me) == (-1, None)
    fresh = qr_url(me)
    assert confirm(fresh, "王五").status_code == 200
    assert status(me) == (2, 0)


def test_a_bad_name_changes_nothing_and_the_code_stays_usable(world):
    _, _, me = new_customer(world)
    url = qr_url(me)
    for name in ("", " ", "x", "x" * 65):
        r = confirm(url, name)
        assert r.status_code == 400 and "CBC.0100" in r.text, (name, r.text)
    r = requests.post(url, data="name=ab%00cd", headers={"Content-Type": "application/x-www-form-urlencoded"},
                      timeout=HTTP_TIMEOUT)
    assert r.status_code == 400, r.text
    assert status(me) == (-1, None)
    assert scan(url).status_code == 200
    assert confirm(url, "赵六").status_code == 200
    assert status(me) == (2, 0)


def test_unknown_codes_and_other_callers(world):
    srv = world[0]
    sp, _, _ = new_customer(world)
    for ticket in ("nope", "a" * 40):
        assert scan(f"{srv.base_url}/realname/face/{ticket}").status_code == 410
        assert confirm(f"{srv.base_url}/realname/face/{ticket}", "张三").status_code == 400
    # a NUL in the path is refused as everywhere on the wire
    assert scan(f"{srv.base_url}/realname/face/%00").status_code == 400
    # a customer's own call: a partner is refused
    assert_error(sp.signed("GET", QR_PATH), 403, "CBC.0151")


def test_an_account_under_review_gets_no_code(world):
    sp, cust, me = new_customer(world)
    apply_enterprise(sp, enterprise_fields(cust, sp))
    assert status(me)[0] == 0
    expect_sdk_error(lambda: qr_url(me), 400, "CBC.99007188")
