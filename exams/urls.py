from django.urls import path

from . import views, views_candidate, views_results

app_name = "exams"

urlpatterns = [
    # Candidates
    path("thi/", views_candidate.sign_in, name="sign_in"),
    path("thi/cua-toi/", views_candidate.my_exams, name="mine"),
    path("thi/vao-phong/", views_candidate.enter, name="enter"),
    path("thi/lam-bai/", views_candidate.play, name="play"),
    path("thi/bien-nhan/", views_candidate.receipt, name="receipt"),
    path("thi/ket-qua/", views_results.result, name="result"),
    # Coordinators and proctors
    path("exams/", views.exam_list, name="list"),
    path("exams/<int:exam_id>/", views.exam_detail, name="exam"),
    path("exams/<int:exam_id>/publish/", views.publish, name="publish"),
    path("exams/<int:exam_id>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("exams/<int:exam_id>/review/", views_results.review, name="review"),
    path("exams/<int:exam_id>/item-analysis/", views_results.item_analysis, name="item_analysis"),
    path(
        "exams/<int:exam_id>/item-analysis.xlsx",
        views_results.item_analysis_xlsx,
        name="item_analysis_xlsx",
    ),
    path("exams/<int:exam_id>/import/", views_results.import_candidates, name="import"),
    path(
        "exams/<int:exam_id>/import/template.xlsx",
        views_results.import_template,
        name="import_template",
    ),
    path("exams/rooms/<int:room_id>/", views.room_console, name="console"),
    path("exams/rooms/<int:room_id>/list/", views.room_list, name="room_list"),
]
