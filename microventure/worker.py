"""Entry for ``celery -A microventure.worker worker`` and ``celery -A microventure.worker beat``."""

from microventure import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
