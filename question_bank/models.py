"""Items, their immutable versions, shared stimuli, the curriculum topic tree and statistics."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .interchange import ItemContent, ItemType


class ItemTypeChoice(models.TextChoices):
    SINGLE_CHOICE = ItemType.SINGLE_CHOICE.value, _("Trắc nghiệm nhiều lựa chọn")
    MULTIPLE_RESPONSE = ItemType.MULTIPLE_RESPONSE.value, _("Nhiều đáp án đúng")
    TRUE_FALSE_CLUSTER = ItemType.TRUE_FALSE_CLUSTER.value, _("Đúng/Sai (chùm 4 ý)")
    SHORT_NUMERIC = ItemType.SHORT_NUMERIC.value, _("Trả lời ngắn (số)")
    SHORT_TEXT = ItemType.SHORT_TEXT.value, _("Điền từ")
    ESSAY = ItemType.ESSAY.value, _("Tự luận")
    MATCHING = ItemType.MATCHING.value, _("Ghép đôi")
    ORDERING = ItemType.ORDERING.value, _("Sắp xếp thứ tự")
    CLOZE = ItemType.CLOZE.value, _("Điền khuyết nhiều chỗ trống")


class Level(models.TextChoices):
    """Cognitive levels. The 3-level scheme uses the first three; the 4-level scheme all four
    (labelled Nhận biết / Thông hiểu / Vận dụng / Vận dụng cao)."""

    BIET = "biet", _("Biết")
    HIEU = "hieu", _("Hiểu")
    VAN_DUNG = "van_dung", _("Vận dụng")
    VAN_DUNG_CAO = "van_dung_cao", _("Vận dụng cao")


class LevelScheme(models.TextChoices):
    THREE = "3", _("3 mức (Biết/Hiểu/Vận dụng)")
    FOUR = "4", _("4 mức (Nhận biết/Thông hiểu/Vận dụng/Vận dụng cao)")


FOUR_LEVEL_LABELS = {
    Level.BIET: _("Nhận biết"),
    Level.HIEU: _("Thông hiểu"),
    Level.VAN_DUNG: _("Vận dụng"),
    Level.VAN_DUNG_CAO: _("Vận dụng cao"),
}


class Status(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Chờ duyệt")
    REJECTED = "rejected", _("Bị trả lại")
    APPROVED = "approved", _("Đã duyệt")
    PUBLISHED = "published", _("Đã xuất bản")
    RETIRED = "retired", _("Ngừng sử dụng")


class Scope(models.TextChoices):
    PRIVATE = "private", _("Cá nhân")
    SCHOOL = "school", _("Trường")
    DEPARTMENT = "department", _("Toàn Sở")


class Topic(models.Model):
    """A node of the GDPT 2018 curriculum tree (chủ đề / bài) for one subject; admins edit it."""

    subject = models.ForeignKey("core.Subject", on_delete=models.CASCADE, related_name="+")
    grade = models.PositiveSmallIntegerField(_("khối"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("mã"), max_length=64, blank=True)
    title = models.CharField(_("tên chủ đề/bài"), max_length=255)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("chủ đề chương trình")
        verbose_name_plural = _("chủ đề chương trình")
        ordering: ClassVar[list[str]] = ["subject", "grade", "order", "title"]

    def __str__(self) -> str:
        return self.title


class Stimulus(models.Model):
    """A shared passage or figure several items hang off; they stay together in tests."""

    title = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    html = models.TextField(_("nội dung"))
    subject = models.ForeignKey(
        "core.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ngữ liệu dùng chung")
        verbose_name_plural = _("ngữ liệu dùng chung")

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class StimulusVersion(models.Model):
    """One immutable state of a shared stimulus. An edit adds a version (the `Stimulus` row
    keeps the current title and text for the pages that show it); earlier ones stay as they
    were, like item versions."""

    stimulus = models.ForeignKey(Stimulus, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    title = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    html = models.TextField(_("nội dung"))
    content_hash = models.CharField(max_length=64, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("phiên bản ngữ liệu")
        verbose_name_plural = _("phiên bản ngữ liệu")
        ordering: ClassVar[list[str]] = ["stimulus", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["stimulus", "number"], name="unique_stimulus_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stimulus} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("Phiên bản ngữ liệu không được sửa; hãy tạo phiên bản mới."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("Phiên bản ngữ liệu không được xoá."))


class Item(models.Model):
    """A question. Its content lives in immutable versions; `current_version` is the latest."""

    bank = models.CharField(_("ngân hàng"), max_length=100, blank=True, db_index=True)
    type = models.CharField(_("dạng câu hỏi"), max_length=32, choices=ItemTypeChoice.choices)
    subject = models.ForeignKey(
        "core.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grade = models.PositiveSmallIntegerField(_("khối"), null=True, blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    level = models.CharField(
        _("mức độ nhận thức"), max_length=16, choices=Level.choices, blank=True
    )
    level_scheme = models.CharField(
        _("thang mức độ"), max_length=1, choices=LevelScheme.choices, default=LevelScheme.THREE
    )
    difficulty = models.DecimalField(
        _("độ khó"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    tags = models.JSONField(_("thẻ"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("nguồn"), max_length=255, blank=True)
    licence = models.CharField(_("giấy phép"), max_length=64, blank=True)
    scope = models.CharField(
        _("phạm vi chia sẻ"), max_length=16, choices=Scope.choices, default=Scope.PRIVATE
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    stimulus = models.ForeignKey(
        Stimulus, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    current_version = models.ForeignKey(
        "ItemVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Stem, options, solution and tags without diacritics or markup, for every search backend.
    search_text = models.TextField(default="", editable=False)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["subject", "grade", "status"]),
            models.Index(fields=["status", "scope"]),
            # Browsing a subject and grade, newest first, reads 20 index entries instead of
            # sorting the ~20,000 items of that cell (78 ms at 1M items, bench/question_bank).
            models.Index(fields=["subject", "grade", "-updated", "-id"], name="qb_item_browse"),
            models.Index(fields=["-updated", "-id"], name="qb_item_recent"),
        ]

    def __str__(self) -> str:
        return f"Câu hỏi #{self.pk}"


class ItemVersion(models.Model):
    """One immutable state of an item. Tests, attempts and statistics point at a version."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    type = models.CharField(max_length=32, choices=ItemTypeChoice.choices)
    content = models.JSONField()  # ItemContent.to_json()
    content_hash = models.CharField(max_length=64, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("phiên bản câu hỏi")
        verbose_name_plural = _("phiên bản câu hỏi")
        ordering: ClassVar[list[str]] = ["item", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_item_version_number")
        ]

    def __str__(self) -> str:
        return f"Câu hỏi #{self.item_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("Phiên bản câu hỏi không được sửa; hãy tạo phiên bản mới."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("Phiên bản câu hỏi không được xoá."))

    @property
    def item_content(self) -> ItemContent:
        return ItemContent.from_json(self.content)


class ItemAsset(models.Model):
    """A file (image, formula picture) a version's HTML cites as /question-bank/assets/<sha256>."""

    sha256 = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    mime = models.CharField(max_length=100)
    data = models.BinaryField()
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class ReviewEvent(models.Model):
    """A step of the review workflow with the reviewer's comment (shown to the author)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reviews")
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=16, choices=Status.choices)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    comment = models.TextField(_("nhận xét"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_status} → {self.to_status}"


class ItemStatistics(models.Model):
    """Classical item analysis of one version, written by the assessment engine."""

    version = models.OneToOneField(ItemVersion, on_delete=models.CASCADE, related_name="statistics")
    responses = models.PositiveIntegerField(default=0)
    facility = models.FloatField(null=True, blank=True)  # p: mean score / max score
    point_biserial = models.FloatField(null=True, blank=True)
    discrimination_27 = models.FloatField(null=True, blank=True)  # upper 27 % p - lower 27 % p
    distractors = models.JSONField(default=dict, blank=True)  # {"A": 12, "B": 40, ...}
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.version}: n={self.responses}"


class ImportJob(models.Model):
    """One upload of the import wizard: the file, its preview and, once committed, the report.
    Big files are stored by a Celery task (`tasks.run_import`) that reports progress."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Đã xem trước")
        RUNNING = "running", _("Đang nhập")
        DONE = "done", _("Đã nhập")
        FAILED = "failed", _("Lỗi")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("tên tệp"), max_length=255)
    format = models.CharField(_("định dạng"), max_length=16)
    bank = models.CharField(_("ngân hàng"), max_length=100, blank=True)
    all_or_nothing = models.BooleanField(_("tất cả hoặc không"), default=False)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PREVIEWED)
    total = models.PositiveIntegerField(default=0)  # items read from the file
    preview = models.JSONField(default=list, blank=True)  # one row per item read
    report = models.JSONField(default=dict, blank=True)  # the dry-run, then the real report
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt nhập câu hỏi")
        verbose_name_plural = _("lượt nhập câu hỏi")

    def __str__(self) -> str:
        return self.name


class FacetCount(models.Model):
    """How many items share one combination of the facet columns: the bank's facet counts
    without scanning the items. Kept exact by the services that change items (same transaction,
    see `facet_table`); `manage.py rebuild_facet_counts` recomputes it after bulk loads.

    The columns carry the item's own names so the permission filter of `visible_items` and the
    search filters apply to this table unchanged. The foreign keys have no database constraint:
    a row is a tally, not a reference that should block or cascade a delete."""

    key = models.CharField(max_length=400, unique=True)
    bank = models.CharField(max_length=100, blank=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    school = models.ForeignKey(
        "core.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    subject = models.ForeignKey(
        "core.Subject",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    grade = models.PositiveSmallIntegerField(null=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    level = models.CharField(max_length=16, blank=True)
    type = models.CharField(max_length=32)
    status = models.CharField(max_length=16)
    difficulty = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("đếm theo bộ lọc")
        verbose_name_plural = _("đếm theo bộ lọc")

    def __str__(self) -> str:
        return f"{self.key}: {self.n}"
