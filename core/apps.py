from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        # Every ModelSerializer renders datetimes in the one wire format.
        from django.db import models
        from rest_framework import serializers

        from core.api import WireDateTimeField

        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = WireDateTimeField
