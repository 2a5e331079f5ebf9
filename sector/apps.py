from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SectorConfig(AppConfig):
    name = "sector"
    verbose_name = _("Kết nối CSDL ngành")
    default_auto_field = "django.db.models.BigAutoField"
