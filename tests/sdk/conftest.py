"""Harness for the SDK conformance suite.

Every test talks to a real `partner-center` process over HTTP, through the
official Huawei Cloud Python SDK where it can and through hand-signed
`requests` calls where the SDK would refuse to send what we need (stale dates,
malformed bodies, the operator API).

Backends: `PC_BACKEND=sqlite` (default) or `PC_BACKEND=postgres`; the latter
starts a throwaway PostgreSQL cluster for the session.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
import requests

from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkbss.v2 import (
    BssClient,
    CreateCustomerV2Req,
    CreateSubCustomerRequest,
    ListIndirectPartnersRequest,
    ListSubCustomersRequest,
    QueryIndirectPartnersReq,
    QuerySubCustomerListReq,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ARTIFACTS = HERE / "artifacts"
DEFAULT_BINARY = REPO / ".build" / "debug" / "partner-center"
PG_BIN = Path(os.environ.get("PC_PG_BIN", "/usr/lib/postgresql/15/bin"))

READY_TIMEOUT = float(os.environ.get("PC_READY_TIMEOUT", "60"))
CLI_TIMEOUT = float(os.environ.get("PC_CLI_TIMEOUT", "120"))
HTTP_TIMEOUT = 30

# Same key for `serve` and every admin command: secrets written by one must be
# readable by the other.
MASTER_KEY = base64.b64encode(os.urandom(32)).decode()

SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
AUTH_PREFIX = "Incorrect IAM authentication information:"
DEFAULT_PASSWORD = "Pc-Test#2024x"


def unique(prefix: str = "t") -> str:
    """A name that is valid as an account name and unique across tests."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pc_env() -> dict:
    env = dict(os.environ)
    env["PARTNER_CENTER_MASTER_KEY"] = MASTER_KEY
    return env


# --------------------------------------------------------------------------
# options / binary
# --------------------------------------------------------------------------

def pytest_addoption(parser):
    parser.addoption(
        "--pc-backend",
        action="store",
        default=os.environ.get("PC_BACKEND", "sqlite"),
        choices=("sqlite", "postgres"),
        help="database backend for the server under test (env PC_BACKEND)",
    )



@pytest.fixture(scope="session")
def binary() -> Path:
    path = Path(os.environ.get("PC_BINARY", str(DEFAULT_BINARY)))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"partner-center binary not found at {path}; build it first "
            f"(`swift build`, or `make`) or point PC_BINARY at it",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# --------------------------------------------------------------------------
# databases
# --------------------------------------------------------------------------

class SqliteBackend:
    name = "sqlite"

    def __init__(self, root: Path):
        self.root = root

    def new_database(self, label: str) -> str:
        path = self.root / f"{label}-{uuid.uuid4().hex[:8]}.sqlite"
        return f"sqlite:{path}"

    def stop(self):
        pass


class PostgresBackend:
    """A private PostgreSQL cluster in a temp dir, one database per server."""

    name = "postgres"

    def __init__(self, root: Path, log_dir: Path):
        if not (PG_BIN / "initdb").exists():
            pytest.fail(f"PC_BACKEND=postgres but {PG_BIN}/initdb does not exist", pytrace=False)
        self.root = root
        self.datadir = root / "data"
        self.port = free_port()
        self.logfile = root / "postgres.log"
        self.log_copy = log_dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        # initdb/pg_ctl refuse to run as root; drop to the postgres account.
        full = list(cmd)
        if self.as_root:
            full = ["runuser", "-u", "postgres", "--"] + full
        env = dict(os.environ, LC_ALL="C", LANG="C")
        proc = subprocess.run(full, capture_output=True, text=True, env=env, timeout=120)
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(full)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def start(self):
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            # the cluster runs as `postgres`, which must be able to reach its dir
            os.chmod(self.root.parent, 0o755)
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.datadir), "-A", "trust",
                  "-U", "postgres", "-E", "UTF8", "--locale=C")
        opts = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-o", opts,
                  "-l", str(self.logfile), "-w", "-t", "60", "start")

    def new_database(self, label: str) -> str:
        name = f"pc_{label}_{uuid.uuid4().hex[:8]}".lower()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self):
        proc = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast",
                         "-w", "stop", check=False)
        try:
            shutil.copyfile(self.logfile, self.log_copy)
        except OSError:
            pass
        if proc.returncode == 0:
            return
        # Fall back to the postmaster PID if pg_ctl could not do it.
        pidfile = self.datadir / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, signal.SIGINT)
        except (OSError, ValueError, IndexError):
            pass


@pytest.fixture(scope="session")
def backend(request, artifacts_dir):
    kind = request.config.getoption("--pc-backend")
    root = Path(tempfile.mkdtemp(prefix=f"pc-sdk-{kind}-"))
    if kind == "postgres":
        be = PostgresBackend(root / "pg", artifacts_dir)
        be.start()
    else:
        be = SqliteBackend(root)
    yield be
    be.stop()
    shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

class CliError(AssertionError):
    def __init__(self, args, proc):
        self.proc = proc
        super().__init__(
            f"partner-center {' '.join(args)} exited {proc.returncode}\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
        )


class Cli:
    """Runs `partner-center ...` with the harness's master key and a database URL."""

    def __init__(self, binary: Path, database: str):
        self.binary = binary
        self.database = database

    def run(self, *args: str, database: Optional[str] = None) -> subprocess.CompletedProcess:
        argv = [str(self.binary), *args, "--database", database or self.database]
        return subprocess.run(argv, capture_output=True, text=True, env=pc_env(),
                              timeout=CLI_TIMEOUT)

    def __call__(self, *args: str, database: Optional[str] = None) -> Any:
        """Run and require success.

        With `--json` among the arguments stdout must be one JSON object, which
        is returned parsed; otherwise the (human-readable) stdout is returned.
        """
        proc = self.run(*args, database=database)
        if proc.returncode != 0:
            raise CliError(args, proc)
        out = proc.stdout.strip()
        if "--json" not in args:
            return out
        try:
            return json.loads(out)
        except json.JSONDecodeError as e:
            raise AssertionError(
                f"partner-center {' '.join(args)} printed non-JSON output: {out!r}") from e

    def for_database(self, database: str) -> "Cli":
        return Cli(self.binary, database)


# --------------------------------------------------------------------------
# server processes
# --------------------------------------------------------------------------

class Server:
    def __init__(self, binary: Path, database: str, label: str, extra: list[str]):
        self.binary = binary
        self.database = database
        self.label = label
        self.extra = extra
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: Optional[subprocess.Popen] = None
        self.stdout_path = ARTIFACTS / f"server-{label}.stdout.log"
        self.stderr_path = ARTIFACTS / f"server-{label}.stderr.log"

    def start(self):
        migrate = subprocess.run(
            [str(self.binary), "migrate", "--database", self.database],
            capture_output=True, text=True, env=pc_env(), timeout=CLI_TIMEOUT)
        (ARTIFACTS / f"migrate-{self.label}.log").write_text(
            f"exit {migrate.returncode}\n--- stdout\n{migrate.stdout}\n--- stderr\n{migrate.stderr}")
        if migrate.returncode != 0:
            pytest.fail(f"`partner-center migrate` failed ({migrate.returncode}): {migrate.stderr}",
                        pytrace=False)

        argv = [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--database", self.database, *self.extra]
        self._out = open(self.stdout_path, "w")
        self._err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self._out, stderr=self._err, env=pc_env(),
                                     start_new_session=True)
        deadline = time.monotonic() + READY_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._close_logs()
                pytest.fail(
                    f"server exited early with {self.proc.returncode}; see {self.stderr_path}:\n"
                    + self.stderr_path.read_text()[-3000:], pytrace=False)
            try:
                r = requests.get(self.base_url + "/health/ready", timeout=2)
                if r.status_code == 200:
                    return self
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"server not ready after {READY_TIMEOUT}s (last: {last}); see {self.stderr_path}",
                    pytrace=False)

    def _close_logs(self):
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f and not f.closed:
                f.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._close_logs()


@pytest.fixture(scope="session")
def start_server(binary, backend, artifacts_dir):
    """Factory: start another server on a fresh database. Stopped at session end."""
    servers: list[Server] = []

    def _start(label: str, extra: Optional[list[str]] = None) -> Server:
        db = backend.new_database(label)
        extra = list(extra or [])
        # The background lifecycle sweep runs on real time: a test server has it off unless
        # the test asks for it, so what a test provisions in the past stays as it made it
        # until the test itself moves the clock or runs the lifecycle.
        if "--lifecycle-interval" not in extra:
            extra += ["--lifecycle-interval", "0"]
        srv = Server(binary, db, f"{backend.name}-{label}", extra)
        servers.append(srv)
        return srv.start()

    yield _start
    for srv in servers:
        srv.stop()


@pytest.fixture(scope="session")
def server(start_server) -> Server:
    # Flow control is exercised on a dedicated server; here it is switched off
    # so that tests creating many records back to back stay deterministic.
    return start_server("main", ["--rate-limit", "0"])


@pytest.fixture(scope="session")
def cli(binary, server) -> Cli:
    return Cli(binary, server.database)


# --------------------------------------------------------------------------
# HTTP helpers
# --------------------------------------------------------------------------

def make_client(base_url: str, ak: str, sk: str, domain_id: Optional[str]) -> BssClient:
    return (BssClient.new_builder()
            .with_credentials(GlobalCredentials(ak, sk, domain_id))
            .with_endpoint(base_url)
            .build())


def _encode_body(body: Any) -> Optional[bytes]:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def sign_and_send(base_url: str, method: str, path: str, ak: str, sk: str, body: Any = None,
                  query: Optional[dict] = None, headers: Optional[dict] = None,
                  date: Optional[dt.datetime] = None,
                  domain_id: Optional[str] = None) -> requests.Response:
    """Sign a request with the SDK's own SDK-HMAC-SHA256 signer and send it with requests.

    `body` may be a dict/list (JSON-encoded), or str/bytes sent verbatim so that
    malformed payloads can be tested. `date` overrides X-Sdk-Date.
    """
    host = base_url.split("://", 1)[1]
    # Like the SDK, sign User-Agent too: the server must verify whatever
    # SignedHeaders lists, not a fixed set.
    hdrs = {"Content-Type": "application/json", "User-Agent": "huaweicloud-usdk-python/3.0"}
    if headers:
        hdrs.update(headers)
    if domain_id:
        hdrs["X-Domain-Id"] = domain_id
    if date is not None:
        hdrs["X-Sdk-Date"] = date.strftime(SDK_DATE_FORMAT)
    query_params = [(k, v) for k, v in (query or {}).items()]
    req = SdkRequest(method=method.upper(), schema="http", host=host, resource_path=path,
                     query_params=query_params, header_params=hdrs, body=_encode_body(body))
    Signer(GlobalCredentials(ak, sk, domain_id)).sign(req)
    return requests.request(method.upper(), req.url, headers=req.header_params,
                            data=req.body, timeout=HTTP_TIMEOUT)


@pytest.fixture(scope="session")
def signed_request(server) -> Callable[..., requests.Response]:
    def _signed(method, path, ak, sk, body=None, query=None, headers=None, date=None,
                domain_id=None, base_url=None):
        return sign_and_send(base_url or server.base_url, method, path, ak, sk, body=body,
                             query=query, headers=headers, date=date, domain_id=domain_id)
    return _signed


def issue_token(base_url: str, name: str, password: str, domain: Optional[str] = None
                ) -> requests.Response:
    domain = domain or name
    body = {"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {"name": name, "password": password,
                                           "domain": {"name": domain}}}},
        "scope": {"domain": {"name": domain}}}}
    return requests.post(base_url + "/v3/auth/tokens", json=body, timeout=HTTP_TIMEOUT)


@pytest.fixture(scope="session")
def token_for(server) -> Callable[[str, str], str]:
    def _token(name: str, password: str) -> str:
        r = issue_token(server.base_url, name, password)
        assert r.status_code == 201, f"token issue for {name}: {r.status_code} {r.text}"
        tok = r.headers.get("X-Subject-Token")
        assert tok, f"no X-Subject-Token header: {dict(r.headers)}"
        return tok
    return _token


def token_request(base_url: str, method: str, path: str, token: str, body: Any = None
                  ) -> requests.Response:
    headers = {"Content-Type": "application/json", "X-Auth-Token": token}
    return requests.request(method, base_url + path, headers=headers,
                            data=_encode_body(body), timeout=HTTP_TIMEOUT)


def error_of(resp: requests.Response) -> dict:
    try:
        data = resp.json()
    except ValueError:
        raise AssertionError(f"error body is not JSON: {resp.status_code} {resp.text!r}")
    assert isinstance(data, dict), data
    return data


def assert_error(resp: requests.Response, status: int, code: str) -> dict:
    assert resp.status_code == status, (
        f"expected {status} {code}, got {resp.status_code}: {resp.text}")
    data = error_of(resp)
    assert data.get("error_code") == code, f"expected {code}, got {data}"
    assert isinstance(data.get("error_msg"), str) and data["error_msg"], data
    assert resp.headers.get("X-Request-Id"), f"no X-Request-Id on error: {dict(resp.headers)}"
    return data


# --------------------------------------------------------------------------
# principals
# --------------------------------------------------------------------------

@dataclass
class Principal:
    domain_id: str
    domain_name: str
    access_key: str
    secret_key: str
    base_url: str
    kind: str = ""
    xaccount_type: Optional[str] = None
    password: Optional[str] = None
    raw: dict = field(default_factory=dict)

    @property
    def client(self) -> BssClient:
        return make_client(self.base_url, self.access_key, self.secret_key, self.domain_id)

    def client_with(self, ak: str, sk: str) -> BssClient:
        return make_client(self.base_url, ak, sk, self.domain_id)

    def signed(self, method: str, path: str, body: Any = None, **kw) -> requests.Response:
        return sign_and_send(self.base_url, method, path, self.access_key, self.secret_key,
                             body=body, domain_id=self.domain_id, **kw)


class PartnerFactory:
    def __init__(self, cli: Cli, base_url: str):
        self.cli = cli
        self.base_url = base_url

    def create(self, kind: str, parent: Optional[Principal] = None,
               password: Optional[str] = DEFAULT_PASSWORD, name: Optional[str] = None) -> Principal:
        name = name or unique({"distributor": "dist", "reseller": "resl",
                               "solution-provider": "spro"}.get(kind, "p"))
        args = ["admin", "partner", "create", "--name", name, "--kind", kind]
        if parent is not None:
            args += ["--parent", parent.domain_id]
        if password is not None:
            args += ["--password", password]
        out = self.cli(*args, "--json")
        for key in ("domain_id", "domain_name", "access_key", "secret_key", "xaccount_type"):
            assert out.get(key), f"`admin partner create` output lacks {key}: {out}"
        return Principal(domain_id=out["domain_id"], domain_name=out["domain_name"],
                         access_key=out["access_key"], secret_key=out["secret_key"],
                         base_url=self.base_url, kind=kind,
                         xaccount_type=out["xaccount_type"], password=password, raw=out)

    def distributor(self, **kw) -> Principal:
        return self.create("distributor", **kw)

    def reseller(self, parent: Principal, **kw) -> Principal:
        return self.create("reseller", parent=parent, **kw)

    def solution_provider(self, **kw) -> Principal:
        return self.create("solution-provider", **kw)

    def key_for(self, domain_id: str) -> tuple[str, str]:
        out = self.cli("admin", "key", "create", "--domain-id", domain_id, "--json")
        assert out.get("access_key") and out.get("secret_key"), out
        return out["access_key"], out["secret_key"]


@pytest.fixture(scope="session")
def partners(cli, server) -> PartnerFactory:
    return PartnerFactory(cli, server.base_url)


@pytest.fixture(scope="session")
def operator(cli, server) -> Principal:
    out = cli("admin", "key", "create", "--operator", "--json")
    for key in ("domain_id", "access_key", "secret_key"):
        assert out.get(key), f"`admin key create --operator` output lacks {key}: {out}"
    return Principal(domain_id=out["domain_id"], domain_name="", access_key=out["access_key"],
                     secret_key=out["secret_key"], base_url=server.base_url, kind="operator",
                     raw=out)


# --------------------------------------------------------------------------
# SDK error assertions and customers
# --------------------------------------------------------------------------

DEFAULT_CUSTOMER_PASSWORD = "Cust-Passw0rd!"


def expect_sdk_error(call: Callable[[], Any], status: int, code: str):
    """Run an SDK call that must fail with the given HTTP status and error_code."""
    with pytest.raises(ServiceResponseException) as info:
        call()
    e = info.value
    assert (e.status_code, e.error_code) == (status, code), (
        f"expected {status} {code}, got {e.status_code} {e.error_code}: {e.error_msg}")
    assert e.error_msg, "error_msg must not be empty"
    assert e.request_id, "X-Request-Id must be present on errors"
    return e


@dataclass
class Customer:
    domain_id: str
    domain_name: str
    xaccount_id: str
    xaccount_type: str
    password: Optional[str]
    partner: Principal


class CustomerFactory:
    def __init__(self, partners: PartnerFactory):
        self.partners = partners

    @staticmethod
    def request(partner: Principal, **fields) -> CreateSubCustomerRequest:
        body = dict(xaccount_id=unique("x"), xaccount_type=partner.xaccount_type)
        body.update(fields)
        return CreateSubCustomerRequest(body=CreateCustomerV2Req(**body))

    def create(self, partner: Principal, domain_name: Optional[str] = "auto",
               password: Optional[str] = DEFAULT_CUSTOMER_PASSWORD, **fields) -> Customer:
        if domain_name == "auto":
            domain_name = unique("cust")
        if domain_name is not None:
            fields["domain_name"] = domain_name
        if password is not None:
            fields["password"] = password
        req = self.request(partner, **fields)
        resp = partner.client.create_sub_customer(req)
        assert resp.domain_id, f"CreateSubCustomer returned no domain_id: {resp}"
        if domain_name is not None:
            assert resp.domain_name == domain_name, resp
        return Customer(domain_id=resp.domain_id, domain_name=resp.domain_name,
                        xaccount_id=req.body.xaccount_id, xaccount_type=req.body.xaccount_type,
                        password=password, partner=partner)

    def principal(self, customer: Customer) -> Principal:
        """Give the customer an AK/SK and return it as a caller."""
        ak, sk = self.partners.key_for(customer.domain_id)
        return Principal(domain_id=customer.domain_id, domain_name=customer.domain_name,
                         access_key=ak, secret_key=sk, base_url=self.partners.base_url,
                         kind="customer", password=customer.password)


@pytest.fixture(scope="session")
def customers(partners) -> CustomerFactory:
    return CustomerFactory(partners)


def list_customers(partner: Principal, **filters):
    return partner.client.list_sub_customers(
        ListSubCustomersRequest(body=QuerySubCustomerListReq(**filters)))


def list_resellers(partner: Principal, **filters):
    return partner.client.list_indirect_partners(
        ListIndirectPartnersRequest(body=QueryIndirectPartnersReq(**filters)))
