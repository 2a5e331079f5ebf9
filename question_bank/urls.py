from django.urls import path

from . import views

app_name = "question_bank"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:item_id>/", views.review, name="review"),
    path("assets/<str:sha256>", views.asset, name="asset"),
]
