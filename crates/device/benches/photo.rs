//! The photo pipeline on a 12 MP (4000×3000) camera JPEG: decode, orient,
//! resize to 1920 px, encode under 500 KB, thumbnail, hash.

use criterion::{Criterion, criterion_group, criterion_main};
use gridsafe_device::photo::{PhotoLimits, process};
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};

fn camera_jpeg() -> Vec<u8> {
    let (w, h) = (4000u32, 3000u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 61;
        Rgb([
            ((x * 200 / w) + n) as u8,
            ((y * 200 / h) + n / 2) as u8,
            (((x + y) % 97) + n) as u8,
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 92)
        .write_image(img.as_raw(), w, h, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn bench(c: &mut Criterion) {
    let raw = camera_jpeg();
    let limits = PhotoLimits::default();
    let sample = process(&raw, &limits).unwrap();
    eprintln!(
        "input {} bytes -> stored {}x{} {} bytes (quality {}), thumbnail {} bytes",
        raw.len(),
        sample.width,
        sample.height,
        sample.jpeg.len(),
        sample.quality,
        sample.thumb.len()
    );
    let mut g = c.benchmark_group("photo");
    g.sample_size(10);
    g.bench_function("process_4000x3000_jpeg", |b| {
        b.iter(|| process(&raw, &limits).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
