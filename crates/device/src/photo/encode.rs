//! Encoding the stored JPEG: the best quality step that fits the size a
//! slow link allows, found from a sampled estimate rather than by trying
//! every step.

use image::RgbImage;

use super::{PhotoError, QUALITY_STEPS};

/// A baseline JPEG at `quality`, chroma at half size each way (4:2:0,
/// averaged as libjpeg does), the way phone cameras store photos.
pub(super) fn encode(img: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let side = |v: u32| {
        u16::try_from(v).map_err(|_| {
            PhotoError::Encode(format!(
                "{}×{} pixels is larger than a JPEG can hold",
                img.width(),
                img.height()
            ))
        })
    };
    let (w, h) = (side(img.width())?, side(img.height())?);
    let mut out = Vec::with_capacity(img.as_raw().len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    encoder
        .encode(img.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// The stored JPEG and its quality: the highest of [`QUALITY_STEPS`]
/// that an estimate says fits `target` bytes, checked on the real output.
/// Output over `target` is kept only at the lowest step.
///
/// Encoding every step in turn until one fits costs up to six full
/// encodes. Instead each step's size is first estimated from a sample of
/// the picture (see [`Sample`]), so a photo usually takes one full encode;
/// when the real size comes out over, the estimate is corrected by it and
/// the next step expected to fit is encoded, which then usually fits.
pub(super) fn encode_within(img: &RgbImage, target: usize) -> Result<(Vec<u8>, u8), PhotoError> {
    encode_within_by(img, target, encode)
}

/// [`encode_within`] with the encoder passed in, so a test can count the
/// encodes.
fn encode_within_by(
    img: &RgbImage,
    target: usize,
    mut encode: impl FnMut(&RgbImage, u8) -> Result<Vec<u8>, PhotoError>,
) -> Result<(Vec<u8>, u8), PhotoError> {
    let lowest = QUALITY_STEPS.len() - 1;
    let mut sample = Sample::of(img)?;
    let mut step = 0;
    loop {
        if let Some(sample) = &mut sample {
            while step < lowest && sample.estimate(step, &mut encode)? > target as f64 {
                step += 1;
            }
        }
        let quality = QUALITY_STEPS[step];
        let out = encode(img, quality)?;
        if out.len() <= target || step == lowest {
            return Ok((out, quality));
        }
        if let Some(sample) = &mut sample {
            sample.correct(step, out.len(), &mut encode)?;
        }
        step += 1;
    }
}

/// One in eight of a picture's 16×16 tiles (whole 4:2:0 blocks, so the
/// seams between tiles cost next to nothing), on a diagonal lattice so
/// every row and every column of tiles is drawn from, encoded at a step
/// only when that step's size is asked for: an eighth of a full encode
/// each. A JPEG's size is close to the sum of its blocks' sizes, so the
/// sample's size times the ratio of areas estimates the whole picture's at
/// the same quality.
struct Sample {
    img: RgbImage,
    sizes: [Option<SampleSize>; QUALITY_STEPS.len()],
    /// Whole picture's size over the sample's, at any one quality.
    ratio: f64,
}

const TILE: usize = 16;
const SAMPLE_EVERY: usize = 8;
/// A picture with fewer tiles to sample is small enough to encode step by
/// step.
const SAMPLE_MIN_TILES: usize = 256;

impl Sample {
    fn of(img: &RgbImage) -> Result<Option<Sample>, PhotoError> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let (cols, rows) = (w / TILE, h / TILE);
        let per_row = cols / SAMPLE_EVERY;
        if per_row * rows < SAMPLE_MIN_TILES {
            return Ok(None);
        }
        let src = img.as_raw();
        let (src_row, tile_row) = (w * 3, TILE * 3);
        let mut pixels = Vec::with_capacity(per_row * rows * TILE * tile_row);
        for r in 0..rows {
            // Shifted by 3 tiles a row (3 and 8 have no common factor), so
            // the columns drawn from go round all eight offsets.
            let first = r * 3 % SAMPLE_EVERY;
            for y in r * TILE..(r + 1) * TILE {
                for j in 0..per_row {
                    let x = (first + j * SAMPLE_EVERY) * tile_row;
                    pixels.extend_from_slice(&src[y * src_row + x..y * src_row + x + tile_row]);
                }
            }
        }
        let (sw, sh) = (per_row * TILE, rows * TILE);
        let ratio = (w * h) as f64 / (sw * sh) as f64;
        let img = RgbImage::from_raw(sw as u32, sh as u32, pixels)
            .ok_or_else(|| PhotoError::Encode("sample buffer has the wrong size".into()))?;
        Ok(Some(Sample {
            img,
            sizes: [None; QUALITY_STEPS.len()],
            ratio,
        }))
    }

    /// The sample's size at `step`, split into the headers (the same for
    /// any size of picture) and the coded blocks (which grow with it).
    fn size(
        &mut self,
        step: usize,
        encode: &mut impl FnMut(&RgbImage, u8) -> Result<Vec<u8>, PhotoError>,
    ) -> Result<SampleSize, PhotoError> {
        if let Some(size) = self.sizes[step] {
            return Ok(size);
        }
        let jpeg = encode(&self.img, QUALITY_STEPS[step])?;
        let headers = jpeg_headers(&jpeg);
        let size = SampleSize {
            headers,
            blocks: jpeg.len() - headers,
        };
        self.sizes[step] = Some(size);
        Ok(size)
    }

    /// The whole picture's estimated size at `step`.
    fn estimate(
        &mut self,
        step: usize,
        encode: &mut impl FnMut(&RgbImage, u8) -> Result<Vec<u8>, PhotoError>,
    ) -> Result<f64, PhotoError> {
        let size = self.size(step, encode)?;
        Ok(size.headers as f64 + size.blocks as f64 * self.ratio)
    }

    /// Learns the ratio from the whole picture's real size at `step`.
    fn correct(
        &mut self,
        step: usize,
        real: usize,
        encode: &mut impl FnMut(&RgbImage, u8) -> Result<Vec<u8>, PhotoError>,
    ) -> Result<(), PhotoError> {
        let size = self.size(step, encode)?;
        self.ratio = real.saturating_sub(size.headers) as f64 / size.blocks.max(1) as f64;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct SampleSize {
    headers: usize,
    blocks: usize,
}

/// Bytes of a JPEG that are not coded blocks: everything up to the end of
/// the start-of-scan segment, and the end-of-image marker. (In the coded
/// data a 0xFF byte is always followed by 0x00 or a restart marker, so the
/// first 0xFF 0xDA is the start of scan.)
fn jpeg_headers(jpeg: &[u8]) -> usize {
    let sos = jpeg.windows(2).position(|m| m == [0xFF, 0xDA]);
    let headers = sos.and_then(|at| {
        let len = jpeg.get(at + 2..at + 4)?;
        Some(at + 2 + usize::from(u16::from_be_bytes([len[0], len[1]])) + 2)
    });
    headers.unwrap_or(0).min(jpeg.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::tests::scene;
    use image::Rgb;

    /// A picture with grain on every pixel over gradients: far harder to
    /// compress than a scene, so even the lowest step may be too big.
    fn grainy(w: u32, h: u32) -> RgbImage {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        RgbImage::from_fn(w, h, |x, y| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state & 0x3F) as u32;
            Rgb([
                ((x * 160 / w) + n) as u8,
                ((y * 160 / h) + n / 2) as u8,
                (((x + y) % 97) + n) as u8,
            ])
        })
    }

    #[test]
    fn the_estimated_quality_fits_the_target_and_is_at_most_one_step_below_the_best() {
        for (name, img) in [
            ("smooth", scene(1920, 1440)),
            ("grainy", grainy(1920, 1440)),
            ("grainy portrait", grainy(1080, 1920)),
            ("striped portrait", scene(1080, 1920)),
        ] {
            let sizes: Vec<usize> = QUALITY_STEPS
                .iter()
                .map(|&q| encode(&img, q).unwrap().len())
                .collect();
            let lowest = QUALITY_STEPS.len() - 1;
            // Over the top step, between each pair of steps, under the
            // lowest step, and far under it.
            let mut targets = vec![sizes[0] + 1, sizes[lowest] - 1, 1000];
            targets.extend(sizes.windows(2).map(|pair| (pair[0] + pair[1]) / 2));
            for target in targets {
                let mut full_encodes = 0;
                let (out, quality) = encode_within_by(&img, target, |i, q| {
                    if i.dimensions() == img.dimensions() {
                        full_encodes += 1;
                    }
                    encode(i, q)
                })
                .unwrap();
                let what = format!("{name}, target {target}, sizes {sizes:?}, quality {quality}");
                let step = QUALITY_STEPS.iter().position(|&q| q == quality).unwrap();
                assert_eq!(out, encode(&img, quality).unwrap(), "{what}");
                match sizes.iter().position(|&n| n <= target) {
                    Some(best) => {
                        assert!(out.len() <= target, "{what}: {} bytes", out.len());
                        assert!(step <= best + 1, "{what}: the best step is {best}");
                    }
                    None => assert_eq!(step, lowest, "{what}"),
                }
                assert!(full_encodes <= 2, "{what}: {full_encodes} full encodes");
            }
        }
    }

    #[test]
    fn a_small_picture_is_encoded_step_by_step_to_the_best_that_fits() {
        let img = grainy(400, 300);
        let sizes: Vec<usize> = QUALITY_STEPS
            .iter()
            .map(|&q| encode(&img, q).unwrap().len())
            .collect();
        let target = (sizes[2] + sizes[3]) / 2;
        let (out, quality) = encode_within(&img, target).unwrap();
        assert_eq!((out.len(), quality), (sizes[3], QUALITY_STEPS[3]));
    }

    #[test]
    fn a_picture_wider_than_a_jpeg_can_hold_is_refused() {
        let err = encode(&RgbImage::new(70_000, 1), 85).unwrap_err();
        assert!(
            err.to_string()
                .contains("70000×1 pixels is larger than a JPEG"),
            "{err}"
        );
    }
}
