"""The WSGI application `cchc bench --load` serves with gunicorn: the site as in
production plus the hello-world view (`cchc.ops.bench_urls`), so that hello-world is
measured through the same server, workers and middleware as the pages. Static file names
are looked up without a collectstatic manifest, as in the in-process measurement: the
bench times pages, not static files."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchc.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

settings.ROOT_URLCONF = "cchc.ops.bench_urls"
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
application = get_wsgi_application()
