"""The public surface of `core` for other apps. Other apps import only this module."""

from . import asyncdb, audit, permissions, ratelimit
from .batching import Batcher
from .http import unreadable_json_message, xlsx_response
from .middleware import client_ip
from .models import (
    Enrolment,
    Gender,
    Membership,
    Organisation,
    OrgKind,
    Role,
    SchoolClass,
    SchoolLevel,
    SchoolYear,
    Semester,
    Subject,
    SubjectGrade,
    TeachingAssignment,
    User,
    regular_score_count,
)
from .notifications import notify_user
from .privacy import record_personal_data_view, record_personal_data_views
from .services import (
    create_class,
    create_organisation,
    create_school_year,
    create_user,
    current_school_year,
    enrol_student,
    grant_role,
    revoke_role,
)
from .spreadsheets import safe_cell, safe_row, workbook_bytes
from .uploads import check_upload, image_kind, upload_kind
from .vietnamese import fold, name_sort_key, strip_diacritics
from .ziplimits import zip_problem

__all__ = [
    "Batcher",
    "Enrolment",
    "Gender",
    "Membership",
    "OrgKind",
    "Organisation",
    "Role",
    "SchoolClass",
    "SchoolLevel",
    "SchoolYear",
    "Semester",
    "Subject",
    "SubjectGrade",
    "TeachingAssignment",
    "User",
    "asyncdb",
    "audit",
    "check_upload",
    "client_ip",
    "create_class",
    "create_organisation",
    "create_school_year",
    "create_user",
    "current_school_year",
    "enrol_student",
    "fold",
    "grant_role",
    "image_kind",
    "name_sort_key",
    "notify_user",
    "permissions",
    "ratelimit",
    "record_personal_data_view",
    "record_personal_data_views",
    "regular_score_count",
    "revoke_role",
    "safe_cell",
    "safe_row",
    "strip_diacritics",
    "unreadable_json_message",
    "upload_kind",
    "workbook_bytes",
    "xlsx_response",
    "zip_problem",
]
