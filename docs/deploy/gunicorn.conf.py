"""gunicorn settings for the microventure-web unit (docs/deploy.md):
``gunicorn --config docs/deploy/gunicorn.conf.py wsgi:app``. Values come from the environment
(/etc/microventure/env) where given.

PROMETHEUS_MULTIPROC_DIR (set it in the environment, so every worker sees it when it imports
prometheus_client): the workers write their request counts there and /metrics adds them up. The
folder is emptied when gunicorn starts (counts from a previous run would be added in) and a
dead worker's live figures are dropped."""

import multiprocessing
import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Above FLASK_REQUEST_DRAIN_SECONDS (20): a refused upload's body is read to its end first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# The app writes one JSON line per request (ops/logs.py); gunicorn's own access log would repeat it.
accesslog = None
errorlog = "-"
# X-Forwarded-Proto from the proxy on this host is believed (wsgi.url_scheme); the app's
# FLASK_PROXY_FIX_HOPS does the same for the client's address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
