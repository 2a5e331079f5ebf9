from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Kiểm tra, đánh giá")
    default_auto_field = "django.db.models.BigAutoField"
