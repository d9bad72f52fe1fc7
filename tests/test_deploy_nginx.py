"""deploy/nginx/ in front of a real gunicorn: TLS, the redirect, forwarded headers, slow clients, limits, /media/.

Runs Debian's nginx (`apt-get install nginx`) as a plain process of this test, with
its own prefix, pid, logs and temp folders in a temporary folder, on free 127.0.0.1
ports with a throwaway self-signed certificate; the site file is the shipped one with
its placeholders filled in and its listen lines moved to those ports. Skipped where
nginx is missing, except under CI=true, where it must be there.
"""

import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import PROJECT_DIR
from tests.servers import Gunicorn, free_port, sqlite_site

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
OPENSSL = shutil.which("openssl")
SERVER_NAME = "clinic.test"
DEPLOY_NGINX = PROJECT_DIR / "deploy" / "nginx"
SLOW_CLIENTS = 200

if not (NGINX and OPENSSL):
    reason = "needs nginx and openssl (sudo apt-get install -y nginx openssl)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must have them: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def site_file(*, http_port, https_port, app_server, certificate, key, media_root):
    """The shipped site file with its placeholders filled in, listening on our ports."""
    text = (DEPLOY_NGINX / "prolo.conf").read_text()
    for placeholder, value in {
        "__SERVER_NAME__": SERVER_NAME,
        "__CERTIFICATE__": certificate,
        "__CERTIFICATE_KEY__": key,
        "__APP_SERVER__": app_server,
        "__MEDIA_ROOT__": media_root,
    }.items():
        text = text.replace(placeholder, str(value))
    assert "__" not in re.sub(r"#.*", "", text), "a placeholder the test does not know"
    text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)  # no IPv6 on every test machine
    text, http = re.subn(r"listen 80;", f"listen 127.0.0.1:{http_port};", text)
    text, https = re.subn(r"listen 443 (ssl[^;]*);", rf"listen 127.0.0.1:{https_port} \1;", text)
    assert (http, https) == (1, 1)
    return text


def main_config(folder):
    mime_types = "include /etc/nginx/mime.types;" if os.path.exists("/etc/nginx/mime.types") else ""
    return f"""
daemon off;
master_process off;  # one process, ours: no user switching, stopped with the test
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {mime_types}
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/temp/body;
    proxy_temp_path {folder}/temp/proxy;
    fastcgi_temp_path {folder}/temp/fastcgi;
    uwsgi_temp_path {folder}/temp/uwsgi;
    scgi_temp_path {folder}/temp/scgi;
    include sites/prolo.conf;
}}
"""


class Nginx:
    def __init__(self, folder, *, app_server, media_root):
        self.folder = Path(folder)
        self.http_port, self.https_port = free_port(), free_port()
        (self.folder / "temp").mkdir(parents=True)
        (self.folder / "conf" / "sites").mkdir(parents=True)
        (self.folder / "conf" / "snippets").mkdir()
        shutil.copy(DEPLOY_NGINX / "prolo-security-headers.conf", self.folder / "conf" / "snippets")
        self.certificate = self.folder / "cert.pem"
        key = self.folder / "key.pem"
        subprocess.run(
            [
                *(OPENSSL, "req", "-x509", "-nodes", "-days", "2", "-subj", f"/CN={SERVER_NAME}"),
                *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
                *("-keyout", key, "-out", self.certificate),
                *("-addext", f"subjectAltName=DNS:{SERVER_NAME},IP:127.0.0.1"),
            ],
            check=True,
            capture_output=True,
        )
        (self.folder / "conf" / "sites" / "prolo.conf").write_text(
            site_file(
                http_port=self.http_port,
                https_port=self.https_port,
                app_server=app_server,
                certificate=self.certificate,
                key=key,
                media_root=media_root,
            )
        )
        (self.folder / "conf" / "nginx.conf").write_text(main_config(self.folder))
        self.command = [NGINX, "-p", f"{self.folder}/", "-c", f"{self.folder}/conf/nginx.conf"]
        self.process = None

    def start(self, timeout=30):
        checked = subprocess.run([*self.command, "-t", "-q"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.log = open(self.folder / "nginx.out", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command, stdout=self.log, stderr=self.log, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "nginx.out").read_text()
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()

    def tls_context(self):
        context = ssl.create_default_context(cafile=str(self.certificate))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def tls_socket(self, timeout=10):
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=timeout)
        return self.tls_context().wrap_socket(raw, server_hostname=SERVER_NAME)


def http_exchange(sock, request):
    """Send raw bytes, read to the end of the answer: (status, headers dict (lower-case), body)."""
    sock.sendall(request)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers, body


def get(sock, path, extra_headers=""):
    return http_exchange(
        sock,
        f"GET {path} HTTP/1.1\r\nHost: {SERVER_NAME}\r\n{extra_headers}Connection: close\r\n\r\n".encode(),
    )


@pytest.fixture(scope="module")
def front_end(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx-site")
    media_root = folder / "media"
    (media_root / "articles").mkdir(parents=True)
    (media_root / "articles" / "knee.txt").write_text("an uploaded file\n")
    env = sqlite_site(
        folder,
        DJANGO_ALLOWED_HOSTS=f"{SERVER_NAME},127.0.0.1",
        DJANGO_TRUSTED_PROXIES="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="true",
        DJANGO_SECURE_COOKIES="true",
        DJANGO_SITE_URL=f"https://{SERVER_NAME}",
        DJANGO_MEDIA_ROOT=media_root,
    )
    access_log = folder / "gunicorn-access.log"
    gunicorn = Gunicorn(
        env,
        workers=2,
        log_path=folder / "gunicorn.log",
        # What Django received from nginx, one line per request (a test log in a temporary folder).
        extra_args=[
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(m)s|%(U)s|%({x-forwarded-for}i)s|%({x-forwarded-proto}i)s|%({x-forwarded-host}i)s",
        ],
    )
    nginx = Nginx(folder / "nginx", app_server=f"127.0.0.1:{gunicorn.port}", media_root=media_root)
    gunicorn.start()
    try:
        nginx.start()
        nginx.access_log = access_log
        yield nginx
    finally:
        nginx.stop()
        gunicorn.stop()


def django_saw(front_end, path, method="GET"):
    """The forwarded headers gunicorn logged for each request to `path`, once a request
    sent after them has been logged too (a worker logs just after it answers)."""
    marker = f"/logged-{uuid.uuid4().hex}/"
    get(front_end.tls_socket(), marker)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = [line.split("|") for line in front_end.access_log.read_text().splitlines()]
        if ["GET", marker] in (line[:2] for line in lines):
            return [line[2:] for line in lines if line[:2] == [method, path]]
        time.sleep(0.05)
    raise AssertionError("gunicorn never logged the marker request")


def test_the_access_log_never_keeps_what_patients_search_for():
    """Search is a GET with ?q=: nginx's default log line ($request) would keep it."""
    config = (DEPLOY_NGINX / "prolo.conf").read_text()
    formats = re.findall(r"log_format\s+(\w+)\s+((?:'[^']*'\s*)+);", config)
    assert [name for name, _ in formats] == ["prolo_without_query"]
    assert not re.search(r"\$(request|request_uri|args|query_string|arg_\w+)\b", formats[0][1])
    servers = config.count("server {")
    assert len(re.findall(r"^\s*access_log \S+ prolo_without_query;", config, re.M)) == servers


def test_tls_works_with_the_sites_certificate(front_end):
    sock = front_end.tls_socket()
    version = sock.version()

    status, headers, body = get(sock, "/")

    assert version in {"TLSv1.2", "TLSv1.3"}
    assert status == 200
    assert b"prolotherapy" in body.lower()
    assert headers["server"] == ["nginx"]  # no version number
    # Django believed nginx's X-Forwarded-Proto: HSTS, and no redirect loop.
    assert headers["strict-transport-security"][0].startswith("max-age=31536000")


def test_plain_http_is_redirected_to_https(front_end):
    sock = socket.create_connection(("127.0.0.1", front_end.http_port), timeout=10)

    status, headers, _ = get(sock, "/articles/?topic=knee")

    assert status == 301
    assert headers["location"] == [f"https://{SERVER_NAME}/articles/?topic=knee"]
    assert django_saw(front_end, "/articles/") == []  # nginx answered alone


def test_forwarded_headers_are_set_once_by_nginx_not_taken_from_the_client(front_end):
    forged = (
        "X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: http\r\n"
        "X-Forwarded-Host: evil.example\r\nX-Forwarded-Ssl: off\r\n"
    )

    status, _, _ = get(front_end.tls_socket(), "/robots.txt", forged)

    assert status == 200
    # One address, the one nginx saw; the client's entry is gone, not appended to.
    assert django_saw(front_end, "/robots.txt") == [["127.0.0.1", "https", "-"]]


def test_the_secure_cookies_are_set_through_the_proxy(front_end):
    status, headers, _ = get(front_end.tls_socket(), "/appointments/request/")

    assert status == 200
    assert any(
        cookie.startswith("__Host-csrftoken=") and "Secure" in cookie for cookie in headers["set-cookie"]
    )


def waiting_for_an_answer(sock):
    """Connected, and nothing answered yet (TLS housekeeping such as session tickets aside)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return True
    sock.setblocking(False)
    try:
        sock.recv(1024)  # an answer (nginx gave up on it), or b"": closed
        return False
    except ssl.SSLWantReadError:
        return True  # only a session ticket arrived
    finally:
        sock.setblocking(True)


def test_slow_clients_do_not_delay_a_normal_visitor(front_end):
    """200 clients each send the start of a request (half of them the whole headers)
    and then a byte at a time, never finishing; gunicorn has 2 sync workers. Straight to gunicorn, two such clients
    would hold both workers until its 30 s timeout and the visitor would wait (ten of
    them take the site down); nginx reads whole requests first, so gunicorn never
    sees the slow ones and the visitor is served at once."""
    slow = []
    try:
        for number in range(SLOW_CLIENTS):
            sock = front_end.tls_socket()
            start = f"POST /appointments/request/ HTTP/1.1\r\nHost: {SERVER_NAME}\r\n"
            if number % 2:  # half finish their headers and then trickle the body
                start += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
            sock.sendall(start.encode())
            slow.append(sock)
        for byte in b"X-Slow":  # a few more bytes each, one at a time
            for sock in slow:
                sock.sendall(bytes([byte]))

        started = time.monotonic()
        status, _, body = get(front_end.tls_socket(timeout=5), "/appointments/request/")
        elapsed = time.monotonic() - started

        # None of the slow clients has been answered or dropped: they are still connected.
        still_connected = sum(waiting_for_an_answer(sock) for sock in slow)
    finally:
        for sock in slow:
            sock.close()

    assert status == 200 and b"Request an appointment" in body
    assert elapsed < 5  # generous: it takes some 20 ms when the machine is idle
    assert still_connected == SLOW_CLIENTS


def test_an_oversize_upload_is_refused_by_nginx(front_end):
    request = (
        f"POST /appointments/request/ HTTP/1.1\r\nHost: {SERVER_NAME}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {13 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
    ).encode()

    status, headers, body = http_exchange(front_end.tls_socket(), request)

    assert status == 413
    assert b"12 MB at most" in body
    assert headers["x-content-type-options"] == ["nosniff"]
    assert django_saw(front_end, "/appointments/request/", method="POST") == []


def test_media_is_served_by_nginx_with_the_security_headers(front_end):
    status, headers, body = get(front_end.tls_socket(), "/media/articles/knee.txt")

    assert status == 200
    assert body == b"an uploaded file\n"
    assert "default-src 'none'" in headers["content-security-policy"][0]
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["cross-origin-resource-policy"] == ["same-origin"]
    assert headers["strict-transport-security"][0].startswith("max-age=31536000")
    assert django_saw(front_end, "/media/articles/knee.txt") == []  # gunicorn never saw it
