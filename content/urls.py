from django.urls import path

from . import views

app_name = "content"
urlpatterns = [
    path("play/<int:page_id>/", views.player, name="player"),
    path("run/<str:token>/", views.run, name="run"),
    path("run/<str:token>/f/<path:path>", views.run_file, name="run_file"),
    path("run/<str:token>/commit", views.commit, name="commit"),
    path("run/<str:token>/xapi/statements", views.statements, name="statements"),
]
