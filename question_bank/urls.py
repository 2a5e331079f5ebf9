from django.urls import path

from . import views, views_import, views_items, views_stimuli

app_name = "question_bank"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:item_id>/", views.review, name="review"),
    path("assets/<str:sha256>", views.asset, name="asset"),
    path("assets/", views_items.image_upload, name="image_upload"),
    path("items/new/", views_items.item_new, name="item_new"),
    path("items/preview/", views_items.item_preview, name="item_preview"),
    path("items/<int:item_id>/", views_items.item_detail, name="item"),
    path("items/<int:item_id>/edit/", views_items.item_edit, name="item_edit"),
    path("items/<int:item_id>/submit/", views_items.item_submit, name="item_submit"),
    path("items/<int:item_id>/duplicates/", views_items.item_duplicates, name="item_duplicates"),
    path("stimuli/<int:stimulus_id>/edit/", views_stimuli.stimulus_edit, name="stimulus_edit"),
    path("import/", views_import.import_start, name="import_start"),
    path("import/template.<str:kind>", views_import.import_template, name="import_template"),
    path("import/<int:job_id>/", views_import.import_job, name="import_job"),
    path("import/<int:job_id>/commit/", views_import.import_commit, name="import_commit"),
    path("import/<int:job_id>/progress/", views_import.import_progress, name="import_progress"),
]
