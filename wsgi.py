"""WSGI entry point: ``gunicorn wsgi:app``."""

from werkzeug.middleware.proxy_fix import ProxyFix

from mall import create_app

app = create_app()
hops = app.config["MALL"].proxy_hops
if hops:
    # Behind a reverse proxy: trust its X-Forwarded-For/Proto so per-address login
    # throttling sees the real client. Never enabled by default: it would let clients spoof.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
