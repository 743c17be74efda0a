"""Links to pages, built from their endpoints (as ``url_for`` builds them), so that a changed
route breaks loudly here rather than silently in a stored notification. Works outside a request
too (Celery workers, the CLI, reminder scans). Paths are stored without the script root; the
pages and e-mails put the site's own prefix in front."""

from flask import current_app


def path(endpoint: str, _anchor: str | None = None, **values) -> str:
    adapter = current_app.url_map.bind("localhost", script_name="/")
    built = adapter.build(endpoint, values)
    return f"{built}#{_anchor}" if _anchor else built
