from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Học tập trực tuyến")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks other apps queue by name (assessment → feed_released_results), so
        # that in eager mode (tests, the embedded default) they run instead of going to a broker.
        from . import tasks  # noqa: F401
