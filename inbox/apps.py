from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Inbox")

    def ready(self) -> None:
        from anymail.signals import inbound

        from inbox.inbound_email import inbound_signal_received

        inbound.connect(inbound_signal_received, dispatch_uid="parley.inbox.inbound_email")
