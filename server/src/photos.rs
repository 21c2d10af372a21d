//! Photo upload and download: `HEAD|PATCH|PUT|GET /api/v1/blobs/{sha256}`
//! and `GET /api/v1/blobs/{sha256}/thumb`.
//!
//! Uploads are resumable (tus-style: HEAD tells the offset, PATCH sends the
//! rest). A photo is taken only when an accepted event in the caller's grids
//! cites it, and kept only after its bytes match the hash, read as JPEG, PNG,
//! HEIC or WebP by their first bytes, and fit the size limit. Declared image
//! dimensions are checked before anything is decoded, so a small file that
//! would inflate to gigabytes (a decompression bomb) is refused.

use std::io::Cursor;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use gridsafe_core::PhotoHash;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Thumbnails fit in this many pixels on their longer side.
pub const THUMB_PX: u32 = 320;

/// The kind of image these bytes are, by their magic numbers.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
        ]
        .iter()
        .any(|b| brand == *b)
        {
            return Some("image/heic");
        }
    }
    None
}

/// The checks of SYNC.md, in its order: hash, content, size. Returns the type.
pub fn check_photo(
    sha: &PhotoHash,
    bytes: &[u8],
    max_bytes: u64,
    max_pixels: u64,
) -> Result<&'static str, ApiError> {
    if PhotoHash::of(bytes) != *sha {
        return Err(ApiError::Invalid {
            code: "hash_mismatch".into(),
            message: format!(
                "the bytes received do not hash to {sha}; the upload was discarded, send it again"
            ),
            fields: Vec::new(),
        });
    }
    let mime = sniff(bytes).ok_or_else(|| {
        ApiError::UnsupportedMedia("only JPEG, PNG, HEIC or WebP photos are taken".into())
    })?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64, max_bytes));
    }
    if mime != "image/heic" {
        let (w, h) = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(ApiError::internal)?
            .into_dimensions()
            .map_err(|e| ApiError::UnsupportedMedia(format!("the image does not read: {e}")))?;
        if w as u64 * h as u64 > max_pixels {
            return Err(ApiError::TooLarge(format!(
                "the image declares {w}×{h} pixels, more than the {max_pixels} allowed"
            )));
        }
    }
    Ok(mime)
}

fn too_large(size: u64, max: u64) -> ApiError {
    ApiError::TooLarge(format!(
        "the photo is {size} bytes, more than the {max} allowed"
    ))
}

fn parse_sha(s: &str) -> Result<PhotoHash, ApiError> {
    s.parse()
        .map_err(|e: gridsafe_core::IdError| ApiError::BadRequest(e.to_string()))
}

/// The caller may send or see this photo: an accepted event in their grids cites it.
async fn authorise(st: &AppState, caller: &Caller, sha: &PhotoHash) -> Result<(), ApiError> {
    let catalog = st.catalog().await?;
    let s = sha.clone();
    let grids = st.blocking(move |store| store.blob_grids(&s)).await?;
    if grids.iter().any(|g| caller.scope.covers(&catalog.tree, g)) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "no accepted record in your grids cites photo {sha}; push the event that cites it first"
        )))
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| ApiError::BadRequest(format!("{name} must be a whole number")))
        })
        .transpose()
}

fn upload_headers(offset: u64, complete: bool) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("upload-offset", HeaderValue::from(offset));
    if complete {
        h.insert("upload-complete", HeaderValue::from_static("?1"));
    }
    h
}

/// Verifies and keeps a complete blob.
async fn keep(st: &AppState, sha: &PhotoHash, bytes: Bytes) -> Result<(), ApiError> {
    let (max, px) = (st.settings.max_photo_bytes, st.settings.max_image_pixels);
    let (s, blobs) = (sha.clone(), st.blobs.clone());
    let checked = tokio::task::spawn_blocking(move || -> Result<(&'static str, u64), ApiError> {
        let mime = check_photo(&s, &bytes, max, px)?;
        blobs.put(&s, &bytes).map_err(ApiError::internal)?;
        Ok((mime, bytes.len() as u64))
    })
    .await?;
    let (mime, size) = checked?;
    let s = sha.clone();
    st.blocking(move |store| store.blob_stored(&s, size, mime))
        .await
}

/// The size of a stored photo, if it is stored. A photo whose file was
/// kept but not yet listed in the database (the server stopped between the
/// two) is listed now, so the files and the database agree again and the
/// photo is not asked for as missing.
async fn stored_size(st: &AppState, sha: &PhotoHash) -> Result<Option<u64>, ApiError> {
    let (blobs, s) = (st.blobs.clone(), sha.clone());
    let Some(bytes) = tokio::task::spawn_blocking(move || blobs.get(&s))
        .await?
        .map_err(ApiError::internal)?
    else {
        return Ok(None);
    };
    let size = bytes.len() as u64;
    let mime = sniff(&bytes).unwrap_or("application/octet-stream");
    let s = sha.clone();
    st.blocking(move |store| {
        if store.blob_mime(&s)?.is_none() {
            store.blob_stored(&s, size, mime)?;
        }
        Ok(())
    })
    .await?;
    Ok(Some(size))
}

/// How much of a photo the server holds.
#[utoipa::path(head, path = "/api/v1/blobs/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lowercase hex")),
    responses((status = 200, description = "Upload-Offset and, once stored, Upload-Complete: ?1")),
    security(("bearer" = [])))]
pub async fn head(
    State(st): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response, ApiError> {
    let sha = parse_sha(&sha)?;
    authorise(&st, &caller, &sha).await?;
    if let Some(size) = stored_size(&st, &sha).await? {
        return Ok((StatusCode::OK, upload_headers(size, true)).into_response());
    }
    let (blobs, s) = (st.blobs.clone(), sha.clone());
    let offset = tokio::task::spawn_blocking(move || blobs.partial_len(&s))
        .await?
        .map_err(ApiError::internal)?;
    Ok((StatusCode::OK, upload_headers(offset, false)).into_response())
}

/// Sends the bytes of a photo from `Upload-Offset` on.
#[utoipa::path(patch, path = "/api/v1/blobs/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lowercase hex")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "taken; Upload-Offset, and Upload-Complete: ?1 when stored"),
        (status = 409, description = "offset_mismatch, with the server's Upload-Offset"),
        (status = 413, description = "too_large"),
        (status = 415, description = "not_an_image"),
        (status = 422, description = "hash_mismatch: the partial upload is discarded"),
        (status = 507, description = "storage_full: the server's disk is full; resume later"),
    ),
    security(("bearer" = [])))]
pub async fn patch(
    State(st): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let sha = parse_sha(&sha)?;
    authorise(&st, &caller, &sha).await?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/offset+octet-stream") {
        return Err(ApiError::BadRequest(
            "send the bytes with Content-Type: application/offset+octet-stream".into(),
        ));
    }
    let offset = header_u64(&headers, "upload-offset")?
        .ok_or_else(|| ApiError::BadRequest("Upload-Offset is required".into()))?;
    let length = header_u64(&headers, "upload-length")?
        .ok_or_else(|| ApiError::BadRequest("Upload-Length is required".into()))?;
    let _slot = st
        .upload_slots
        .acquire()
        .await
        .map_err(|_| ApiError::internal(anyhow::anyhow!("the server is stopping")))?;
    let max = st.settings.max_photo_bytes;
    if let Some(size) = stored_size(&st, &sha).await? {
        // Already stored (perhaps by another device): nothing more to send.
        return Ok((StatusCode::NO_CONTENT, upload_headers(size, true)).into_response());
    }
    if length > max {
        let (blobs, s) = (st.blobs.clone(), sha.clone());
        tokio::task::spawn_blocking(move || blobs.discard_partial(&s))
            .await?
            .map_err(ApiError::internal)?;
        return Err(too_large(length, max));
    }
    let (blobs, s) = (st.blobs.clone(), sha.clone());
    let held = tokio::task::spawn_blocking(move || blobs.partial_len(&s))
        .await?
        .map_err(ApiError::internal)?;
    if offset != held {
        return Err(ApiError::OffsetMismatch {
            given: offset,
            expected: held,
        });
    }
    if offset > length {
        return Err(ApiError::BadRequest(format!(
            "Upload-Offset {offset} is past the Upload-Length {length}"
        )));
    }

    // Read the bytes in a task of their own: when the connection drops
    // half-way (a phone losing signal), the request may be abandoned, but
    // what did arrive is still kept, so the retry sends only the rest.
    let received =
        tokio::spawn(receive(st.blobs.clone(), sha.clone(), offset, length, body)).await??;
    let Received::Whole(got) = received else {
        return Err(ApiError::BadRequest(
            "the upload was cut off; ask with HEAD how far it got and send the rest".into(),
        ));
    };
    let now = offset + got.len() as u64;
    if now < length {
        if !got.is_empty() {
            let (blobs, s) = (st.blobs.clone(), sha.clone());
            tokio::task::spawn_blocking(move || blobs.append_partial(&s, offset, &got))
                .await?
                .map_err(ApiError::internal)?;
        }
        return Ok((StatusCode::NO_CONTENT, upload_headers(now, false)).into_response());
    }
    // The last byte is here: the bytes held so far and these make the photo,
    // checked and stored without writing the tail to the partial file first.
    let whole = if offset == 0 {
        got
    } else {
        let (blobs, s) = (st.blobs.clone(), sha.clone());
        let mut head = tokio::task::spawn_blocking(move || blobs.read_partial(&s))
            .await?
            .map_err(ApiError::internal)?;
        head.truncate(offset as usize);
        head.extend_from_slice(&got);
        head
    };
    let result = keep(&st, &sha, Bytes::from(whole)).await;
    // Kept or refused, the partial upload has served its purpose.
    if offset > 0 || result.is_err() {
        let (blobs, s) = (st.blobs.clone(), sha.clone());
        tokio::task::spawn_blocking(move || blobs.discard_partial(&s))
            .await?
            .map_err(ApiError::internal)?;
    }
    result?;
    Ok((StatusCode::NO_CONTENT, upload_headers(now, true)).into_response())
}

enum Received {
    /// The request's bytes, all of them.
    Whole(Vec<u8>),
    /// The connection broke; what arrived is in the partial upload.
    CutOff,
}

/// Reads a PATCH body that starts at `offset` of a `length`-byte photo.
async fn receive(
    blobs: std::sync::Arc<dyn crate::store::BlobStore>,
    sha: PhotoHash,
    offset: u64,
    length: u64,
    body: Body,
) -> Result<Received, ApiError> {
    let mut got: Vec<u8> = Vec::with_capacity((length - offset).min(1 << 20) as usize);
    let mut stream = body.into_data_stream();
    while let Some(piece) = stream.next().await {
        match piece {
            Ok(bytes) => {
                if offset + (got.len() + bytes.len()) as u64 > length {
                    return Err(ApiError::BadRequest(format!(
                        "the bytes run past the Upload-Length {length}"
                    )));
                }
                got.extend_from_slice(&bytes);
            }
            Err(_) => {
                if !got.is_empty() {
                    tokio::task::spawn_blocking(move || blobs.append_partial(&sha, offset, &got))
                        .await?
                        .map_err(ApiError::internal)?;
                }
                return Ok(Received::CutOff);
            }
        }
    }
    Ok(Received::Whole(got))
}

/// Sends a whole photo in one request.
#[utoipa::path(put, path = "/api/v1/blobs/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lowercase hex")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "stored"),
        (status = 200, description = "already stored"),
        (status = 413, description = "too_large"),
        (status = 415, description = "not_an_image"),
        (status = 422, description = "hash_mismatch"),
        (status = 507, description = "storage_full: the server's disk is full; send it later"),
    ),
    security(("bearer" = [])))]
pub async fn put(
    State(st): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let sha = parse_sha(&sha)?;
    authorise(&st, &caller, &sha).await?;
    let _slot = st
        .upload_slots
        .acquire()
        .await
        .map_err(|_| ApiError::internal(anyhow::anyhow!("the server is stopping")))?;
    if let Some(size) = stored_size(&st, &sha).await? {
        return Ok((StatusCode::OK, upload_headers(size, true)).into_response());
    }
    let len = body.len() as u64;
    keep(&st, &sha, body).await?;
    Ok((StatusCode::CREATED, upload_headers(len, true)).into_response())
}

/// The photo itself.
#[utoipa::path(get, path = "/api/v1/blobs/{sha256}", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lowercase hex")),
    responses((status = 200, description = "the image bytes"), (status = 404, description = "not_found")),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response, ApiError> {
    let sha = parse_sha(&sha)?;
    authorise(&st, &caller, &sha).await?;
    let (blobs, s) = (st.blobs.clone(), sha.clone());
    let bytes = tokio::task::spawn_blocking(move || blobs.get(&s))
        .await?
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::NotFound(format!("photo {sha} has not been uploaded yet")))?;
    let mime = sniff(&bytes).unwrap_or("application/octet-stream");
    Ok(image_response(mime, bytes))
}

fn image_response(mime: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            // Content-addressed: the bytes behind a name never change.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A JPEG at most 320 px on its longer side.
pub fn make_thumb(bytes: &[u8], max_pixels: u64) -> anyhow::Result<Vec<u8>> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(4).max(64 * 1024 * 1024));
    reader.limits(limits);
    let img = reader.decode()?;
    let thumb = img.thumbnail(THUMB_PX, THUMB_PX).to_rgb8();
    let mut out = Cursor::new(Vec::new());
    thumb.write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

/// A 320 px thumbnail (made once, then kept). HEIC is served as it is: the
/// image library here does not decode it.
#[utoipa::path(get, path = "/api/v1/blobs/{sha256}/thumb", tag = "photos",
    params(("sha256" = String, Path, description = "SHA-256 of the photo, lowercase hex")),
    responses((status = 200, description = "a JPEG thumbnail"), (status = 404, description = "not_found")),
    security(("bearer" = [])))]
pub async fn thumb(
    State(st): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<Response, ApiError> {
    let sha = parse_sha(&sha)?;
    authorise(&st, &caller, &sha).await?;
    let (blobs, s) = (st.blobs.clone(), sha.clone());
    let px = st.settings.max_image_pixels;
    let out =
        tokio::task::spawn_blocking(move || -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
            if let Some(t) = blobs.thumb(&s)? {
                return Ok(Some(("image/jpeg", t)));
            }
            let Some(bytes) = blobs.get(&s)? else {
                return Ok(None);
            };
            if sniff(&bytes) == Some("image/heic") {
                return Ok(Some(("image/heic", bytes)));
            }
            let t = make_thumb(&bytes, px)?;
            blobs.put_thumb(&s, &t)?;
            Ok(Some(("image/jpeg", t)))
        })
        .await?
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::NotFound(format!("photo {sha} has not been uploaded yet")))?;
    Ok(image_response(out.0, out.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(&png(2, 2)), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0"), Some("image/heic"));
        assert_eq!(sniff(b"%PDF-1.7"), None);
    }

    #[test]
    fn checks_hash_then_content_then_size_then_dimensions() {
        let p = png(400, 300);
        let sha = PhotoHash::of(&p);
        assert_eq!(
            check_photo(&sha, &p, 1 << 20, 1 << 30).unwrap(),
            "image/png"
        );
        let wrong = PhotoHash::of(b"other");
        assert!(matches!(
            check_photo(&wrong, &p, 1 << 20, 1 << 30),
            Err(ApiError::Invalid { .. })
        ));
        let pdf = b"%PDF-1.7 not a photo".to_vec();
        assert!(matches!(
            check_photo(&PhotoHash::of(&pdf), &pdf, 1 << 20, 1 << 30),
            Err(ApiError::UnsupportedMedia(_))
        ));
        assert!(matches!(
            check_photo(&sha, &p, 10, 1 << 30),
            Err(ApiError::TooLarge(_))
        ));
        // A bomb: 400×300 declared is over a 100 000 px limit, refused without decoding.
        assert!(matches!(
            check_photo(&sha, &p, 1 << 20, 100_000),
            Err(ApiError::TooLarge(_))
        ));
        let t = make_thumb(&p, 1 << 30).unwrap();
        let (w, h) = image::ImageReader::new(Cursor::new(&t))
            .with_guessed_format()
            .unwrap()
            .into_dimensions()
            .unwrap();
        assert_eq!((w, h), (320, 240));
    }
}
