"""The JSON API at ``/api/v1/`` (DESIGN.md, API): open data without a token, and for applicants
and admins with personal access tokens, over the same queries, services and policy as the pages.

Built with flask-smorest: it works with our plain Flask application factory and blueprints
(APIFlask wants its own app class), validates with marshmallow schemas and generates the OpenAPI
3.1 document from them (``/api/v1/openapi.json``; Swagger UI, served from our static files, at
``/api/v1/docs``).

Conventions every endpoint follows:

- **Errors** are RFC 9457 problem details in the caller's language (``Accept-Language``):
  ``core/errors.problem_response`` renders every error under ``/api/``; a service's
  ``DomainError`` / ``RuleViolations`` becomes a 422 whose ``errors`` list names each broken rule's
  field (``api/spec.py``).
- **Lists** take ``page`` and ``per_page`` (at most ``MAX_PER_PAGE``) and answer
  ``{"items": [...], "page", "per_page", "total", "pages"}`` (``api/paging.py``).
- **Public reads** carry an ETag and ``Cache-Control: public, max-age=…`` and answer 304 to a
  matching ``If-None-Match`` (``api/caching.py``); reads with a token are ``private``.
- **Who calls**: an API request is never authenticated by the site's session cookie (the API
  has no CSRF token); only ``Authorization: Bearer <token>`` names a user (``api/auth.py``).
- **Times** are ISO 8601 in Asia/Shanghai with the offset (``+08:00``); **money** is integer fen
  (``*_fen``) — the same numbers the database holds.
"""
