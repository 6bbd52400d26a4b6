"""Lesson content checks: HTML sanitising, uploaded-file type sniffing, the whole-file check
of a finished upload (in a capped child process) and stored file names."""
import json
import re
from pathlib import Path

import nh3

from mooc_common.infra.capped_process import CappedProcessFailed, run_python
from mooc_common.infra.zip_limits import ArchiveRefused, check_zip

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


# Office documents of course material: many media files, but no zip bomb.
OFFICE_LIMITS = {"max_entries": 5_000, "max_total_bytes": 512 * 1024 ** 2, "max_ratio": 200}
CHECK_LIMITS = {"memory_bytes": 1024 ** 3, "cpu_seconds": 60, "wall_seconds": 120}


def check_document(content, limits=CHECK_LIMITS):
    """(content type, None) when the whole file is an acceptable PDF, DOCX or PPTX, else
    (None, why): PDFs without JavaScript, automatic actions or embedded files; Office files
    with the right main part, no macros, no ActiveX, no unsafe paths, no zip bomb."""
    if content.startswith(b"PK"):
        try:
            check_zip(content, **OFFICE_LIMITS)
        except ArchiveRefused as exc:
            return None, str(exc)
    try:
        out = run_python(Path(__file__).with_name("document_check_child.py"), [], content, **limits)
    except CappedProcessFailed as exc:
        return None, str(exc)
    verdict = json.loads(out)
    return verdict.get("content_type"), verdict.get("error")


_UNSAFE_IN_NAMES = re.compile(r'[<>:"|?*\x00-\x1f\x7f]+')


def safe_filename(name):
    """The stored name of an upload: its last path component, without characters that are
    unsafe in file systems and headers, without leading dots (no hidden or relative names)."""
    base = re.split(r"[/\\]", name)[-1]
    base = re.sub(r"\s+", " ", _UNSAFE_IN_NAMES.sub("_", base)).strip(" .")
    return base[:255]
