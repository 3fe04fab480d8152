"""Response headers that Django and django-csp do not set: Permissions-Policy."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Turns off browser features no page uses (settings.PERMISSIONS_POLICY), on every
    response, so that neither a page of ours nor anything it frames can ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
