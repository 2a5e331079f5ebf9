from django.urls import path

from . import views

app_name = "provenance"

urlpatterns = [
    path("", views.verify_page, name="verify"),
    path("<str:code>/", views.item_page, name="item"),
]
