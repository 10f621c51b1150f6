//! What is done to an image's bytes, without any I/O: checking that an upload is the
//! image it claims to be (and not a decompression bomb), and turning a claimed upload
//! into the stored image and its thumbnail. CPU-bound: callers run it on a blocking
//! thread.

use std::io::Cursor;

use image::{
    codecs::jpeg::JpegEncoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits,
};
use muster_domain::forms::media::ImageType;

/// The long side of a thumbnail, in pixels.
pub const THUMBNAIL_PX: u32 = 320;
const JPEG_QUALITY: u8 = 85;

/// The formats a declared type may hold.
fn format_of(image_type: ImageType) -> ImageFormat {
    match image_type {
        ImageType::Jpeg => ImageFormat::Jpeg,
        ImageType::Png => ImageFormat::Png,
        ImageType::Webp => ImageFormat::WebP,
    }
}

/// Checks a finished upload from its first bytes and header: it must be an image of the
/// declared type with at most `max_pixels` pixels. Returns its size in pixels, or the
/// message the person reads.
pub fn check_upload(
    bytes: &[u8],
    declared: ImageType,
    max_pixels: u64,
) -> Result<(u32, u32), String> {
    let found = image::guess_format(bytes).ok();
    if found != Some(format_of(declared)) {
        return Err(match found {
            Some(other) => format!(
                "This file is a {} image, not the {} it was sent as.",
                other
                    .extensions_str()
                    .first()
                    .unwrap_or(&"different")
                    .to_uppercase(),
                declared.name()
            ),
            None => format!(
                "This file is not an image (it was sent as {}).",
                declared.name()
            ),
        });
    }
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format_of(declared))
        .into_dimensions()
        .map_err(|error| format!("This {} image cannot be read: {error}.", declared.name()))?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(format!(
            "This image is {width} × {height} pixels; Muster accepts images of at most {} megapixels.",
            max_pixels / 1_000_000
        ));
    }
    Ok((width, height))
}

/// The type an upload of type `uploaded` is stored as once processed: PNG stays PNG
/// (signatures, screenshots), everything else becomes JPEG.
pub fn stored_type(uploaded: ImageType) -> ImageType {
    match uploaded {
        ImageType::Png => ImageType::Png,
        ImageType::Jpeg | ImageType::Webp => ImageType::Jpeg,
    }
}

/// What is stored for a photo or signature.
#[derive(Debug)]
pub struct Processed {
    pub image: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub image_type: ImageType,
    /// After the camera's orientation is applied.
    pub width: u32,
    pub height: u32,
    /// Latitude and longitude from the camera's EXIF data, if it recorded them.
    pub exif_location: Option<(f64, f64)>,
}

/// Decodes an upload (checked by [`check_upload`] before), turns it the way the camera
/// held it, and re-encodes it without any metadata, as [`stored_type`].
pub fn process(bytes: &[u8], declared: ImageType, max_pixels: u64) -> Result<Processed, String> {
    let unreadable = |error: image::ImageError| {
        format!("This {} image cannot be read: {error}.", declared.name())
    };
    let (width, height) = check_upload(bytes, declared, max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format_of(declared));
    let mut limits = Limits::default();
    // Room for the decoded pixels (at most 8 bytes each) and the decoder's own buffers;
    // a file that needs more than its header admits is refused, not decoded.
    limits.max_alloc = Some(u64::from(width) * u64::from(height) * 8 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    let stored_type = stored_type(declared);
    // `thumbnail` would enlarge a small picture; a small one is its own thumbnail.
    let thumbnail = if image.width().max(image.height()) > THUMBNAIL_PX {
        image.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX)
    } else {
        image.clone()
    };
    Ok(Processed {
        width: image.width(),
        height: image.height(),
        image: encode(&image, stored_type)?,
        thumbnail: encode(&thumbnail, stored_type)?,
        image_type: stored_type,
        exif_location: exif_location(bytes),
    })
}

fn encode(image: &DynamicImage, as_type: ImageType) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let result = match as_type {
        ImageType::Png => image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png),
        _ => image
            .to_rgb8()
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)),
    };
    result.map_err(|error| format!("The image could not be stored: {error}."))?;
    Ok(out)
}

/// The GPS position in the file's EXIF data, in signed decimal degrees.
fn exif_location(bytes: &[u8]) -> Option<(f64, f64)> {
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    let degrees = |value: exif::Tag, reference: exif::Tag, negative: &str| {
        let field = exif.get_field(value, exif::In::PRIMARY)?;
        let exif::Value::Rational(parts) = &field.value else {
            return None;
        };
        let [d, m, s] = parts.get(..3)? else {
            return None;
        };
        let magnitude = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = exif
            .get_field(reference, exif::In::PRIMARY)
            .map(|r| r.display_value().to_string())
            .filter(|r| r.eq_ignore_ascii_case(negative))
            .map_or(1.0, |_| -1.0);
        Some(sign * magnitude).filter(|v| v.is_finite())
    };
    let latitude = degrees(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, "S")?;
    let longitude = degrees(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, "W")?;
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude))
        .then_some((latitude, longitude))
}

#[cfg(any(test, feature = "samples"))]
pub mod samples {
    //! Images made by the tests (here and the server's), so nothing binary is checked
    //! in.

    use std::io::Cursor;

    use exif::{experimental::Writer, Field, In, Rational, Tag, Value};
    use image::{codecs::jpeg::JpegEncoder, ImageFormat, RgbImage};

    /// A `width` × `height` JPEG, its left half red, its right half blue.
    pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let mut out = Vec::new();
        image
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            .expect("encode");
        out
    }

    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        RgbImage::new(width, height)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode");
        out
    }

    /// `jpeg` with an EXIF segment as phones write one: the orientation (6: the camera
    /// was turned a quarter clockwise) and a GPS position of 52°22'12.0"N 4°53'42.0"W.
    pub fn jpeg_from_phone(width: u32, height: u32) -> Vec<u8> {
        let rational = |num, denom| Rational { num, denom };
        let fields = [
            Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![6]),
            },
            Field {
                tag: Tag::GPSLatitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"N".to_vec()]),
            },
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![rational(52, 1), rational(22, 1), rational(12, 1)]),
            },
            Field {
                tag: Tag::GPSLongitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"W".to_vec()]),
            },
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![rational(4, 1), rational(53, 1), rational(42, 1)]),
            },
        ];
        let mut writer = Writer::new();
        for field in &fields {
            writer.push_field(field);
        }
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).expect("exif");
        let tiff = tiff.into_inner();
        // APP1 right after the start-of-image marker, as cameras place it.
        let jpeg = jpeg(width, height);
        let length = u16::try_from(tiff.len() + 8).expect("a small segment");
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(&tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{samples, *};

    #[test]
    fn an_upload_must_be_the_image_it_claims_to_be() {
        assert_eq!(
            check_upload(&samples::jpeg(8, 4), ImageType::Jpeg, 1_000),
            Ok((8, 4))
        );
        assert_eq!(
            check_upload(&samples::png(8, 4), ImageType::Jpeg, 1_000).unwrap_err(),
            "This file is a PNG image, not the JPEG it was sent as."
        );
        assert_eq!(
            check_upload(b"%PDF-1.7 not an image", ImageType::Png, 1_000).unwrap_err(),
            "This file is not an image (it was sent as PNG)."
        );
    }

    #[test]
    fn an_image_larger_than_allowed_is_refused_from_its_header() {
        // 1000 × 1000 pixels of nothing compress to a few kilobytes: a small file that
        // would need megabytes once decoded.
        let bomb = samples::png(1000, 1000);
        assert!(bomb.len() < 20_000, "{} bytes", bomb.len());
        assert_eq!(
            check_upload(&bomb, ImageType::Png, 999_999).unwrap_err(),
            "This image is 1000 × 1000 pixels; Muster accepts images of at most 0 megapixels."
        );
        assert!(process(&bomb, ImageType::Png, 999_999).is_err());
    }

    #[test]
    fn a_phone_photo_is_turned_upright_its_position_kept_and_its_exif_dropped() {
        let original = samples::jpeg_from_phone(40, 20);
        let processed = process(&original, ImageType::Jpeg, 1_000_000).expect("processed");
        assert_eq!(
            (processed.width, processed.height),
            (20, 40),
            "turned upright"
        );
        let (latitude, longitude) = processed.exif_location.expect("a position");
        assert!((latitude - 52.37).abs() < 1e-9, "{latitude}");
        assert!((longitude + 4.895).abs() < 1e-9, "{longitude}");
        assert_eq!(processed.image_type, ImageType::Jpeg);
        assert!(exif_location(&processed.image).is_none());
        assert!(
            exif::Reader::new()
                .read_from_container(&mut Cursor::new(&processed.image))
                .is_err(),
            "the stored image carries no EXIF at all"
        );
        let thumbnail = image::load_from_memory(&processed.thumbnail).expect("a thumbnail");
        assert_eq!(
            (thumbnail.width(), thumbnail.height()),
            (20, 40),
            "never enlarged"
        );
    }

    #[test]
    fn a_large_photo_gets_a_small_thumbnail_and_png_stays_png() {
        let processed = process(&samples::png(800, 400), ImageType::Png, 1_000_000).expect("ok");
        assert_eq!(processed.image_type, ImageType::Png);
        let thumbnail = image::load_from_memory(&processed.thumbnail).expect("a thumbnail");
        assert_eq!(
            (thumbnail.width(), thumbnail.height()),
            (THUMBNAIL_PX, THUMBNAIL_PX / 2)
        );
        assert_eq!(
            image::guess_format(&processed.thumbnail).ok(),
            Some(ImageFormat::Png)
        );
    }

    #[test]
    fn a_broken_image_fails_with_a_message() {
        // JPEG decoders fill in what is missing; PNG's checksums notice.
        let mut truncated = samples::png(256, 256);
        truncated.truncate(truncated.len() / 2);
        let error = process(&truncated, ImageType::Png, 1_000_000).unwrap_err();
        assert!(
            error.starts_with("This PNG image cannot be read"),
            "{error}"
        );
    }
}
