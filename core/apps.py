from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Tài khoản và đơn vị")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .append_only import register_sqlite_function

        # Database plumbing, not business logic: the audit trigger needs this on SQLite.
        connection_created.connect(register_sqlite_function, dispatch_uid="core.append_only")

        from django.contrib.auth.signals import user_logged_in

        from .twofactor import remember_requirement

        # Session plumbing: decide once, at sign-in, whether this session owes a second factor,
        # so pages do not pay for the check (core/twofactor.py).
        user_logged_in.connect(remember_requirement, dispatch_uid="core.twofactor")
