//! The photo pipeline: from a camera file to a stored, content-addressed JPEG
//! and its thumbnail.
//!
//! A camera photo (JPEG, PNG or WebP) is checked before it is decoded: its
//! size in bytes, its format by its bytes, and its pixel count from the
//! header alone, so a decompression bomb (a small file that claims a huge
//! canvas) is refused without allocating for it. It is then turned upright
//! by its EXIF orientation, scaled to at most [`PhotoLimits::long_edge`]
//! pixels, encoded as a JPEG small enough for a slow link, given a thumbnail,
//! and named by the SHA-256 of the stored bytes ([`PhotoHash`]): the same
//! name the server files it under. The EXIF position and time are kept as
//! evidence for when the phone had no fix of its own.
//!
//! Files are written atomically (temp file, fsync, rename, fsync of the
//! folder), so a photo on disk is always whole.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use fast_image_resize as fr;
use gridsafe_core::PhotoHash;
use gridsafe_core::location::{Location, LocationSource};
use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};
use thiserror::Error;

mod encode;
mod store;

use encode::{encode, encode_within};
pub use store::{DamagedPhoto, PhotoProblem, PhotoStore, write_atomic};

/// What the pipeline accepts and what it makes.
#[derive(Debug, Clone)]
pub struct PhotoLimits {
    /// Largest camera file accepted, in bytes.
    pub max_bytes: u64,
    /// Largest canvas accepted, in pixels (width × height), checked from the
    /// header before decoding.
    pub max_pixels: u64,
    /// Longest edge of the stored photo.
    pub long_edge: u32,
    /// Longest edge of the thumbnail.
    pub thumb_edge: u32,
    /// The stored JPEG is encoded at the highest quality of
    /// [`QUALITY_STEPS`] estimated to fit in this many bytes, and is never
    /// over it unless even the lowest step is.
    pub target_bytes: usize,
}

impl Default for PhotoLimits {
    fn default() -> Self {
        PhotoLimits {
            // Phone cameras write 3–12 MB; 40 MB leaves room for 50 MP sensors.
            max_bytes: 40 * 1024 * 1024,
            max_pixels: 64_000_000,
            long_edge: 1920,
            thumb_edge: 320,
            target_bytes: 500 * 1000,
        }
    }
}

/// JPEG qualities tried in turn until the photo fits the target size.
pub const QUALITY_STEPS: &[u8] = &[85, 78, 70, 60, 50, 40];
const THUMB_QUALITY: u8 = 75;

#[derive(Debug, Error)]
pub enum PhotoError {
    #[error("the file is {bytes} bytes, more than the {limit} bytes allowed")]
    PhotoTooLarge { bytes: u64, limit: u64 },
    #[error("the image is {width}×{height} pixels, more than the {limit} pixels allowed")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("not an image: expected a JPEG, PNG or WebP photo")]
    NotAnImage,
    #[error(
        "HEIC photos cannot be read here; set the camera to JPEG (\"most compatible\") and take the photo again"
    )]
    HeicUnsupported,
    #[error("the {format} image could not be decoded: {reason}")]
    Decode {
        format: &'static str,
        reason: String,
    },
    #[error("the photo could not be encoded: {0}")]
    Encode(String),
    #[error("the kept photo {hash} is missing or damaged; take it again")]
    Damaged { hash: PhotoHash },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path, source: std::io::Error) -> PhotoError {
    PhotoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What the camera's EXIF said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifFacts {
    /// 1–8 as in the EXIF standard; 1 when absent.
    pub orientation: u32,
    pub location: Option<Location>,
    pub taken_at: Option<DateTime<Utc>>,
}

/// A photo ready to store.
#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    pub hash: PhotoHash,
    pub jpeg: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
    pub exif: ExifFacts,
}

/// Reads and processes a camera file, checking its size before reading it.
pub fn process_file(path: &Path, limits: &PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    if meta.len() > limits.max_bytes {
        return Err(PhotoError::PhotoTooLarge {
            bytes: meta.len(),
            limit: limits.max_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    process(&bytes, limits)
}

/// Processes a camera photo held in memory.
pub fn process(bytes: &[u8], limits: &PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(PhotoError::PhotoTooLarge {
            bytes: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let format = sniff(bytes)?;
    let format_name = match format {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Png => "PNG",
        _ => "WebP",
    };
    let decode_err = |e: image::ImageError| PhotoError::Decode {
        format: format_name,
        reason: e.to_string(),
    };

    // The header's claim first: nothing is allocated for the pixels yet.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(decode_err)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels || width == 0 || height == 0 {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }

    let exif = read_exif(bytes);
    // A JPEG is decoded straight at 1/2, 1/4 or 1/8 of its size when that
    // is still at least the stored size (the scaling happens in the inverse
    // DCT, so most of the pixels are never computed); the resize then only
    // has a little way to go.
    let decoded = match format {
        ImageFormat::Jpeg => decode_jpeg_scaled(bytes, width, height, limits)?,
        _ => None,
    };
    let rgb = match decoded {
        Some(rgb) => rgb,
        None => {
            let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
            // A decoder limit as well, in case a format's header understates
            // what decoding allocates: 4 bytes a pixel (RGBA) with headroom.
            let mut decode_limits = image::Limits::default();
            decode_limits.max_image_width = Some(width);
            decode_limits.max_image_height = Some(height);
            decode_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
            reader.limits(decode_limits);
            to_rgb(reader.decode().map_err(decode_err)?)
        }
    };
    // Scaled first, turned upright after: the same picture, with fewer
    // pixels to turn.
    let mut stored = DynamicImage::ImageRgb8(fit(rgb, limits.long_edge)?);
    if let Some(o) = u8::try_from(exif.orientation)
        .ok()
        .and_then(Orientation::from_exif)
    {
        stored.apply_orientation(o);
    }
    let stored = to_rgb(stored);
    let (jpeg, quality) = encode_within(&stored, limits.target_bytes)?;
    let thumb = match scaled(&stored, limits.thumb_edge)? {
        Some(small) => encode(&small, THUMB_QUALITY)?,
        None => encode(&stored, THUMB_QUALITY)?,
    };
    Ok(ProcessedPhoto {
        hash: PhotoHash::of(&jpeg),
        width: stored.width(),
        height: stored.height(),
        jpeg,
        thumb,
        quality,
        exif,
    })
}

/// Decodes a JPEG at the smallest DCT scale (1, 1/2, 1/4, 1/8) that keeps
/// its long edge at or above the stored size. `None` for the JPEGs this
/// decoder leaves to the general one (CMYK, 16-bit).
fn decode_jpeg_scaled(
    bytes: &[u8],
    width: u32,
    height: u32,
    limits: &PhotoLimits,
) -> Result<Option<RgbImage>, PhotoError> {
    use jpeg_decoder::{Decoder, PixelFormat};
    let err = |e: jpeg_decoder::Error| PhotoError::Decode {
        format: "JPEG",
        reason: e.to_string(),
    };
    let mut d = Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size(
        usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX),
    );
    d.read_info().map_err(err)?;
    let Some(info) = d.info() else {
        return Ok(None);
    };
    if (u32::from(info.width), u32::from(info.height)) != (width, height) {
        return Ok(None);
    }
    if !matches!(info.pixel_format, PixelFormat::RGB24 | PixelFormat::L8) {
        return Ok(None);
    }
    let long = width.max(height);
    let (w, h) = if long > limits.long_edge {
        let want = |side: u32| {
            (u64::from(side) * u64::from(limits.long_edge)).div_ceil(u64::from(long)) as u16
        };
        d.scale(want(width), want(height)).map_err(err)?
    } else {
        (info.width, info.height)
    };
    let (w, h) = (u32::from(w), u32::from(h));
    let pixels = d.decode().map_err(err)?;
    let rgb = match info.pixel_format {
        PixelFormat::L8 => {
            let rgb: Vec<u8> = pixels.iter().flat_map(|&l| [l, l, l]).collect();
            RgbImage::from_raw(w, h, rgb)
        }
        _ => RgbImage::from_raw(w, h, pixels),
    };
    rgb.map(Some).ok_or_else(|| PhotoError::Decode {
        format: "JPEG",
        reason: "the decoded pixels do not fill the picture".into(),
    })
}

/// The format by the file's bytes, never by its name.
fn sniff(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    if is_heif(bytes) {
        return Err(PhotoError::HeicUnsupported);
    }
    match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(f),
        _ => Err(PhotoError::NotAnImage),
    }
}

/// HEIC/HEIF: an ISO-BMFF `ftyp` box with a HEIF brand.
fn is_heif(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1"
        )
}

fn to_rgb(img: DynamicImage) -> RgbImage {
    match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    }
}

/// Scales down so the long edge is at most `edge`; never scales up.
fn fit(img: RgbImage, edge: u32) -> Result<RgbImage, PhotoError> {
    Ok(match scaled(&img, edge)? {
        Some(smaller) => smaller,
        None => img,
    })
}

/// The picture scaled down so its long edge is `edge` (Lanczos3), or
/// `None` when it is no longer than that already.
fn scaled(img: &RgbImage, edge: u32) -> Result<Option<RgbImage>, PhotoError> {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= edge {
        return Ok(None);
    }
    let scale = f64::from(edge) / f64::from(long);
    let nw = ((f64::from(w) * scale).round() as u32).clamp(1, edge);
    let nh = ((f64::from(h) * scale).round() as u32).clamp(1, edge);
    let src = fr::images::ImageRef::new(w, h, img.as_raw(), fr::PixelType::U8x3)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    let mut dst = fr::images::Image::new(nw, nh, fr::PixelType::U8x3);
    let opts =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    fr::Resizer::new()
        .resize(&src, &mut dst, &opts)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    RgbImage::from_raw(nw, nh, dst.into_vec())
        .map(Some)
        .ok_or_else(|| PhotoError::Encode("resized buffer has the wrong size".into()))
}

/// Orientation, GPS position and time from the photo's EXIF, when present.
pub fn read_exif(bytes: &[u8]) -> ExifFacts {
    use exif::{In, Tag};
    let Ok(ex) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return ExifFacts {
            orientation: 1,
            ..ExifFacts::default()
        };
    };
    let field = |tag| ex.get_field(tag, In::PRIMARY);
    let orientation = field(Tag::Orientation)
        .and_then(|f| f.value.get_uint(0))
        .unwrap_or(1);
    let ascii = |tag| {
        field(tag).and_then(|f| match &f.value {
            exif::Value::Ascii(v) => v
                .first()
                .map(|s| String::from_utf8_lossy(s).trim().to_string()),
            _ => None,
        })
    };
    let rationals = |tag| {
        field(tag).and_then(|f| match &f.value {
            exif::Value::Rational(v) => Some(v.iter().map(|r| r.to_f64()).collect::<Vec<_>>()),
            _ => None,
        })
    };
    let dms = |v: Vec<f64>| match v.as_slice() {
        [d, m, s, ..] => Some(d + m / 60.0 + s / 3600.0),
        [d] => Some(*d),
        _ => None,
    };

    // GPS time is UTC by the standard; DateTimeOriginal is the camera's
    // local time, with its offset when the camera wrote one, else China's.
    let gps_time = (|| {
        let date = NaiveDate::parse_from_str(&ascii(Tag::GPSDateStamp)?, "%Y:%m:%d").ok()?;
        let t = rationals(Tag::GPSTimeStamp)?;
        let secs = (t.first()? * 3600.0 + t.get(1)? * 60.0 + t.get(2)?) as i64;
        let midnight = date.and_hms_opt(0, 0, 0)?.and_utc();
        Some(midnight + chrono::Duration::seconds(secs))
    })();
    let original = (|| {
        let local =
            NaiveDateTime::parse_from_str(&ascii(Tag::DateTimeOriginal)?, "%Y:%m:%d %H:%M:%S")
                .ok()?;
        let offset = ascii(Tag::OffsetTimeOriginal)
            .and_then(|o| {
                DateTime::parse_from_str(&format!("2000-01-01T00:00:00{o}"), "%Y-%m-%dT%H:%M:%S%:z")
                    .ok()
            })
            .map(|d| *d.offset())
            .unwrap_or_else(|| FixedOffset::east_opt(8 * 3600).expect("valid offset"));
        offset
            .from_local_datetime(&local)
            .single()
            .map(|d| d.with_timezone(&Utc))
    })();
    let taken_at = original.or(gps_time);

    let location = (|| {
        let mut lat = dms(rationals(Tag::GPSLatitude)?)?;
        let mut lon = dms(rationals(Tag::GPSLongitude)?)?;
        if ascii(Tag::GPSLatitudeRef).as_deref() == Some("S") {
            lat = -lat;
        }
        if ascii(Tag::GPSLongitudeRef).as_deref() == Some("W") {
            lon = -lon;
        }
        let accuracy_m = rationals(Tag::GPSHPositioningError).and_then(|v| v.first().copied());
        Some(Location {
            lat,
            lon,
            accuracy_m,
            fixed_at: gps_time.or(original),
            source: LocationSource::Exif,
        })
    })()
    .filter(|l| l.lat.is_finite() && l.lon.is_finite() && !l.is_null_island());

    ExifFacts {
        orientation,
        location,
        taken_at,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::store::TEMP_PREFIX;
    use super::*;
    use image::codecs::jpeg::JpegEncoder;
    use image::{ExtendedColorType, ImageEncoder, Rgb};

    /// A photo-like test image: smooth gradients with some texture, which
    /// compresses like a real scene rather than like flat colour or noise.
    pub fn scene(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let t = ((x * 7 + y * 13) % 23) as u8;
            Rgb([
                ((x * 255 / w) as u8).wrapping_add(t),
                ((y * 255 / h) as u8).wrapping_add(t / 2),
                (((x + y) * 127 / (w + h)) as u8).wrapping_add((x / 40 % 2 * 40) as u8),
            ])
        })
    }

    pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    /// A camera-like JPEG of a `w`×`h` scene, 12 MP by default.
    pub fn camera_jpeg(w: u32, h: u32) -> Vec<u8> {
        jpeg(&scene(w, h), 92)
    }

    /// Puts an EXIF APP1 segment (orientation, and a GPS fix if given) right
    /// after a JPEG's SOI marker.
    pub fn with_exif(jpeg: &[u8], orientation: u16, gps: Option<(f64, f64)>) -> Vec<u8> {
        use exif::{Field, In, Rational, Tag, Value};
        let dms = |v: f64| {
            let d = v.trunc();
            let m = ((v - d) * 60.0).trunc();
            let s = ((v - d) * 60.0 - m) * 60.0;
            Value::Rational(vec![
                Rational::from((d as u32, 1)),
                Rational::from((m as u32, 1)),
                Rational::from(((s * 1000.0).round() as u32, 1000)),
            ])
        };
        let mut fields = vec![
            Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![orientation]),
            },
            Field {
                tag: Tag::DateTimeOriginal,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"2026:06:01 09:30:00".to_vec()]),
            },
        ];
        if let Some((lat, lon)) = gps {
            fields.extend([
                Field {
                    tag: Tag::GPSLatitudeRef,
                    ifd_num: In::PRIMARY,
                    value: Value::Ascii(vec![b"N".to_vec()]),
                },
                Field {
                    tag: Tag::GPSLatitude,
                    ifd_num: In::PRIMARY,
                    value: dms(lat),
                },
                Field {
                    tag: Tag::GPSLongitudeRef,
                    ifd_num: In::PRIMARY,
                    value: Value::Ascii(vec![b"E".to_vec()]),
                },
                Field {
                    tag: Tag::GPSLongitude,
                    ifd_num: In::PRIMARY,
                    value: dms(lon),
                },
            ]);
        }
        let mut w = exif::experimental::Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut tiff = Cursor::new(Vec::new());
        w.write(&mut tiff, false).unwrap();
        let tiff = tiff.into_inner();
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let len = (app1.len() + 2) as u16;
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn a_12_mp_camera_photo_becomes_a_small_1920_px_jpeg_with_a_thumbnail() {
        let raw = camera_jpeg(4000, 3000);
        let p = process(&raw, &PhotoLimits::default()).unwrap();
        assert_eq!((p.width, p.height), (1920, 1440));
        assert!(p.jpeg.len() < 500_000, "{} bytes", p.jpeg.len());
        let stored = image::load_from_memory(&p.jpeg).unwrap();
        assert_eq!((stored.width(), stored.height()), (1920, 1440));
        let thumb = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 240));
        assert_eq!(p.hash, PhotoHash::of(&p.jpeg));
    }

    #[test]
    fn exif_orientation_turns_the_photo_upright_and_gps_is_kept() {
        // A landscape sensor image tagged "rotate 90° clockwise" (6) is a
        // portrait photo. Its left column is red, so after the turn the
        // top row is red.
        let mut img = RgbImage::from_pixel(400, 300, Rgb([0, 0, 255]));
        for y in 0..300 {
            for x in 0..40 {
                img.put_pixel(x, y, Rgb([255, 0, 0]));
            }
        }
        let raw = with_exif(&jpeg(&img, 95), 6, Some((30.5, 104.25)));
        let p = process(&raw, &PhotoLimits::default()).unwrap();
        assert_eq!((p.width, p.height), (300, 400));
        assert_eq!(p.exif.orientation, 6);
        let out = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
        let top = out.get_pixel(150, 5);
        let bottom = out.get_pixel(150, 395);
        assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
        let loc = p.exif.location.unwrap();
        assert!((loc.lat - 30.5).abs() < 1e-4 && (loc.lon - 104.25).abs() < 1e-4);
        assert_eq!(loc.source, LocationSource::Exif);
        // 09:30 in China is 01:30 UTC.
        assert_eq!(
            p.exif.taken_at.unwrap().to_rfc3339(),
            "2026-06-01T01:30:00+00:00"
        );
    }

    #[test]
    fn png_and_webp_are_accepted() {
        let img = scene(800, 600);
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(img.as_raw(), 800, 600, ExtendedColorType::Rgb8)
            .unwrap();
        let p = process(&png, &PhotoLimits::default()).unwrap();
        assert_eq!((p.width, p.height), (800, 600));
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .write_image(img.as_raw(), 800, 600, ExtendedColorType::Rgb8)
            .unwrap();
        assert_eq!(process(&webp, &PhotoLimits::default()).unwrap().width, 800);
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        for bytes in [
            &b"just some text"[..],
            b"",
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0][..],
        ] {
            let err = process(bytes, &PhotoLimits::default()).unwrap_err();
            assert!(
                matches!(err, PhotoError::NotAnImage | PhotoError::Decode { .. }),
                "{err:?}"
            );
        }
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        assert!(matches!(
            process(&heic, &PhotoLimits::default()),
            Err(PhotoError::HeicUnsupported)
        ));
    }

    #[test]
    fn refuses_an_oversized_file_before_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jpg");
        std::fs::write(&path, camera_jpeg(200, 100)).unwrap();
        let limits = PhotoLimits {
            max_bytes: 1000,
            ..PhotoLimits::default()
        };
        let err = process_file(&path, &limits).unwrap_err();
        assert!(
            matches!(err, PhotoError::PhotoTooLarge { limit: 1000, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("more than the 1000 bytes"));
    }

    #[test]
    fn refuses_a_decompression_bomb_from_its_header() {
        // A PNG header claiming 60000×60000 pixels (3.6 G pixels, ~10 GB
        // decoded), followed by almost nothing.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(data);
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            png.extend_from_slice(&c);
            png.extend_from_slice(&crc32(&c).to_be_bytes());
        };
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00]);
        chunk(b"IEND", &[]);
        assert!(png.len() < 100);
        let err = process(&png, &PhotoLimits::default()).unwrap_err();
        assert!(
            matches!(
                err,
                PhotoError::TooManyPixels {
                    width: 60_000,
                    height: 60_000,
                    ..
                }
            ),
            "{err:?}"
        );
        // And a real JPEG over a small pixel limit.
        let limits = PhotoLimits {
            max_pixels: 10_000,
            ..PhotoLimits::default()
        };
        assert!(matches!(
            process(&camera_jpeg(200, 100), &limits),
            Err(PhotoError::TooManyPixels { .. })
        ));
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn stores_atomically_and_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(dir.path());
        let p = process(&camera_jpeg(640, 480), &PhotoLimits::default()).unwrap();
        store.put(&p).unwrap();
        assert_eq!(store.read(&p.hash).unwrap(), p.jpeg);
        assert!(store.thumb_path(&p.hash).is_file());
        // Storing again is a no-op.
        store.put(&p).unwrap();

        // A failing rename (the target name is taken by a folder) leaves no
        // temp file and no photo.
        let q = process(&camera_jpeg(320, 200), &PhotoLimits::default()).unwrap();
        std::fs::create_dir(store.path(&q.hash)).unwrap();
        std::fs::create_dir(store.thumb_path(&q.hash)).unwrap();
        assert!(matches!(store.put(&q), Err(PhotoError::Io { .. })));
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| n.starts_with(TEMP_PREFIX)),
            "{names:?}"
        );
    }

    #[test]
    fn sweep_removes_uncited_photos_and_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(dir.path());
        let kept = process(&camera_jpeg(64, 48), &PhotoLimits::default()).unwrap();
        let orphan = process(&camera_jpeg(48, 64), &PhotoLimits::default()).unwrap();
        store.put(&kept).unwrap();
        store.put(&orphan).unwrap();
        std::fs::write(dir.path().join(".tmp-x"), b"half").unwrap();
        let removed = store
            .sweep(|h| *h == kept.hash, std::time::Duration::ZERO)
            .unwrap();
        assert_eq!(removed, 3);
        assert!(store.contains(&kept.hash));
        assert!(!store.contains(&orphan.hash));
    }
}
