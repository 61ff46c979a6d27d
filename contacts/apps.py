from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        # Registers the segment-membership handler on the event bus (core/events.py).
        from contacts import segments  # noqa: F401
