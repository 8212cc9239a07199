from django.urls import path

from realtime.consumers import RealtimeConsumer

websocket_urlpatterns = [path("api/v1/ws", RealtimeConsumer.as_asgi())]
