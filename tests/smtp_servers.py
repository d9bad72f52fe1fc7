"""Real SMTP servers on loopback for the suite: one that delivers, one that hangs, one that drips, one that refuses."""

import contextlib
import socket
import socketserver
import threading
import time
from email import message_from_bytes


class _Handler(socketserver.StreamRequestHandler):
    timeout = 60  # never a thread left behind for ever

    def handle(self):
        server = self.server
        with server.lock:
            server.connections += 1
        with contextlib.suppress(OSError, socket.timeout):
            getattr(self, f"_{server.behaviour}")()

    def _reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def _hang(self):
        # Accept, then never say a word: the client waits for the greeting.
        self.server.closing.wait(60)

    def _drip(self):
        # A greeting that never ends, one byte at a time: each read gets an answer
        # well within any read timeout, so only a deadline on the whole send helps.
        while not self.server.closing.is_set():
            for byte in b"220-still here\r\n":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                if self.server.closing.wait(self.server.drip_interval):
                    return

    def _deliver(self):
        self._reply("220 test.invalid ESMTP")
        recipients = []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self._reply("250 test.invalid")
            elif verb == "MAIL":
                recipients = []
                self._reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if address in self.server.refused:
                    self._reply("550 5.1.1 Mailbox unavailable")
                else:
                    recipients.append(address)
                    self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data[1:] if data.startswith(b"..") else data)
                with self.server.lock:
                    self.server.messages.append((recipients, message_from_bytes(b"".join(body))))
                self._reply("250 OK queued")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("250 OK")


class SMTPServer(socketserver.ThreadingTCPServer):
    """`behaviour`: deliver (keeps messages; refuses the addresses in `refused`),
    hang (never answers) or drip (a byte every `drip_interval` seconds)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour="deliver", *, refused=(), drip_interval=1.0, port=0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.behaviour = behaviour
        self.refused = set(refused)
        self.drip_interval = drip_interval
        self.messages = []
        self.connections = 0
        self.lock = threading.Lock()
        self.closing = threading.Event()

    @property
    def port(self):
        return self.server_address[1]

    def wait_for_messages(self, count, *, timeout=60):
        """Until `count` messages arrived (True), or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return True
            self.closing.wait(0.05)
        return False

    def __enter__(self):
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.closing.set()
        self.shutdown()
        self.server_close()
