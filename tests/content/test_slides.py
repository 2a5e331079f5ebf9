"""PPTX slides shown as PDF (LibreOffice, optional) or, without it, offered for download."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.test import TestCase
from wagtail.documents import get_document_model

from content import slides
from content.models import SlidesPdf
from content.services import request_slides_pdf

pytestmark = pytest.mark.django_db

_NS = (
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.presentationml"
_TREE = (
    '<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/>'
    "</p:nvGrpSpPr><p:grpSpPr/>{shapes}</p:spTree></p:cSld>"
)
_TEXT = (
    '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>'
    '<p:spPr><a:xfrm><a:off x="457200" y="457200"/><a:ext cx="8229600" cy="1143000"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr><p:txBody><a:bodyPr/><a:p><a:r>'
    '<a:rPr lang="vi-VN"/><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>'
)


def _pptx(text: str) -> bytes:
    """A one-slide PowerPoint deck (the parts a presentation needs, nothing more)."""

    def rels(*items: tuple[str, str, str]) -> str:
        body = "".join(
            f'<Relationship Id="{i}" Type="{_REL}/{t}" Target="{g}"/>' for i, t, g in items
        )
        return f'<Relationships xmlns="{_PKG}">{body}</Relationships>'

    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/ppt/presentation.xml" '
            f'ContentType="{_CT}.presentation.main+xml"/>'
            f'<Override PartName="/ppt/slides/slide1.xml" ContentType="{_CT}.slide+xml"/>'
            f'<Override PartName="/ppt/slideLayouts/slideLayout1.xml" '
            f'ContentType="{_CT}.slideLayout+xml"/>'
            f'<Override PartName="/ppt/slideMasters/slideMaster1.xml" '
            f'ContentType="{_CT}.slideMaster+xml"/>'
            '<Override PartName="/ppt/theme/theme1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/></Types>'
        ),
        "_rels/.rels": rels(("rId1", "officeDocument", "ppt/presentation.xml")),
        "ppt/presentation.xml": (
            f"<p:presentation {_NS}>"
            '<p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst>'
            '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst>'
            '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
            "</p:presentation>"
        ),
        "ppt/_rels/presentation.xml.rels": rels(
            ("rId1", "slideMaster", "slideMasters/slideMaster1.xml"),
            ("rId2", "slide", "slides/slide1.xml"),
            ("rId3", "theme", "theme/theme1.xml"),
        ),
        "ppt/slides/slide1.xml": f"<p:sld {_NS}>"
        + _TREE.format(shapes=_TEXT.format(text=text))
        + "</p:sld>",
        "ppt/slides/_rels/slide1.xml.rels": rels(
            ("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml")
        ),
        "ppt/slideLayouts/slideLayout1.xml": f"<p:sldLayout {_NS}>"
        + _TREE.format(shapes="")
        + "</p:sldLayout>",
        "ppt/slideLayouts/_rels/slideLayout1.xml.rels": rels(
            ("rId1", "slideMaster", "../slideMasters/slideMaster1.xml")
        ),
        "ppt/slideMasters/slideMaster1.xml": f"<p:sldMaster {_NS}>"
        + _TREE.format(shapes="")
        + '<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" '
        'accent2="accent2" accent3="accent3" accent4="accent4" accent5="accent5" '
        'accent6="accent6" hlink="hlink" folHlink="folHlink"/>'
        '<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst>'
        "</p:sldMaster>",
        "ppt/slideMasters/_rels/slideMaster1.xml.rels": rels(
            ("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
            ("rId2", "theme", "../theme/theme1.xml"),
        ),
        "ppt/theme/theme1.xml": (
            '<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="T">'
            '<a:themeElements><a:clrScheme name="C">'
            + "".join(
                f'<a:{n}><a:srgbClr val="{v}"/></a:{n}>'
                for n, v in [
                    ("dk1", "000000"),
                    ("lt1", "FFFFFF"),
                    ("dk2", "1F497D"),
                    ("lt2", "EEECE1"),
                    ("accent1", "4F81BD"),
                    ("accent2", "C0504D"),
                    ("accent3", "9BBB59"),
                    ("accent4", "8064A2"),
                    ("accent5", "4BACC6"),
                    ("accent6", "F79646"),
                    ("hlink", "0000FF"),
                    ("folHlink", "800080"),
                ]
            )
            + '</a:clrScheme><a:fontScheme name="F"><a:majorFont><a:latin typeface="Arial"/>'
            '<a:ea typeface=""/><a:cs typeface=""/></a:majorFont><a:minorFont>'
            '<a:latin typeface="Arial"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont>'
            '</a:fontScheme><a:fmtScheme name="S"><a:fillStyleLst/><a:lnStyleLst/>'
            "<a:effectStyleLst/><a:bgFillStyleLst/></a:fmtScheme></a:themeElements></a:theme>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + xml)
    return buffer.getvalue()


def _deck() -> object:
    document = get_document_model()(
        title="Hàm số bậc hai", file=ContentFile(_pptx("Hàm số bậc hai"), name="ham-so.pptx")
    )
    document._set_document_file_metadata()
    document.save()
    return document


def test_without_libreoffice_the_preview_says_so_and_offers_the_pptx(settings) -> None:
    settings.SOFFICE_PATH = "/nonexistent/soffice"  # configured, but not installed there
    assert slides.soffice() is None
    document = _deck()
    with TestCase.captureOnCommitCallbacks(execute=True) as queued:
        converted = request_slides_pdf(document)
    assert converted is not None
    assert converted.status == SlidesPdf.Status.UNAVAILABLE
    assert queued == []  # no conversion task queued
    assert not converted.pdf
    shown = slides.preview(document)
    assert (shown.state, shown.pdf_url) == ("unavailable", "")
    html = render_to_string("content/_slides_preview.html", {"slides_preview": shown})
    assert "LibreOffice" in html
    assert f'href="{document.url}" download' in html
    assert 'data-testid="slides"' not in html
    # A PDF needs no conversion: it is shown as it is.
    pdf = get_document_model().objects.create(
        title="PDF", file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="bai.pdf")
    )
    assert request_slides_pdf(pdf) is None
    assert slides.preview(pdf).state == "pdf"


@pytest.mark.skipif(
    slides.soffice() is None, reason="LibreOffice (soffice) is not installed on this machine"
)
def test_with_libreoffice_the_pptx_is_shown_as_pdf() -> None:
    document = _deck()
    with TestCase.captureOnCommitCallbacks(execute=True):
        request_slides_pdf(document)  # the Celery task runs eagerly in tests
    converted = SlidesPdf.objects.get(source=document)
    assert converted.status == SlidesPdf.Status.READY, converted.problem
    with converted.pdf.open("rb") as stream:
        assert stream.read(5) == b"%PDF-"
    shown = slides.preview(document)
    assert (shown.state, shown.pdf_url) == ("pdf", converted.pdf.url)
