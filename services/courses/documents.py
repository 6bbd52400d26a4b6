"""Uploaded lesson documents: stored in chunks, typed by their bytes, counted against quota.

An upload is started with its declared size (refused at once above the size limit or the
owner tenant's storage quota, whose bytes are then reserved), receives its chunks in order,
and is finished once every byte arrived and the bytes are a PDF, DOCX or PPTX whose file
name agrees. A refused upload is deleted and its reservation released.
"""
from mooc_common.contracts.errors import Conflict, QuotaExceeded, ValidationFailed

from . import content


def start(store, course, data, quota_bytes):
    if data["size"] > content.MAX_DOCUMENT_BYTES:
        raise ValidationFailed(f"A document may have at most {content.MAX_DOCUMENT_BYTES} bytes.",
                               {"size": [f"at most {content.MAX_DOCUMENT_BYTES} bytes"]})
    tenant_id = course["owner_tenant_id"]
    if tenant_id is not None:  # national courses are the operator's, outside tenant quotas
        used, reserved = store.reserve_storage(tenant_id, data["size"], quota_bytes)
        if not reserved:
            raise QuotaExceeded(
                f"The storage quota of {quota_bytes} bytes would be exceeded "
                f"({used} bytes used, {data['size']} more requested).",
                {"size": [f"{max(quota_bytes - used, 0)} bytes left"]})
    return store.insert_document({"course_id": course["_id"], "tenant_id": tenant_id,
                                  "filename": data["filename"], "size": data["size"],
                                  "content_type": None})


def _refuse(store, document, message, errors):
    store.delete_document(document["_id"])
    if document["tenant_id"] is not None:
        store.release_storage(document["tenant_id"], document["size"])
    raise ValidationFailed(message, errors)


def put_chunk(store, document, index, data):
    with store.changing_document(document["_id"]) as document:
        if document["state"] != "uploading":
            raise Conflict("The document is complete.", {"state": [document["state"]]})
        if index != document.get("chunks", 0):
            raise Conflict(f"Expected chunk {document.get('chunks', 0)}.", {"index": ["out of order"]})
        if len(data) > content.CHUNK_BYTES or document["received"] + len(data) > document["size"]:
            _refuse(store, document, "The document is larger than declared.", {"size": ["too small"]})
        if index == 0 and not data.startswith((b"%PDF-", b"PK\x03\x04")):
            _refuse(store, document, "Only PDF, DOCX and PPTX documents are accepted.",
                    {"file": ["not a PDF, DOCX or PPTX file"]})
        store.put_chunk(document["_id"], index, data)
        return store.update_document(document["_id"], {"received": document["received"] + len(data),
                                                       "chunks": index + 1})


def finish(store, document):
    with store.changing_document(document["_id"]) as document:
        if document["state"] == "ready":
            return document
        if document["received"] != document["size"]:
            _refuse(store, document, f"Received {document['received']} of {document['size']} bytes.",
                    {"size": ["incomplete upload"]})
        chunks = document["chunks"]
        head, tail = store.chunk(document["_id"], 0), store.chunk(document["_id"], chunks - 1)
        if chunks > 1:
            tail = store.chunk(document["_id"], chunks - 2)[-262144:] + tail
        content_type = content.sniff(head, tail)
        if content_type is None:
            _refuse(store, document, "Only PDF, DOCX and PPTX documents are accepted.",
                    {"file": ["not a PDF, DOCX or PPTX file"]})
        if not content.extension_matches(document["filename"], content_type):
            _refuse(store, document, "The file name does not match the file's content.",
                    {"filename": [f"expected {content.EXTENSIONS[content_type]}"]})
        whole = b"".join(store.chunk(document["_id"], i) for i in range(chunks))
        checked_type, problem = content.check_document(whole)
        if checked_type != content_type:
            _refuse(store, document, "The document is not accepted.",
                    {"file": [problem or "the content does not match its type"]})
        return store.update_document(document["_id"], {"state": "ready", "content_type": content_type})


def require_ready(store, course_id, document_ids):
    """Lessons may only reference complete documents uploaded to the same course."""
    bad = [d for d in document_ids
           if not (doc := store.get_document(d)) or doc["course_id"] != course_id or doc["state"] != "ready"]
    if bad:
        raise ValidationFailed("Unknown or incomplete documents.", {"document_id": bad})
