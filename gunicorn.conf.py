"""gunicorn's settings for the web process; `gunicorn lofte.wsgi` reads this file by itself.

Environment variables (docs/settings.md): GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_TIMEOUT, GUNICORN_ACCESS_LOG, GUNICORN_FORWARDED_ALLOW_IPS.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Pages are quick and slow work runs on the queue, so a few sync workers per core suffice.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# A reverse proxy in front keeps slow clients away from the workers.
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# The reverse proxy's address, whose X-Forwarded-* headers are believed.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Recycles workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
