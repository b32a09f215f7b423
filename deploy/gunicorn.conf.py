"""gunicorn settings of the application server (``gunicorn -c deploy/gunicorn.conf.py``).

Every value can be changed from the environment. Several servers may run
behind one load balancer and one PostgreSQL: sessions, lockouts, audit and
import jobs live in the database, static files are served by WhiteNoise from
each server's own collected copy, and uploads go to MEDIA_ROOT (a shared
mount) or the storage MEDIA_STORAGE names.
"""

import multiprocessing
import os

wsgi_app = "tieshagai.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# One thread per worker (gunicorn's sync worker): the pages are CPU-bound
# Python, so a second thread only shares the worker's GIL, and a threaded
# worker keeps its keep-alive connections to itself, so the clients of a
# worker busy with a slow page wait while other workers idle. Sync workers
# take each request from the shared socket: the next free worker answers it.
# The reverse proxy in front keeps the clients' connections alive.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A ledger of up to LEDGER_SYNC_ROWS rows is previewed within the request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory of large exports is given back).
max_requests = 1000
max_requests_jitter = 100
# The reverse proxy on this host is trusted for X-Forwarded-Proto/-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# The path without the query string: a search by ID number must not land in
# a log file (%(U)s, not the request line %(r)s).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
# No control socket in the service user's home (ProtectHome in the unit).
control_socket_disable = True


# No "Server: gunicorn" header: it tells a scanner which server (and so which
# known weaknesses) to try. gunicorn has no setting for it, so the header is
# left out of the response's default headers here, before the workers fork.
def _drop_server_header():
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers

    def without_server(self):
        return [h for h in default_headers(self) if not h.lower().startswith("server:")]

    wsgi.Response.default_headers = without_server


_drop_server_header()
