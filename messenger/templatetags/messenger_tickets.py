from django import template

from messenger.models import MessengerSession

register = template.Library()


@register.simple_tag
def has_unread_tickets(session: MessengerSession) -> bool:
    """The Tickets tab's dot: a ticket this session may see changed since the customer looked."""
    from messenger.ticket_access import tickets_for_session

    return tickets_for_session(session=session).filter(unread_by_customer=True).exists()
