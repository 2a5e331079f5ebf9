from django.urls import path

from . import views, views_rubrics, views_teacher

app_name = "assessment"

urlpatterns = [
    path("assignments/<int:assignment_id>/", views.assignment_page, name="assignment"),
    path("attempts/<int:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/result/", views.result_page, name="result"),
    # Teachers
    path("tests/", views_teacher.test_list, name="tests"),
    path("tests/<int:test_id>/", views_teacher.test_detail, name="test"),
    path("tests/<int:test_id>/parts/", views_teacher.part_add, name="part_add"),
    path("tests/<int:test_id>/bank/", views_teacher.bank_search, name="bank_search"),
    path("tests/<int:test_id>/items/", views_teacher.item_add, name="item_add"),
    path(
        "tests/<int:test_id>/items/<int:item_id>/remove/",
        views_teacher.item_remove,
        name="item_remove",
    ),
    path(
        "tests/<int:test_id>/items/<int:item_id>/correct/",
        views_teacher.correct_item,
        name="correct_item",
    ),
    path(
        "tests/<int:test_id>/items/<int:item_id>/rubric/",
        views_rubrics.item_rubric,
        name="item_rubric",
    ),
    path("tests/<int:test_id>/blueprint/", views_teacher.blueprint, name="blueprint"),
    path("tests/<int:test_id>/generate/", views_teacher.generate, name="generate"),
    path("tests/<int:test_id>/versions/", views_teacher.versions, name="versions"),
    path(
        "tests/<int:test_id>/versions/<str:code>.<str:kind>",
        views_teacher.version_file,
        name="version_file",
    ),
    path("tests/<int:test_id>/answer-sheet.pdf", views_teacher.answer_sheet, name="answer_sheet"),
    path("tests/<int:test_id>/key.xlsx", views_teacher.key_table, name="key_table"),
    path("tests/<int:test_id>/assign/", views_teacher.assign, name="assign"),
    path("classes/<int:class_id>/groups/", views_teacher.groups, name="groups"),
    path("assignments/<int:assignment_id>/grading/", views_teacher.grading_page, name="grading"),
    path(
        "assignments/<int:assignment_id>/answers/<int:answer_id>/grade/",
        views_teacher.grade_answer,
        name="grade_answer",
    ),
    path("assignments/<int:assignment_id>/results/", views_teacher.results, name="results"),
    path(
        "assignments/<int:assignment_id>/results.xlsx",
        views_teacher.results_export,
        name="results_export",
    ),
    path(
        "assignments/<int:assignment_id>/items/",
        views_teacher.item_analysis_page,
        name="item_analysis",
    ),
    path(
        "assignments/<int:assignment_id>/items/publish/",
        views_teacher.publish_statistics,
        name="publish_statistics",
    ),
]
