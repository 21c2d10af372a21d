//! Unique camera-sized photos without a camera: a small real JPEG padded
//! with comment segments of random bytes up to the wanted size. Every photo
//! hashes differently, reads as a JPEG (the server checks the header and
//! the dimensions), and is as incompressible as a real photo's entropy-coded
//! data, so the bytes on the wire are those of a real upload.

use std::io::Cursor;

use gridsafe_core::PhotoHash;
use gridsafe_device::photo::{ExifFacts, PhotoStore, ProcessedPhoto};
use image::{ImageFormat, RgbImage};
use rand::RngCore;

/// The small JPEG every padded photo starts from.
pub fn base_jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg)
        .expect("encoding a small JPEG in memory");
    out.into_inner()
}

/// A JPEG of about `size` bytes that no other call returns.
pub fn unique_jpeg(base: &[u8], size: usize, rng: &mut impl RngCore) -> Vec<u8> {
    const MAX_SEGMENT: usize = 65533;
    let mut out = Vec::with_capacity(size.max(base.len()) + 16);
    out.extend_from_slice(&base[..2]); // SOI
    let mut pad = size.saturating_sub(base.len()).max(16);
    while pad > 0 {
        let n = pad.saturating_sub(4).clamp(16, MAX_SEGMENT);
        let len = (n + 2) as u16;
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&len.to_be_bytes());
        let start = out.len();
        out.resize(start + n, 0);
        rng.fill_bytes(&mut out[start..]);
        pad = pad.saturating_sub(n + 4);
    }
    out.extend_from_slice(&base[2..]);
    out
}

/// Keeps a photo on a device as the camera screen would have (see
/// `gridsafe_device::app::add_photo`), ready to be cited by a record.
pub fn keep(store: &PhotoStore, jpeg: Vec<u8>, thumb: &[u8]) -> anyhow::Result<PhotoHash> {
    let hash = PhotoHash::of(&jpeg);
    store.put(&ProcessedPhoto {
        hash: hash.clone(),
        jpeg,
        thumb: thumb.to_vec(),
        width: 64,
        height: 48,
        quality: 0,
        exif: ExifFacts::default(),
    })?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_photos_are_unique_jpegs_of_the_asked_size() {
        let base = base_jpeg();
        let mut rng = rand::rng();
        let a = unique_jpeg(&base, 300 * 1024, &mut rng);
        let b = unique_jpeg(&base, 300 * 1024, &mut rng);
        assert_ne!(PhotoHash::of(&a), PhotoHash::of(&b));
        assert!(a.len().abs_diff(300 * 1024) < 64, "{}", a.len());
        let img = image::load_from_memory_with_format(&a, ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (64, 48));
    }
}
