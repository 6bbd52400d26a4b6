"""Child process of the document upload: checks a whole PDF, DOCX or PPTX read on stdin and
prints one JSON verdict ``{"content_type": ...}`` or ``{"error": "..."}``. Run by
services/courses/content.py under mooc_common.infra.capped_process (memory, CPU and time
caps: a hostile PDF or zip can cost a parser a lot); it imports nothing of the platform.
"""
import io
import json
import sys
import zipfile

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MAIN_PARTS = {DOCX: ("word/document.xml", DOCX[:-len("document")] + "document.main+xml"),
              PPTX: ("ppt/presentation.xml", PPTX[:-len("presentation")] + "presentation.main+xml")}
# PDF names that run code or act by themselves when the file is opened or viewed. /OpenAction
# is checked apart: as a destination (an array: "open at page 1, fit width") it is what Word,
# LibreOffice and fpdf write into ordinary PDFs; only an action dictionary acts by itself.
ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
               "/RichMedia", "/XFA"}
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute"}


def check_pdf(content):
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        return "encrypted PDFs are not accepted"
    numbers = {(num, gen) for gen, objects in reader.xref.items() for num in objects}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    for num, gen in sorted(numbers):
        try:
            obj = reader.get_object(IndirectObject(num, gen, reader))
        except Exception:
            continue
        if isinstance(obj, DictionaryObject):  # streams too (their dictionary)
            opens = obj.get("/OpenAction")
            if opens is not None and isinstance(opens.get_object(), DictionaryObject):
                return "PDFs with JavaScript, automatic actions or embedded files are not accepted"
            if ACTIVE_KEYS.intersection(obj.keys()) or obj.get("/S") in ACTIVE_ACTIONS:
                return "PDFs with JavaScript, automatic actions or embedded files are not accepted"
    if len(reader.pages) == 0:
        return "the PDF has no pages"
    return None


def _unsafe_member(names):
    """Why one of the archive's file names is refused (a path out of the archive, a macro or
    an ActiveX control), or None."""
    for name in names:
        if name.startswith(("/", "\\")) or ".." in name.split("/") or ":" in name:
            return "the document contains a file with an unsafe path"
        lowered = name.lower()
        if lowered.endswith("vbaproject.bin") or "/activex/" in f"/{lowered}":
            return "documents with macros or ActiveX controls are not accepted"
    return None


def check_office(content):
    """(content type, None) or (None, problem)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    problem = _unsafe_member(names)
    if problem:
        return None, problem
    if "[Content_Types].xml" not in names:
        return None, "not an Office document (no [Content_Types].xml)"
    from defusedxml.ElementTree import fromstring
    types = fromstring(archive.read("[Content_Types].xml"))
    overrides = {el.get("PartName", "").lstrip("/"): el.get("ContentType", "")
                 for el in types if el.tag.endswith("Override")}
    if any("macroEnabled" in t for t in overrides.values()):
        return None, "documents with macros are not accepted"
    for content_type, (part, main_type) in MAIN_PARTS.items():
        if part in names and overrides.get(part) == main_type:
            fromstring(archive.read(part))  # well-formed, no entity tricks (defusedxml)
            return content_type, None
    return None, "neither a Word (.docx) nor a PowerPoint (.pptx) document"


def main():
    content = sys.stdin.buffer.read()
    try:
        if content.startswith(b"%PDF-"):
            problem, content_type = check_pdf(content), PDF
        elif content.startswith(b"PK\x03\x04"):
            content_type, problem = check_office(content)
        else:
            content_type, problem = None, "not a PDF, DOCX or PPTX file"
    except MemoryError:
        raise
    except Exception:
        content_type, problem = None, "the file is damaged or cannot be read"
    json.dump({"error": problem} if problem else {"content_type": content_type}, sys.stdout)


if __name__ == "__main__":
    main()
