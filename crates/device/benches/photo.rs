//! The photo pipeline on a 12 MP (4000×3000) camera JPEG: decode, orient,
//! resize to 1920 px, encode under 500 KB, thumbnail, hash. Once on a file
//! with full-size chroma (4:4:4), once on the same scene with chroma at
//! half size each way (4:2:0), as phone cameras write it.

use criterion::{Criterion, criterion_group, criterion_main};
use gridsafe_device::photo::{PhotoLimits, process};
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};

const W: u32 = 4000;
const H: u32 = 3000;

fn scene() -> RgbImage {
    let (w, h) = (W, H);
    RgbImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 61;
        Rgb([
            ((x * 200 / w) + n) as u8,
            ((y * 200 / h) + n / 2) as u8,
            (((x + y) % 97) + n) as u8,
        ])
    })
}

/// The `image` crate's encoder keeps chroma at full size (4:4:4).
fn camera_jpeg_444(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 92)
        .write_image(img.as_raw(), W, H, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn camera_jpeg_420(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 92);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(
            img.as_raw(),
            W as u16,
            H as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

fn bench(c: &mut Criterion) {
    let img = scene();
    let limits = PhotoLimits::default();
    let mut g = c.benchmark_group("photo");
    g.sample_size(10);
    for (name, raw) in [
        ("process_4000x3000_jpeg", camera_jpeg_444(&img)),
        ("process_4000x3000_jpeg_420", camera_jpeg_420(&img)),
    ] {
        let sample = process(&raw, &limits).unwrap();
        eprintln!(
            "{name}: input {} bytes -> stored {}x{} {} bytes (quality {}), thumbnail {} bytes",
            raw.len(),
            sample.width,
            sample.height,
            sample.jpeg.len(),
            sample.quality,
            sample.thumb.len()
        );
        g.bench_function(name, |b| b.iter(|| process(&raw, &limits).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
