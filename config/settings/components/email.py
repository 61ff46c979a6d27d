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
