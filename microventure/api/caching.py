"""HTTP caching of the API's answers: public reads are shared caches' to keep for a minute and
carry a strong ETag of their body (304 to a matching If-None-Match); anything read with a token
is the caller's only; errors are never kept (core/errors.problem_response)."""

from flask import Response, current_app, request


def cache_headers(response: Response, *, public: bool) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        response.headers.setdefault("Cache-Control", "no-store")
        return response
    if public:
        seconds = current_app.config["API_PUBLIC_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={seconds}"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.add("Authorization")
    response.vary.add("Accept-Language")
    response.add_etag()
    return response.make_conditional(request)
