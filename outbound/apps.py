from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = _("Outbound")

    def ready(self) -> None:
        from anymail.signals import tracking

        from outbound.webhooks import tracking_signal_received

        tracking.connect(tracking_signal_received, dispatch_uid="parley.outbound.tracking")
