from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: answers "ok" when the app and its database respond."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    """The front door: coordinators to admin, everyone else to the reporting portal."""
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    return redirect("portal:dashboard")
