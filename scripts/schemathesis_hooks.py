"""Loaded by scripts/schemathesis: the resumable photo upload (PATCH
/api/v1/blobs/{sha256}) sends raw bytes as application/offset+octet-stream,
which schemathesis sends like application/octet-stream; the assessment's
rubric (PUT /api/v1/assessment/rubric, POST /api/v1/assessment/preview) is
TOML text, sent like text/plain."""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
schemathesis.serializer.alias("application/toml", "text/plain")
