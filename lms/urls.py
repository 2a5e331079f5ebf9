from django.urls import path

from . import views, views_authoring, views_use_content

app_name = "lms"

urlpatterns = [
    path("courses/new/", views_authoring.course_new, name="course_new"),
    path("courses/<int:course_id>/edit/", views_authoring.course_edit, name="course_edit"),
    path("courses/<int:course_id>/modules/", views_authoring.module_add, name="module_add"),
    path("courses/<int:course_id>/lessons/", views_authoring.lesson_add, name="lesson_add"),
    path("courses/<int:course_id>/activities/", views_authoring.activity_add, name="activity_add"),
    path(
        "activities/<int:activity_id>/move/<str:direction>/",
        views_authoring.activity_move,
        name="activity_move",
    ),
    path("activities/<int:activity_id>/edit/", views_authoring.activity_edit, name="activity_edit"),
    path(
        "activities/<int:activity_id>/delete/",
        views_authoring.activity_delete,
        name="activity_delete",
    ),
    path(
        "activities/<int:activity_id>/restore/",
        views_authoring.activity_restore,
        name="activity_restore",
    ),
    path(
        "modules/<int:module_id>/move/<str:direction>/",
        views_authoring.module_move,
        name="module_move",
    ),
    path(
        "activities/<int:activity_id>/questions/",
        views_authoring.quiz_question_add,
        name="quiz_question_add",
    ),
    path(
        "activities/<int:activity_id>/import-results/",
        views_authoring.activity_import_results,
        name="import_results",
    ),
    path(
        "activities/<int:activity_id>/submissions/",
        views_authoring.submissions,
        name="submissions",
    ),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("courses/<int:course_id>/dashboard/", views.course_dashboard, name="dashboard"),
    path("courses/<int:course_id>/progress.<str:fmt>", views.course_export, name="export"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("lessons/<int:lesson_id>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:lesson_id>/readiness/", views.lesson_readiness, name="readiness"),
    path("lessons/<int:lesson_id>/readiness.csv", views.lesson_readiness_csv, name="readiness_csv"),
    path("grade-books/<int:book_id>/", views.grade_book_detail, name="grade_book"),
    path(
        "grade-books/<int:book_id>/<str:action>/",
        views.grade_book_action,
        name="grade_book_action",
    ),
    path("content/<int:page_id>/use/", views_use_content.use_content, name="use_content"),
    path("pd/", views.pd_overview, name="pd"),
    path("pd/<int:course_id>/enrol/", views.pd_enrol, name="pd_enrol"),
    path(
        "certificates/<uuid:certificate_id>/", views.certificate_verify, name="certificate_verify"
    ),
    path("certificates/<uuid:certificate_id>/pdf", views.certificate_pdf, name="certificate_pdf"),
]
