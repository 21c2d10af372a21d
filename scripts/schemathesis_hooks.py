"""Loaded by scripts/schemathesis: the resumable photo upload (PATCH
/api/v1/blobs/{sha256}) sends raw bytes as application/offset+octet-stream,
which schemathesis sends like application/octet-stream."""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
