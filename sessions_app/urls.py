"""Routes of this app (pages and API, full paths); included from jobelix/urls.py."""
urlpatterns = []
