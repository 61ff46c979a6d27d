from config.env import env, env_bool, env_int

# Any anymail backend (e.g. anymail.backends.postmark.EmailBackend) or Django's SMTP backend
# is chosen by EMAIL_BACKEND; provider credentials go into ANYMAIL as JSON-free env vars.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", "")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Parley <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

ANYMAIL = {
    key: value
    for key, value in {
        "MAILGUN_API_KEY": env("MAILGUN_API_KEY"),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY"),
        "POSTMARK_SERVER_TOKEN": env("POSTMARK_SERVER_TOKEN"),
        "SENDGRID_API_KEY": env("SENDGRID_API_KEY"),
        "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET"),
    }.items()
    if value
}

# Email conversations (inbox/reply_emails.py, inbox/inbound_email.py). Each workspace
# receives mail at <app_id>@INBOUND_EMAIL_DOMAIN (an MX pointed at your provider's inbound
# route, which posts to /anymail/<provider>/inbound/); empty turns email-in off.
INBOUND_EMAIL_DOMAIN = env("INBOUND_EMAIL_DOMAIN", "").strip().lower()
# A teammate reply the customer has not read this many seconds later is emailed to them.
INBOX_REPLY_EMAIL_DELAY_SECONDS = env_int("INBOX_REPLY_EMAIL_DELAY_SECONDS", 120)
# Inbound mail past these limits is quarantined (kept as a receipt with its reason).
INBOUND_EMAIL_MAX_BYTES = env_int("INBOUND_EMAIL_MAX_BYTES", 10 * 1024 * 1024)
INBOUND_EMAIL_MAX_ATTACHMENTS = env_int("INBOUND_EMAIL_MAX_ATTACHMENTS", 20)
INBOUND_EMAIL_MAX_TEXT = 20_000

# Outbound sends (outbound/sending.py): how long a worker holds a claimed batch before the
# sweep may hand it to another (renewed while it sends; keep it well above EMAIL_TIMEOUT),
# and the first wait after a transient failure (doubling with each attempt).
OUTBOUND_SEND_LEASE_SECONDS = env_int("OUTBOUND_SEND_LEASE_SECONDS", 300)
OUTBOUND_RETRY_BASE_SECONDS = env_int("OUTBOUND_RETRY_BASE_SECONDS", 60)
