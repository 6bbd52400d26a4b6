"""Lesson content checks: HTML sanitising and uploaded-file type sniffing (pure)."""
import nh3

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
CHUNK_BYTES = 4 * 1024 * 1024  # one stored chunk; also the gateway's RPC piece size

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", PPTX: ".pptx"}


def sanitise_html(html):
    """Keep formatting, drop scripts, event handlers and javascript: URLs (ammonia's allow-list)."""
    return nh3.clean(html or "", url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def sniff(head, tail):
    """The content type from the bytes themselves (never the client's header), or None.

    PDF: ``%PDF-`` magic. DOCX and PPTX are ZIP files (``PK\\x03\\x04``) told apart by the part
    names, which appear in the local headers at the start and in the central directory at the
    end of the file."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        names = head[:65536] + tail[-262144:]
        if b"word/document.xml" in names:
            return DOCX
        if b"ppt/presentation.xml" in names:
            return PPTX
    return None


def extension_matches(filename, content_type):
    return filename.lower().endswith(EXTENSIONS[content_type])
