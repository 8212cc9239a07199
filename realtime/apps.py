from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        # Every app's events.py registers its event types: publish() checks against the whole catalogue.
        from realtime import catalogue

        catalogue.load_all()
