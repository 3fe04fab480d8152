"""The published follow-up documents, under /uppfoljning/."""

app_name = "document"

urlpatterns: list = []
