from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("classes/<int:class_id>/", views.class_detail, name="class_detail"),
    path("schools/<int:school_id>/roster/", views.roster_upload, name="roster_upload"),
    path(
        "schools/<int:school_id>/roster/<int:import_id>/",
        views.roster_preview,
        name="roster_preview",
    ),
    path("me/personal-data.json", views.personal_data, name="personal_data"),
    path("me/notify-test/", views.notify_test, name="notify_test"),
]
