"""Django's SMTP email backend with a deadline on the whole send, not only on each read."""

import contextlib
import smtplib
import socket
import threading

from django.conf import settings
from django.core.mail.backends import smtp


def _with_deadline(smtp_class):
    """An smtplib class whose connection is cut EMAIL_SEND_DEADLINE seconds after
    it was opened. EMAIL_TIMEOUT bounds each read, so a server that drips one
    byte every few seconds would otherwise hold the sender for ever."""

    class DeadlineSMTP(smtp_class):
        def _get_socket(self, host, port, timeout):
            sock = super()._get_socket(host, port, timeout)
            self._deadline_timer = threading.Timer(settings.EMAIL_SEND_DEADLINE, self._cut)
            self._deadline_timer.daemon = True
            self._deadline_timer.start()
            return sock

        def _cut(self):
            # Whatever socket is current (STARTTLS replaces it): shutting it down
            # wakes the blocked read, which then fails as a disconnection.
            sock = self.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        def close(self):
            timer = getattr(self, "_deadline_timer", None)
            if timer is not None:
                timer.cancel()
            super().close()

    DeadlineSMTP.__name__ = f"Deadline{smtp_class.__name__}"
    return DeadlineSMTP


_DEADLINE_CLASSES = {cls: _with_deadline(cls) for cls in (smtplib.SMTP, smtplib.SMTP_SSL)}


class EmailBackend(smtp.EmailBackend):
    """Each connection (opening it, sending, quitting) ends within EMAIL_SEND_DEADLINE
    seconds, or fails like any other SMTP error."""

    @property
    def connection_class(self):
        return _DEADLINE_CLASSES[super().connection_class]
