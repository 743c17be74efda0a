"""Security headers on every response, set by Flask-Talisman: the Content-Security-Policy, HSTS
in production, no MIME sniffing, no framing by other sites, the referrer kept on this site."""

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# Scripts only from our static files: no inline <script> and no on*= handler runs, so an
# injected one cannot either. Style attributes stay allowed (progress bar widths, column
# widths); <style> elements do not (the page styles live in app.css).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "style-src-elem": "'self'",
    "img-src": "'self' data:",  # Bootstrap draws its icons with data: SVGs in its CSS
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
}


def plain_http_allowed(view):
    """Exempt a view from the redirect to HTTPS (health probes ask over plain HTTP)."""
    return Talisman()(force_https=False)(view)


def init_app(app: Flask) -> None:
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:  # the client's address, scheme and host as the proxy saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # One Talisman per app: it keeps its settings on the instance, so a shared one would carry
    # the last app's settings (production's HTTPS redirect) into every other app.
    config = app.config
    app.extensions["talisman"] = Talisman(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        # Redirects to HTTPS only where the config asks (production); development and the
        # tests run over plain HTTP.
        force_https=config["FORCE_HTTPS"],
        strict_transport_security=config["HSTS"],  # sent only on HTTPS requests
        strict_transport_security_max_age=config["HSTS_MAX_AGE"],
        strict_transport_security_include_subdomains=config["HSTS_INCLUDE_SUBDOMAINS"],
        frame_options="SAMEORIGIN",
        referrer_policy="same-origin",
        # Talisman would otherwise overwrite the session cookie settings with its defaults
        # (Secure even in development, where the site is plain HTTP): keep the config's.
        session_cookie_secure=config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_http_only=config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=config["SESSION_COOKIE_SAMESITE"],
    )
