from django.urls import include, path

from . import guardian_views, oidc, privacy_views, twofactor_views, views, views_audit

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
    # Sign-in through the sector identity provider / VNeID (core/oidc.py).
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("accounts/oidc/refused/", oidc.refused, name="oidc_refused"),
    # TOTP second factor (core/twofactor.py); /accounts/2fa/ stays reachable before the code.
    path("accounts/2fa/", twofactor_views.setup, name="otp_setup"),
    path("accounts/2fa/qr.svg", twofactor_views.qr, name="otp_qr"),
    path("accounts/2fa/verify/", twofactor_views.verify, name="otp_verify"),
    path("accounts/2fa/disable/", twofactor_views.disable, name="otp_disable"),
    # Personal-data protection, Law 91/2025 (core/privacy.py).
    path("audit/", views_audit.audit_log, name="audit_log"),
    path("me/personal-data/views/", privacy_views.my_view_log, name="my_view_log"),
    path("schools/<int:school_id>/guardians/", guardian_views.guardians, name="school_guardians"),
    path(
        "schools/<int:school_id>/guardians/unlink/",
        guardian_views.guardian_unlink,
        name="school_guardian_unlink",
    ),
    path(
        "people/<int:user_id>/personal-data/views/",
        privacy_views.person_view_log,
        name="person_view_log",
    ),
    path(
        "people/<int:user_id>/personal-data.json",
        privacy_views.person_data_export,
        name="person_data_export",
    ),
    path("people/<int:user_id>/depart/", privacy_views.person_depart, name="person_depart"),
    path(
        "people/<int:user_id>/anonymise/", privacy_views.person_anonymise, name="person_anonymise"
    ),
]
