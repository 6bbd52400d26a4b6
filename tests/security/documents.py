"""Real (and hostile) PDF, DOCX and PPTX files built in memory for the document tests."""
import io
import zipfile

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

_TYPES = ('<?xml version="1.0" encoding="UTF-8"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/{part}" ContentType="{type}"/></Types>')
DOCX_MAIN = ("word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
PPTX_MAIN = ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")


def pdf(size=2_000, javascript=False, open_action=False):
    """A one-page PDF of about ``size`` bytes (the page's content stream pads it)."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = DecodedStreamObject()
    stream.set_data(b"%" + b"0" * max(size - 700, 1) + b"\n")
    page[NameObject("/Contents")] = writer._add_object(stream)
    if javascript:  # a document-level script, as the /Names tree of the catalog holds it
        action = writer._add_object(DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}))
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    if open_action:
        action = DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                   NameObject("/URI"): TextStringObject("https://evil.example/")})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def office(main=DOCX_MAIN, extra=()):
    """A minimal DOCX (or PPTX with ``main=PPTX_MAIN``); ``extra``: (name, bytes) parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES.format(part=main[0], type=main[1]))
        archive.writestr(main[0], '<?xml version="1.0"?><document/>')
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()
