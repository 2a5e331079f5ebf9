"""The content repository: Wagtail pages for each kind of material, packages and their results."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, Task
from wagtail.search import index

from .packages.report import PackageKind


class Licence(models.TextChoices):
    CC_BY = "CC-BY-4.0", "CC BY 4.0"
    CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
    CC_BY_NC = "CC-BY-NC-4.0", "CC BY-NC 4.0"
    CC_BY_NC_SA = "CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"
    CC_BY_ND = "CC-BY-ND-4.0", "CC BY-ND 4.0"
    CC_BY_NC_ND = "CC-BY-NC-ND-4.0", "CC BY-NC-ND 4.0"
    CC0 = "CC0-1.0", "CC0 1.0"
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("Bảo lưu mọi quyền")


class LibraryPage(Page):
    """A library: one per school, plus the department-wide one (no school)."""

    school = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trường"),
    )

    content_panels: ClassVar[list[Any]] = [*Page.content_panels, FieldPanel("school")]
    subpage_types: ClassVar[list[str]] = [
        "content.LessonPlanPage",
        "content.ELecturePage",
        "content.PackagePage",
        "content.DocumentPage",
    ]

    class Meta:
        verbose_name = _("thư viện học liệu")


class ContentPage(Page):
    """What every material carries: its place in the 2018 curriculum, licence, school, author."""

    subject = models.ForeignKey(
        "core.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("môn học")
    )
    grade = models.PositiveSmallIntegerField(
        _("khối lớp"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    topic = models.CharField(_("chủ đề"), max_length=255, blank=True)
    lesson = models.CharField(_("bài học"), max_length=255, blank=True)
    licence = models.CharField(
        _("giấy phép"), max_length=32, choices=Licence.choices, default=Licence.CC_BY
    )
    school = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("trường"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tác giả"),
    )
    thumbnail = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ảnh đại diện"),
    )
    # Title, topic and lesson without diacritics, for Vietnamese search (core.api.fold).
    search_folded = models.TextField(editable=False, default="")

    tag_panels: ClassVar[list[Any]] = [
        FieldPanel("subject"),
        FieldPanel("grade"),
        FieldPanel("topic"),
        FieldPanel("lesson"),
        FieldPanel("licence"),
        FieldPanel("school"),
        FieldPanel("author"),
        FieldPanel("thumbnail"),
    ]
    search_fields: ClassVar[list[Any]] = [
        *Page.search_fields,
        index.SearchField("search_folded"),
        index.FilterField("subject"),
        index.FilterField("grade"),
        index.FilterField("school"),
        index.FilterField("licence"),
    ]
    parent_page_types: ClassVar[list[str]] = ["content.LibraryPage"]
    subpage_types: ClassVar[list[str]] = []
    is_creatable = False

    class Meta:
        verbose_name = _("học liệu")


class ActivityKind(models.TextChoices):
    OPENING = "opening", _("Mở đầu")
    NEW_KNOWLEDGE = "new_knowledge", _("Hình thành kiến thức mới")
    PRACTICE = "practice", _("Luyện tập")
    APPLICATION = "application", _("Vận dụng")


class ActivityBlock(blocks.StructBlock):
    """One of the four activities of Official Letter 5512, each with its four parts."""

    kind = blocks.ChoiceBlock(choices=ActivityKind.choices, label=_("hoạt động"))
    title = blocks.CharBlock(required=False, label=_("tên hoạt động"))
    aim = blocks.RichTextBlock(required=False, label=_("a) Mục tiêu"))
    content = blocks.RichTextBlock(required=False, label=_("b) Nội dung"))
    product = blocks.RichTextBlock(required=False, label=_("c) Sản phẩm"))
    organisation = blocks.RichTextBlock(required=False, label=_("d) Tổ chức thực hiện"))


class LessonPlanPage(ContentPage):
    """Kế hoạch bài dạy (Official Letter 5512/2020)."""

    objectives = StreamField(
        [
            ("knowledge", blocks.RichTextBlock(label=_("Kiến thức"))),
            ("competences", blocks.RichTextBlock(label=_("Năng lực"))),
            ("qualities", blocks.RichTextBlock(label=_("Phẩm chất"))),
        ],
        blank=True,
        verbose_name=_("I. Mục tiêu"),
    )
    equipment = RichTextField(_("II. Thiết bị dạy học và học liệu"), blank=True)
    activities = StreamField(
        [("activity", ActivityBlock())], blank=True, verbose_name=_("III. Tiến trình dạy học")
    )
    unmapped = RichTextField(
        _("phần chưa xếp được"),
        blank=True,
        help_text=_("Nội dung từ tệp Word chưa khớp mục nào; hãy chuyển vào đúng chỗ rồi xoá."),
    )

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldPanel("objectives"),
        FieldPanel("equipment"),
        FieldPanel("activities"),
        FieldPanel("unmapped"),
        *ContentPage.tag_panels,
    ]

    class Meta:
        verbose_name = _("kế hoạch bài dạy")


class ELecturePage(ContentPage):
    slides = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trình chiếu (PDF)"),
    )
    video = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("video"),
    )
    captions = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phụ đề (WebVTT)"),
    )
    body = RichTextField(_("nội dung"), blank=True)

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldPanel("slides"),
        FieldPanel("video"),
        FieldPanel("captions"),
        FieldPanel("body"),
        *ContentPage.tag_panels,
    ]

    class Meta:
        verbose_name = _("bài giảng điện tử")


class DocumentPage(ContentPage):
    """A document or digital textbook."""

    document = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tệp tài liệu"),
    )
    is_textbook = models.BooleanField(_("sách giáo khoa số"), default=False)
    description = RichTextField(_("mô tả"), blank=True)

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldPanel("document"),
        FieldPanel("is_textbook"),
        FieldPanel("description"),
        *ContentPage.tag_panels,
    ]

    class Meta:
        verbose_name = _("tài liệu / sách giáo khoa số")


class Package(models.Model):
    """An imported e-learning package, extracted under `storage_prefix` in default storage."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("loại gói"), max_length=16, choices=PackageKind.CHOICES)
    title = models.CharField(_("tiêu đề"), max_length=255)
    launch = models.CharField(_("tệp khởi chạy"), max_length=1024)
    source_name = models.CharField(_("tệp gốc"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(_("dung lượng giải nén"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("gói e-learning")
        verbose_name_plural = _("gói e-learning")

    def __str__(self) -> str:
        return self.title

    @property
    def storage_prefix(self) -> str:
        return f"packages/{self.uuid}/"


class PackageFile(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=1024)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["package", "path"], name="unique_package_file")
        ]
        ordering: ClassVar[list[str]] = ["path"]

    def __str__(self) -> str:
        return self.path

    @property
    def storage_name(self) -> str:
        return self.package.storage_prefix + self.path


class PackagePage(ContentPage):
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="+", verbose_name=_("gói")
    )
    description = RichTextField(_("mô tả"), blank=True)

    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        FieldPanel("package"),
        FieldPanel("description"),
        *ContentPage.tag_panels,
    ]

    class Meta:
        verbose_name = _("gói e-learning")


class PackageAttempt(models.Model):
    """One learner's run-time state in one package (SCORM cmi data, H5P/cmi5 results)."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="attempts")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="package_attempts"
    )
    cmi = models.JSONField(default=dict)
    completion = models.CharField(_("hoàn thành"), max_length=32, blank=True)
    success = models.CharField(_("kết quả"), max_length=32, blank=True)
    score_raw = models.FloatField(_("điểm"), null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    suspend_data = models.TextField(blank=True)
    location = models.CharField(max_length=1000, blank=True)
    session_time = models.CharField(max_length=64, blank=True)
    total_seconds = models.FloatField(default=0)
    # cmi5: the course registration, one per learner and package, set at the first launch.
    registration = models.UUIDField(null=True, blank=True, editable=False)
    # The LMS activities (ids; content does not know the LMS) the learner launched this
    # package from: each is told when the package is completed (lms.tasks).
    lms_activities = models.JSONField(default=list, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["package", "learner"], name="one_attempt_per_learner")
        ]

    def __str__(self) -> str:
        return f"{self.learner} — {self.package}"


class XapiStatement(models.Model):
    """A validated xAPI statement received from a cmi5 AU or an H5P activity."""

    id = models.UUIDField(primary_key=True)
    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="statements", null=True, blank=True
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_statements"
    )
    verb = models.CharField(max_length=255)
    statement = models.JSONField()
    stored = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["stored"]

    def __str__(self) -> str:
        return f"{self.learner} {self.verb}"


class Cmi5Session(models.Model):
    """One launch of a cmi5 AU: its one-time auth token and where it is in the cmi5 sequence.

    launched → initialized → (completed / passed / failed)* → terminated, or abandoned when
    the learner launches again without the AU having terminated.
    """

    attempt = models.ForeignKey(
        PackageAttempt, on_delete=models.CASCADE, related_name="cmi5_sessions"
    )
    au_id = models.CharField(max_length=1024)
    session_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    launch_mode = models.CharField(max_length=16, default="Normal")
    # SHA-256 of the token handed out by the fetch URL (only once); empty until fetched.
    token_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    launched_at = models.DateTimeField(default=timezone.now)
    initialized_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    passed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["launched_at", "pk"]

    def __str__(self) -> str:
        return f"{self.attempt} {self.au_id} {self.session_id}"


class XapiDocument(models.Model):
    """An xAPI document (activity state or agent profile) of one learner, e.g. LMS.LaunchData."""

    class Kind(models.TextChoices):
        STATE = "state", "activities/state"
        AGENT_PROFILE = "agent_profile", "agents/profile"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_documents"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    activity_id = models.CharField(max_length=1024, blank=True)
    registration = models.CharField(max_length=36, blank=True)
    document_id = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/json")
    content = models.BinaryField()
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["learner", "kind", "activity_id", "registration", "document_id"],
                name="unique_xapi_document",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id}"


class ClassUse(models.Model):
    """A teacher put a published item into one of their classes ("dùng cho lớp của tôi")."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey("core.SchoolClass", on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["page", "school_class"], name="unique_class_use")
        ]

    def __str__(self) -> str:
        return f"{self.page} → {self.school_class}"


class SlidesPdf(models.Model):
    """The PDF made from a PPTX slide deck (LibreOffice, when installed) for the preview."""

    class Status(models.TextChoices):
        PENDING = "pending", _("đang chuyển")
        READY = "ready", _("đã có bản PDF")
        UNAVAILABLE = "unavailable", _("máy chủ chưa có LibreOffice")
        FAILED = "failed", _("không chuyển được")

    source = models.OneToOneField(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="+"
    )
    source_sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(upload_to="slides/", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    problem = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.source_id}: {self.status}"


class SubjectHeadReviewTask(Task):
    """Approval by the head of the material's subject at its school (or above); never the author."""

    class Meta:
        verbose_name = _("tổ trưởng chuyên môn duyệt")

    def user_can_access_editor(self, obj: Any, user: Any) -> bool:
        from .review import can_review  # review rules live beside the services

        return can_review(user, obj)

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        from .review import can_review

        if not can_review(user, obj):
            return []
        return [
            ("reject", _("Yêu cầu sửa"), True),
            ("approve", _("Duyệt"), False),
            ("approve", _("Duyệt kèm nhận xét"), True),
        ]

    def get_task_states_user_can_moderate(self, user: Any, **kwargs: Any) -> Any:
        from .review import reviewable_task_states

        return reviewable_task_states(self, user)
