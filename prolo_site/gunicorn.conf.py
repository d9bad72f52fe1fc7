"""gunicorn settings shared by `make run`, the benchmarks and production.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS;
WEB_CONCURRENCY sets the number of workers (gunicorn reads it itself).
"""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Workers fork from a master that has already imported Django, so a new or
# recycled worker serves at once instead of stalling requests while it imports.
preload_app = True
# Recycle workers now and then so a slow leak can never take the site down.
max_requests = 20000
max_requests_jitter = 2000
# Only one gunicorn may own the control socket; more than one run side by side here.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The access log records method, path and status; never query strings or bodies.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# gunicorn believes X-Forwarded-Proto only from the proxies Django trusts (none by default).
forwarded_allow_ips = os.environ.get("DJANGO_TRUSTED_PROXIES", "")


def when_ready(server):
    """Runs in the master once the preloaded app is imported, before any worker forks:
    everything imported so far lives as long as the process, so the garbage collector
    stops scanning it (gc.freeze). A full collection then takes a few milliseconds
    instead of about a hundred, wherever it happens to fall (inside the form POST's
    write lock, say), and the workers share those memory pages with the master."""
    gc.collect()
    gc.freeze()
