"""Error reports to a Sentry-compatible server (Sentry, GlitchTip, …) when ``SENTRY_DSN`` is
set: unhandled errors in requests and tasks, tagged with the request id the error page shows.
sentry-sdk is an optional extra (``pip install 'microventure[sentry]'``), imported only then."""

import sys

from flask import Flask


def init_app(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    try:
        import sentry_sdk
    except ImportError:
        raise RuntimeError(
            "FLASK_SENTRY_DSN is set but sentry-sdk is not installed: "
            "pip install 'microventure[sentry]'"
        ) from None
    from microventure.ops.backup import app_version

    sentry_sdk.init(
        dsn=dsn,
        release=app_version(),
        environment=app.config.get("SENTRY_ENVIRONMENT") or app.config["ENV_NAME"],
        # sentry-sdk's default sends no personal data (user names, e-mail addresses, cookies,
        # form bodies); left as it is
        traces_sample_rate=0,
    )


def tag_request(request_id: str) -> None:
    sentry_sdk = sys.modules.get("sentry_sdk")  # loaded only when a DSN is configured
    if sentry_sdk is not None and sentry_sdk.get_client().is_active():
        sentry_sdk.set_tag("request_id", request_id)
