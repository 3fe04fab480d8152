"""The partners' reporting portal, under /rapportering/."""

app_name = "portal"

urlpatterns: list = []
