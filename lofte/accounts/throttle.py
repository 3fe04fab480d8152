"""How often one mailbox and one client may ask for mail: one-time login links and password
resets, together.

Both forms answer the same whether or not an address is known, so the count is kept for every
address asked about, known or not; a refusal says nothing about the address either. The counts
live in the database (MailThrottle), so every server process shares them; each is a fixed
window that starts at the first request. Keys are HMACs under the secret key: the table never
holds an email or IP address. The client's address is the one the login lockout uses (axes,
with settings.TRUSTED_PROXY_COUNT).
"""

import datetime
import math

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lofte.models import MailThrottle


def _key(scope: str, value: str) -> str:
    return salted_hmac("lofte.throttle", f"{scope}:{value}", algorithm="sha256").hexdigest()


def _hit(key: str, limit: int, now: datetime.datetime) -> MailThrottle | None:
    """Counts one request against the key; the full window's row if it is refused."""
    window = datetime.timedelta(seconds=settings.MAIL_THROTTLE_WINDOW)
    row, created = MailThrottle.objects.select_for_update().get_or_create(
        key=key, defaults={"count": 1, "expires_at": now + window}
    )
    if created:
        return None
    if row.count >= limit:
        return row
    MailThrottle.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return None


def throttle_mail(request, email: str) -> int:
    """Counts a request for mail to `email` from this client. Returns 0 when it may go ahead,
    otherwise the seconds until this client or address may ask again."""
    now = timezone.now()
    client = get_client_ip_address(request) or "unknown"
    buckets = [
        (_key("client", client), settings.MAIL_THROTTLE_PER_CLIENT),
        (_key("address", email.strip().lower()), settings.MAIL_THROTTLE_PER_ADDRESS),
    ]
    with transaction.atomic():
        MailThrottle.objects.filter(expires_at__lte=now).delete()
        for key, limit in buckets:
            full = _hit(key, limit, now)
            if full is not None:
                return max(1, math.ceil((full.expires_at - now).total_seconds()))
    return 0
