"""Helpers for the SAML web-SSO tests: keys and certificates, IdP metadata, signed SAML
Responses forged with `xmlsec1 --sign`, the browser side of the redirect/POST bindings and
the server's refusal pages and log lines."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import subprocess
import tempfile
import uuid
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

XMLSEC1 = "/usr/bin/xmlsec1"
HTTP_TIMEOUT = 30

NS = {
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
}
PROTOCOL_NS = NS["samlp"]
ASSERTION_NS = NS["saml"]
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


# --------------------------------------------------------------------------
# keys and certificates
# --------------------------------------------------------------------------

@dataclass
class KeyPair:
    key_pem: str
    cert_pem: str
    key: rsa.RSAPrivateKey = field(repr=False)

    @property
    def cert_b64(self) -> str:
        return cert_b64_of(self.cert_pem)

    def write(self, directory: Path) -> tuple[Path, Path]:
        name = uuid.uuid4().hex[:8]
        key, cert = directory / f"key-{name}.pem", directory / f"cert-{name}.pem"
        key.write_text(self.key_pem)
        cert.write_text(self.cert_pem)
        return key, cert


def new_keypair(common_name: str = "test IdP") -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    return KeyPair(key_pem=key_pem, cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(), key=key)


def cert_b64_of(pem: str) -> str:
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def pem_of_b64(b64: str) -> str:
    clean = "".join(b64.split())
    lines = [clean[i:i + 64] for i in range(0, len(clean), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def rsa_sha256_verifies(cert_pem: str, data: bytes, signature: bytes) -> bool:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    try:
        cert.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


# --------------------------------------------------------------------------
# metadata
# --------------------------------------------------------------------------

def idp_metadata(entity_id: str, sso_url: str, cert_b64: Optional[str], *, binding: str = REDIRECT_BINDING,
                 use: str = "signing", with_entity_id: bool = True, extra: str = "") -> str:
    """IdP metadata as a partner's platform would publish it."""
    key = "" if cert_b64 is None else (
        f'<md:KeyDescriptor use="{use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_b64}'
        f'</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>')
    entity = f' entityID="{html.escape(entity_id)}"' if with_entity_id else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<md:EntityDescriptor xmlns:md="{NS["md"]}" xmlns:ds="{NS["ds"]}"{entity}>'
            f'<md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="{PROTOCOL_NS}">'
            f'{key}{extra}'
            f'<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>'
            f'<md:SingleSignOnService Binding="{binding}" Location="{html.escape(sso_url)}"/>'
            f'</md:IDPSSODescriptor></md:EntityDescriptor>\n')


@dataclass
class SPMetadata:
    xml: str
    entity_id: str
    acs: str
    cert_pem: str
    root: ET.Element = field(repr=False)


def parse_sp_metadata(xml: str) -> SPMetadata:
    root = ET.fromstring(xml.encode())
    assert root.tag == f"{{{NS['md']}}}EntityDescriptor", root.tag
    sp = root.find("md:SPSSODescriptor", NS)
    assert sp is not None, "SP metadata has no SPSSODescriptor"
    certs = [kd.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS) for kd in sp.findall("md:KeyDescriptor", NS)
             if kd.get("use", "signing") == "signing"]
    assert certs and certs[0] is not None and certs[0].text, "SP metadata has no signing certificate"
    acs = [a for a in sp.findall("md:AssertionConsumerService", NS) if a.get("Binding") == POST_BINDING]
    assert acs, "SP metadata has no HTTP-POST AssertionConsumerService"
    return SPMetadata(xml=xml, entity_id=root.get("entityID"), acs=acs[0].get("Location"),
                      cert_pem=pem_of_b64(certs[0].text), root=root)


def parse_idp_metadata(xml: str) -> tuple[str, str, str]:
    """(entityID, HTTP-Redirect SSO location, signing certificate PEM)."""
    root = ET.fromstring(xml.encode())
    idp = root.find("md:IDPSSODescriptor", NS)
    assert idp is not None, xml
    cert = idp.find("md:KeyDescriptor/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    sso = [s for s in idp.findall("md:SingleSignOnService", NS) if s.get("Binding") == REDIRECT_BINDING]
    assert cert is not None and sso, xml
    return root.get("entityID"), sso[0].get("Location"), pem_of_b64(cert.text)


# --------------------------------------------------------------------------
# xmlsec1
# --------------------------------------------------------------------------

def xmlsec_verify(xml: str, cert_pem: str, id_attr: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="pc-saml-") as tmp:
        d = Path(tmp)
        (d / "doc.xml").write_text(xml)
        (d / "cert.pem").write_text(cert_pem)
        return subprocess.run([XMLSEC1, "--verify", "--pubkey-cert-pem", str(d / "cert.pem"), *id_attr.split(),
                               str(d / "doc.xml")], capture_output=True, text=True, timeout=60)


def xmlsec_sign(template: str, pair: KeyPair, id_attrs: tuple[str, ...] = (f"{ASSERTION_NS}:Assertion",)) -> str:
    """Fill the first ds:Signature template in document order with `pair`'s signature."""
    with tempfile.TemporaryDirectory(prefix="pc-saml-") as tmp:
        d = Path(tmp)
        key, cert = pair.write(d)
        (d / "in.xml").write_text(template)
        argv = [XMLSEC1, "--sign", "--privkey-pem", f"{key},{cert}"]
        for a in id_attrs:
            argv += ["--id-attr:ID", a]
        argv += ["--output", str(d / "out.xml"), str(d / "in.xml")]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"xmlsec1 --sign failed: {proc.stderr}"
        return (d / "out.xml").read_text()


RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


def signature_template(ref_id: str, sig_alg: str = RSA_SHA256, digest: str = SHA256) -> str:
    return (f'<ds:Signature xmlns:ds="{NS["ds"]}"><ds:SignedInfo>'
            '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            f'<ds:SignatureMethod Algorithm="{sig_alg}"/>'
            f'<ds:Reference URI="#{ref_id}"><ds:Transforms>'
            '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
            f'<ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue></ds:DigestValue>'
            '</ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>'
            '<ds:KeyInfo><ds:X509Data><ds:X509Certificate></ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>')


# --------------------------------------------------------------------------
# forged Responses
# --------------------------------------------------------------------------

def saml_time(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return "_" + uuid.uuid4().hex + uuid.uuid4().hex[:8]


@dataclass
class ResponseSpec:
    """Everything a Response says, each field changeable to aim at one check."""
    issuer: str
    acs: str
    in_response_to: str
    audience: str
    x_user_id: str
    bp_id: str
    response_id: str = field(default_factory=new_id)
    assertion_id: str = field(default_factory=new_id)
    destination: Optional[str] = None          # default: acs
    recipient: Optional[str] = None            # default: acs
    response_issuer: Optional[str] = None      # default: issuer
    assertion_issuer: Optional[str] = None     # default: issuer
    sc_in_response_to: Optional[str] = None    # default: in_response_to
    x_account_id: Optional[str] = None         # default: x_user_id
    name: str = "Test User"
    mobile: str = ""
    email: str = "user@example.com"
    status: str = SUCCESS
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    not_before: Optional[dt.datetime] = None   # Conditions NotBefore; default now - 1 min
    not_on_or_after: Optional[dt.datetime] = None  # Conditions and SubjectConfirmationData; default now + 5 min
    sc_not_before: Optional[dt.datetime] = None
    omit_attributes: tuple[str, ...] = ()
    extra_attributes: list[tuple[str, str]] = field(default_factory=list)

    def attributes(self) -> list[tuple[str, str]]:
        attrs = [("xUserId", self.x_user_id),
                 ("xAccountId", self.x_user_id if self.x_account_id is None else self.x_account_id),
                 ("bpId", self.bp_id), ("name", self.name), ("mobile", self.mobile), ("email", self.email)]
        return [a for a in attrs if a[0] not in self.omit_attributes] + list(self.extra_attributes)


def assertion_xml(s: ResponseSpec, *, signed_template: bool = True, assertion_id: Optional[str] = None) -> str:
    e = html.escape
    aid = assertion_id or s.assertion_id
    nb = s.not_before or (s.now - dt.timedelta(minutes=1))
    na = s.not_on_or_after or (s.now + dt.timedelta(minutes=5))
    sc_nb = f' NotBefore="{saml_time(s.sc_not_before)}"' if s.sc_not_before else ""
    attrs = "".join(
        f'<saml2:Attribute Name="{e(n)}" NameFormat="{URI_FORMAT}"><saml2:AttributeValue xsi:type="xsd:string">'
        f'{e(v)}</saml2:AttributeValue></saml2:Attribute>' for n, v in s.attributes())
    return (
        f'<saml2:Assertion xmlns:saml2="{ASSERTION_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{aid}" IssueInstant="{saml_time(s.now)}" Version="2.0">'
        f'<saml2:Issuer>{e(s.assertion_issuer or s.issuer)}</saml2:Issuer>'
        f'{signature_template(aid) if signed_template else ""}'
        f'<saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">{new_id()}</saml2:NameID>'
        f'<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml2:SubjectConfirmationData InResponseTo="{e(s.sc_in_response_to or s.in_response_to)}"{sc_nb} '
        f'NotOnOrAfter="{saml_time(na)}" Recipient="{e(s.recipient or s.acs)}"/></saml2:SubjectConfirmation></saml2:Subject>'
        f'<saml2:Conditions NotBefore="{saml_time(nb)}" NotOnOrAfter="{saml_time(na)}"><saml2:AudienceRestriction>'
        f'<saml2:Audience>{e(s.audience)}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>'
        f'<saml2:AuthnStatement AuthnInstant="{saml_time(s.now)}" SessionIndex="{aid}"><saml2:AuthnContext>'
        f'<saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'
        f'</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>'
        f'<saml2:AttributeStatement>{attrs}</saml2:AttributeStatement></saml2:Assertion>')


def response_xml(s: ResponseSpec, assertion: str, *, before: str = "", after: str = "", extensions: str = "",
                 response_signature: str = "") -> str:
    e = html.escape
    ext = f"<saml2p:Extensions>{extensions}</saml2p:Extensions>" if extensions else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<saml2p:Response xmlns:saml2p="{PROTOCOL_NS}" Destination="{e(s.destination or s.acs)}" ID="{s.response_id}" '
        f'InResponseTo="{e(s.in_response_to)}" IssueInstant="{saml_time(s.now)}" Version="2.0">'
        f'<saml2:Issuer xmlns:saml2="{ASSERTION_NS}">{e(s.response_issuer or s.issuer)}</saml2:Issuer>'
        f'{response_signature}{ext}'
        f'<saml2p:Status><saml2p:StatusCode Value="{e(s.status)}"/></saml2p:Status>'
        f'{before}{assertion}{after}</saml2p:Response>\n')


def signed_response(s: ResponseSpec, pair: Optional[KeyPair], **kw) -> str:
    """A Response whose Assertion is signed by `pair` (unsigned when pair is None)."""
    xml = response_xml(s, assertion_xml(s, signed_template=pair is not None), **kw)
    return xml if pair is None else xmlsec_sign(xml, pair)


def signed_assertion(xml: str) -> str:
    """The signed Assertion element's text, cut out of a signed Response."""
    m = re.search(r"<saml2:Assertion\b.*?</saml2:Assertion>", xml, re.S)
    assert m, xml
    return m.group(0)


def b64(xml: str | bytes) -> str:
    return base64.b64encode(xml.encode() if isinstance(xml, str) else xml).decode()


# --------------------------------------------------------------------------
# HTML forms
# --------------------------------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]
    names: list[str]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower(), fields={}, names=[]))
        elif tag == "input" and self.forms:
            name = a.get("name")
            if name:
                self.forms[-1].fields[name] = a.get("value", "")
                self.forms[-1].names.append(name)


def forms_of(page: str) -> list[Form]:
    p = _FormParser()
    p.feed(page)
    return p.forms


def only_form(page: str, action_contains: str = "") -> Form:
    forms = [f for f in forms_of(page) if action_contains in f.action]
    assert len(forms) == 1, f"expected one form (action ~ {action_contains!r}), found {forms} in\n{page[-2000:]}"
    return forms[0]


# --------------------------------------------------------------------------
# the browser side
# --------------------------------------------------------------------------

@dataclass
class LoginStart:
    response: requests.Response
    location: str
    query: dict[str, str]          # decoded values
    raw_query: str                 # as sent
    authn_xml: str
    request_id: str
    root: ET.Element = field(repr=False)


def inflate(b64text: str) -> str:
    return zlib.decompress(base64.b64decode(b64text), -15).decode()


def start_login(session: requests.Session, base: str, xaccount_type: str, service: str = "/console/",
                first: bool = False) -> LoginStart:
    r = session.get(base + "/authui/saml/login",
                    params={"xAccountType": xaccount_type, "isFirstLogin": "true" if first else "false",
                            "service": service}, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert r.status_code == 303, f"login did not redirect: {r.status_code} {r.text[-1500:]}"
    location = r.headers["Location"]
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    xml = inflate(query["SAMLRequest"])
    root = ET.fromstring(xml.encode())
    return LoginStart(response=r, location=location, query=query, raw_query=parts.query, authn_xml=xml,
                      request_id=root.get("ID"), root=root)


def post_acs(session: requests.Session, acs: str, xml: str | bytes | None = None, relay_state: str = "rs",
             saml_response: Optional[str] = None) -> requests.Response:
    data = {"SAMLResponse": saml_response if saml_response is not None else b64(xml), "RelayState": relay_state}
    return session.post(acs, data=data, allow_redirects=False, timeout=HTTP_TIMEOUT)


def set_cookie_names(r: requests.Response) -> list[str]:
    raw = r.raw.headers.getlist("Set-Cookie") if hasattr(r.raw.headers, "getlist") else []
    return [c.split("=", 1)[0].strip() for c in raw]


def set_cookie_headers(r: requests.Response) -> list[str]:
    return list(r.raw.headers.getlist("Set-Cookie")) if hasattr(r.raw.headers, "getlist") else []


# --------------------------------------------------------------------------
# refusals and the server log
# --------------------------------------------------------------------------

class ServerLog:
    """Reads the lines a server wrote to stderr for one request (by X-Request-Id)."""

    def __init__(self, path: Path):
        self.path = path

    def lines_for(self, request_id: str) -> list[str]:
        text = self.path.read_text(errors="replace")
        return [line for line in text.splitlines() if f"request_id={request_id}" in line]

    def refusal_checks(self, request_id: str) -> list[str]:
        out = []
        for line in self.lines_for(request_id):
            if "saml sign-in refused" in line:
                m = re.search(r"\bcheck=(\S+)", line)
                out.append(m.group(1) if m else "?")
        return out
