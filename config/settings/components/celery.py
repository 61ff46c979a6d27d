from config.env import env, env_bool

from .cache import REDIS_URL

# Redis is the broker wherever it is configured. The embedded demo needs no server, so it
# uses kombu's filesystem transport: worker and beat are real processes exchanging
# messages through a folder.
if REDIS_URL:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    from config.settings.base import VAR_DIR

    _queue_dir = VAR_DIR / "celery-queue"
    # kombu lists these folders on start and fails if they are missing.
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery-processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
    }

CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "default")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, so a worker killed mid-task leaves it for another;
# tasks are written to be idempotent for exactly that reason (STYLE.md 3.5).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", "")

# Outbound sends have their own queue (outbound/tasks.py), consumed by their own worker in
# production (docker-compose: worker-bulk), so a large campaign never starves interactive work.
CELERY_TASK_ROUTES = {"outbound.*": {"queue": "bulk"}}

# The periodic schedule, in one place.
CELERY_BEAT_SCHEDULE = {
    # Every five minutes (https://crontab.guru/#*/5_*_*_*_*): scheduled outbound messages whose
    # time came go live; dynamic ones find the contacts who match them since.
    "outbound.dynamic_sweep": {
        "task": "outbound.dynamic_sweep",
        "schedule": 5 * 60,
    },
    # Every two minutes (https://crontab.guru/#*/2_*_*_*_*): deliveries whose worker died
    # mid-send are handed back once their lease has run out.
    "outbound.leases_sweep": {
        "task": "outbound.leases_sweep",
        "schedule": 2 * 60,
    },
    # Every hour at minute 7 (https://crontab.guru/#7_*_*_*_*): drop expired invitations'
    # tokens so a leaked link is useless even before anyone clicks it.
    # Every hour at minute 17 (https://crontab.guru/#17_*_*_*_*): live-event rows older than a
    # day; a browser away that long refetches its screen instead of replaying.
    "core.realtime_prune": {
        "task": "core.realtime_prune",
        "schedule": 60 * 60,
    },
    # Every minute (https://crontab.guru/#*_*_*_*_*): snoozed conversations whose time has come.
    "inbox.conversations_wake": {
        "task": "inbox.conversations_wake",
        "schedule": 60,
    },
    # Every five minutes (https://crontab.guru/#*/5_*_*_*_*): reply emails whose sender died
    # mid-send, and inbound mail whose processing task was lost, are picked up again.
    "inbox.reply_emails_sweep": {
        "task": "inbox.reply_emails_sweep",
        "schedule": 5 * 60,
    },
    "inbox.inbound_emails_sweep": {
        "task": "inbox.inbound_emails_sweep",
        "schedule": 5 * 60,
    },
    # Every ten minutes (https://crontab.guru/#*/10_*_*_*_*): rebuild segments, whose rules
    # move with time ("last seen more than 30 days ago") even when no contact changes.
    "contacts.segments_sweep": {
        "task": "contacts.segments_sweep",
        "schedule": 10 * 60,
    },
    "workspaces.expire_invitations": {
        "task": "workspaces.expire_invitations",
        "schedule": 60 * 60,
    },
}
