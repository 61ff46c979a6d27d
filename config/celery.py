import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("parley")
# Every Celery option lives in Django settings under the CELERY_ prefix
# (config/settings/components/celery.py), so one place says how work is queued.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
