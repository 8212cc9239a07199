from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Bot sessions"

    def ready(self):
        from sessions_app import schema  # noqa: F401  (registers the OpenAPI extension)
