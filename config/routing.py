from django.urls import path

from core.consumers import NotificationConsumer
from exams.consumers import ExamOverview, RoomConsole

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/exams/rooms/<int:room_id>/", RoomConsole.as_asgi()),
    path("ws/exams/<int:exam_id>/", ExamOverview.as_asgi()),
]
