"""Serving settings for ``gunicorn wsgi:app`` (``make run`` and production use this file).

Threaded workers, so a slow or idle client holds one thread, not a whole worker: with the
defaults, 2 processes × 16 threads serve 32 requests at once. Still put a buffering reverse
proxy (nginx) in front in production: it absorbs slow clients entirely (see README).
Every value can be set from the environment without editing this file.
"""

import os

bind = os.environ.get("MALL_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("MALL_WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("MALL_WEB_THREADS", "16"))
# A request that takes longer than this is a bug: long work belongs to `mall worker`.
timeout = int(os.environ.get("MALL_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Refuse oversized request lines and headers before they are read in full.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("MALL_ACCESS_LOG", "-")
errorlog = "-"
