from django.conf import settings

from core.throttle import Throttle

# Per address: guessing one teammate's password. Per IP: guessing many teammates' passwords,
# with more room because a whole office may share one address.
LOGIN_BY_EMAIL = Throttle("login-email", settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW_SECONDS)
LOGIN_BY_IP = Throttle("login-ip", settings.LOGIN_FAILURE_LIMIT * 4, settings.LOGIN_FAILURE_WINDOW_SECONDS)
PASSWORD_RESET_BY_IP = Throttle("password-reset-ip", 5, 60 * 60)
PASSWORD_RESET_BY_EMAIL = Throttle("password-reset-email", 3, 60 * 60)
