"""WSGI entry: ``flask --app wsgi …`` and ``gunicorn wsgi:app``."""

from microventure import create_app

app = create_app()
