"""core/uploads.py: what a file is comes from its bytes, never from its name or declared type."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from core.uploads import (
    CSV, DOCX, PDF, PPTX, TEXT, XLSX, ZIP, UploadRefused, extension_for, prepare_upload, prepare_uploaded_file,
    safe_filename,
)

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44
PE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"


def png(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else (10, 120, 200, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def zip_of(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def refusal(data: bytes, filename: str, declared_type: str = "") -> str:
    with pytest.raises(UploadRefused) as refused:
        prepare_upload(data=data, filename=filename, declared_type=declared_type)
    return refused.value.message


class TestAccepted:
    def test_a_pdf_is_kept_as_it_came(self):
        prepared = prepare_upload(data=PDF_BYTES, filename="invoice-42.pdf", declared_type="application/pdf")
        assert prepared.content_type == PDF and prepared.data == PDF_BYTES
        assert (prepared.filename, prepared.size, prepared.width, prepared.height) == ("invoice-42.pdf", len(PDF_BYTES), None, None)
        assert not prepared.is_image

    def test_a_pdf_is_a_pdf_whatever_it_is_called_or_declared(self):
        prepared = prepare_upload(data=PDF_BYTES, filename="cat.png", declared_type="text/html")
        # The name gets the extension of what it is, so the reader's system opens it as a PDF.
        assert (prepared.content_type, prepared.filename) == (PDF, "cat.png.pdf")

    def test_csv_by_its_name_or_its_declared_type(self):
        data = "name,city\nHana,東京\n".encode()
        assert prepare_upload(data=data, filename="contacts.csv").content_type == CSV
        from_mail = prepare_upload(data=data, filename="export", declared_type="text/csv; charset=utf-8")
        assert (from_mail.content_type, from_mail.filename) == (CSV, "export.csv")

    def test_other_utf8_text_is_plain_text_and_script_names_are_defused(self):
        assert prepare_upload(data="ログ\r\n\tok\n".encode(), filename="server.log").content_type == TEXT
        batch = prepare_upload(data=b"echo hello\r\n", filename="run.bat")
        assert (batch.content_type, batch.filename) == (TEXT, "run.bat.txt")

    @pytest.mark.parametrize(("names", "content_type", "filename"), [
        (("[Content_Types].xml", "word/document.xml"), DOCX, "letter.docx"),
        (("[Content_Types].xml", "xl/workbook.xml"), XLSX, "letter.xlsx"),
        (("[Content_Types].xml", "ppt/presentation.xml"), PPTX, "letter.pptx"),
        (("notes.txt", "photos/a.jpg"), ZIP, "letter.zip"),
    ])
    def test_office_files_and_zips_are_told_apart_by_their_contents(self, names, content_type, filename):
        prepared = prepare_upload(data=zip_of(*names), filename="letter")
        assert (prepared.content_type, prepared.filename) == (content_type, filename)

    def test_a_picture_is_drawn_again_with_its_size(self):
        prepared = prepare_upload(data=png(), filename="screenshot.webp")
        assert prepared.is_image and prepared.content_type == "image/jpeg"
        assert (prepared.width, prepared.height, prepared.filename) == (64, 48, "screenshot.jpg")
        assert prepared.data.startswith(b"\xff\xd8\xff") and prepared.size == len(prepared.data)

    def test_a_big_picture_is_scaled_down(self):
        prepared = prepare_upload(data=png((3000, 1000)), filename="wide.png")
        assert (prepared.width, prepared.height) == (2048, 683)


class TestRefused:
    @pytest.mark.parametrize("data", [
        b"<!DOCTYPE html><html><body>Hi</body></html>",
        b"  <html><script>alert(1)</script>",
        b"Totals\n<script>fetch('//evil')</script>\n",
        b"<?xml version='1.0'?><note/>",
    ])
    def test_html_and_markup_even_as_txt(self, data):
        assert "markup" in refusal(data, "notes.txt", declared_type="text/plain")

    def test_svg(self):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        assert "SVG" in refusal(svg, "logo.svg", declared_type="image/svg+xml")

    def test_a_png_that_is_really_html(self):
        assert "markup" in refusal(b"<html><script>alert(document.cookie)</script></html>", "cat.png", "image/png")

    @pytest.mark.parametrize(("data", "name"), [(ELF_BYTES, "report.pdf"), (PE_BYTES, "setup.exe"),
                                                (b"#!/bin/sh\nrm -rf ~\n", "install.txt")])
    def test_programs_and_scripts(self, data, name):
        assert "Programs and scripts" in refusal(data, name, "application/pdf")

    def test_office_files_with_macros(self):
        assert "macros" in refusal(zip_of("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "a.docx")

    @pytest.mark.parametrize("data", [
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # an old .doc/.xls (OLE2, macros inside)
        b"\x1f\x8b\x08\x00" + b"\x00" * 32,  # gzip, e.g. an .svgz
        "メモ".encode("utf-16"),
        png()[:-5].replace(b"PNG", b"PNX"),
    ])
    def test_anything_unknown(self, data):
        assert "This kind of file can't be sent" in refusal(data, "file.pdf", "application/pdf")

    def test_a_broken_picture_or_zip(self):
        assert "damaged" in refusal(png()[:40], "photo.png")
        assert "damaged" in refusal(b"PK\x03\x04 not really a zip", "archive.zip")

    def test_empty(self):
        assert "empty" in refusal(b"", "a.pdf")

    def test_too_large(self, settings):
        settings.ATTACHMENT_MAX_BYTES = 1024
        assert "too large: 1.0" in refusal(PDF_BYTES + b"0" * 1024, "big.pdf")
        assert prepare_upload(data=PDF_BYTES + b"0" * (1024 - len(PDF_BYTES)), filename="fits.pdf").size == 1024

    def test_too_large_is_refused_from_the_declared_size_before_reading(self, settings):
        settings.ATTACHMENT_MAX_BYTES = 1024

        class Unreadable(SimpleUploadedFile):
            def read(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                raise AssertionError("read before the size was checked")

        upload = Unreadable("big.pdf", PDF_BYTES + b"0" * 2000, content_type="application/pdf")
        with pytest.raises(UploadRefused, match="too large"):
            prepare_uploaded_file(upload)

    def test_a_form_upload_goes_through_the_same_checks(self):
        accepted = prepare_uploaded_file(SimpleUploadedFile("q3.pdf", PDF_BYTES, content_type="image/png"))
        assert (accepted.content_type, accepted.filename) == (PDF, "q3.pdf")
        with pytest.raises(UploadRefused):
            prepare_uploaded_file(SimpleUploadedFile("page.pdf", b"<html></html>", content_type="application/pdf"))

    def test_the_reason_speaks_the_senders_language(self):
        with translation.override("ja"):
            assert refusal(ELF_BYTES, "a.pdf") == "プログラムやスクリプトは送信できません。"


class TestFilenames:
    @pytest.mark.parametrize(("given", "safe"), [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("C:\\Users\\hana\\見積書.pdf", "見積書.pdf"),
        ("report\r\nSet-Cookie: a=b.pdf", "reportSet-Cookie a=b.pdf"),  # no header injection
        ('say "hi" \'there\'.txt', "say hi there.txt"),
        ("tab\tand\x00nul\x1b.csv", "tabandnul.csv"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override that would read "exe.pdf"
        ("  ..hidden.txt. ", "hidden.txt"),
        ("..", "file"),
        ("", "file"),
        ("/\r\n\"", "file"),
    ])
    def test_names_are_made_safe(self, given, safe):
        assert safe_filename(given) == safe

    def test_long_names_are_capped_and_keep_their_extension(self):
        name = safe_filename("あ" * 300 + ".xlsx")
        assert len(name) == 120 and name.endswith("あ.xlsx")
        assert len(safe_filename("x" * 300)) == 120

    def test_the_prepared_name_is_the_safe_one(self):
        prepared = prepare_upload(data=PDF_BYTES, filename="../secret\r\n\".pdf")
        assert prepared.filename == "secret.pdf"


def test_stored_files_get_an_extension_for_their_type():
    assert [extension_for(t) for t in ("image/jpeg", "image/png", PDF, CSV, DOCX, ZIP, "application/x-unknown")] == [
        ".jpg", ".png", ".pdf", ".csv", ".docx", ".zip", ".bin"]
