"""WSGI entry point, served by gunicorn (``chapterhouse serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")

application = get_wsgi_application()
