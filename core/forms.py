from django import forms
from django.utils.translation import gettext_lazy as _


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh sách (CSV hoặc Excel .xlsx)"),
        help_text=_("Các cột: Mã định danh, Họ và tên, Ngày sinh, Giới tính, Lớp."),
    )
