"""The sponsor portal's pages: the sponsor's (a token, no account) and the organiser's."""

app_name = "portal"

urlpatterns: list = []
