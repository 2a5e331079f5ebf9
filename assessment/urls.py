from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("assignments/<int:assignment_id>/", views.assignment_page, name="assignment"),
    path("attempts/<int:attempt_id>/", views.attempt_page, name="attempt"),
]
