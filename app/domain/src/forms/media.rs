//! Photos and signatures in an answer. The file itself travels on its own (uploaded in
//! chunks, see the server's `muster-media`); the answer only names it, with its size and
//! type, so the engine can hold a question's limits on the device, before anything is
//! sent, and the server can check that what arrived is what was answered.
//!
//! The answer text is one line per file: `<id> <bytes> <type>`, for example
//! `1b4e28ba-2fa1-11d2-883f-0016d3cca427 183442 image/jpeg`.

use std::fmt;

/// The largest signature kept: a drawn line on a phone-sized canvas is far smaller.
pub const SIGNATURE_MAX_BYTES: u64 = 512 * 1024;

/// The image types a photo may be stored as (what phones' cameras and the runner's
/// downscaling produce). A signature is always PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

impl ImageType {
    pub fn parse(mime: &str) -> Option<Self> {
        match mime {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// What a person calls this type in a message.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WebP",
        }
    }
}

/// One file named by an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    /// Made by the device (a UUID, lower case), so a retried upload finds its file.
    pub id: String,
    pub bytes: u64,
    pub image_type: ImageType,
}

impl fmt::Display for MediaRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.id, self.bytes, self.image_type.mime())
    }
}

/// Whether `id` is a UUID as the device writes one (36 characters, lower-case hex with
/// dashes). The check is here so the engine needs no UUID library in the browser.
pub fn is_media_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// The files named by an answer; `None` when any line is not a file reference.
pub fn parse(raw: &str) -> Option<Vec<MediaRef>> {
    raw.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut parts = line.split_whitespace();
            let id = parts.next().filter(|id| is_media_id(id))?;
            let bytes = parts.next()?.parse::<u64>().ok().filter(|b| *b > 0)?;
            let image_type = ImageType::parse(parts.next()?)?;
            parts.next().is_none().then(|| MediaRef {
                id: id.to_owned(),
                bytes,
                image_type,
            })
        })
        .collect()
}

/// The answer text naming `files`.
pub fn to_answer(files: &[MediaRef]) -> String {
    files
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What is wrong with the photos of a question that takes at most `max_count` of
/// `max_size_kib` each.
pub fn photo_problem(files: &[MediaRef], max_count: u32, max_size_kib: u32) -> Option<String> {
    if files.len() > max_count as usize {
        return Some(if max_count == 1 {
            "Keep one photo: remove the others.".to_owned()
        } else {
            format!("Keep at most {max_count} photos: remove the others.")
        });
    }
    let limit = u64::from(max_size_kib) * 1024;
    files.iter().enumerate().find_map(|(i, file)| {
        (file.bytes > limit).then(|| {
            format!(
                "Photo {} is {} KiB; this question takes photos of {} KiB or less. Take it again at a lower resolution.",
                i + 1,
                file.bytes.div_ceil(1024),
                max_size_kib
            )
        })
    })
}

/// What is wrong with a signature answer.
pub fn signature_problem(files: &[MediaRef]) -> Option<String> {
    match files {
        [one] if one.image_type == ImageType::Png && one.bytes <= SIGNATURE_MAX_BYTES => None,
        [_] => Some("This signature could not be kept: clear it and sign again.".to_owned()),
        _ => Some("Sign once: clear the signature and sign again.".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";

    fn photo(bytes: u64) -> MediaRef {
        MediaRef {
            id: ID.to_owned(),
            bytes,
            image_type: ImageType::Jpeg,
        }
    }

    #[test]
    fn an_answer_names_its_files_and_reads_back() {
        let files = vec![
            photo(1200),
            MediaRef {
                id: "00000000-0000-4000-8000-000000000001".into(),
                bytes: 99,
                image_type: ImageType::Png,
            },
        ];
        let text = to_answer(&files);
        assert_eq!(
            text,
            format!("{ID} 1200 image/jpeg\n00000000-0000-4000-8000-000000000001 99 image/png")
        );
        assert_eq!(parse(&text), Some(files));
        assert_eq!(parse(""), Some(vec![]));
    }

    #[test]
    fn anything_but_file_references_is_not_understood() {
        for raw in [
            "photo.jpg",
            &format!("{ID} 12"),
            &format!("{ID} 0 image/jpeg"),
            &format!("{ID} 12 image/gif"),
            &format!("{ID} 12 image/jpeg extra"),
            &format!("{} 12 image/jpeg", ID.to_uppercase()),
            "1b4e28ba2fa111d2883f0016d3cca427abcd 12 image/jpeg",
        ] {
            assert_eq!(parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn photos_are_held_to_the_questions_count_and_size() {
        assert_eq!(photo_problem(&[photo(1024)], 1, 1), None);
        assert_eq!(
            photo_problem(&[photo(1025)], 1, 1).as_deref(),
            Some("Photo 1 is 2 KiB; this question takes photos of 1 KiB or less. Take it again at a lower resolution.")
        );
        assert_eq!(
            photo_problem(&[photo(1), photo(1)], 1, 1).as_deref(),
            Some("Keep one photo: remove the others.")
        );
        assert_eq!(
            photo_problem(&[photo(1), photo(1), photo(1)], 2, 1).as_deref(),
            Some("Keep at most 2 photos: remove the others.")
        );
    }

    #[test]
    fn a_signature_is_one_png_of_reasonable_size() {
        let png = |bytes| MediaRef {
            id: ID.into(),
            bytes,
            image_type: ImageType::Png,
        };
        assert_eq!(signature_problem(&[png(5_000)]), None);
        assert!(signature_problem(&[png(SIGNATURE_MAX_BYTES + 1)]).is_some());
        assert!(signature_problem(&[photo(5_000)]).is_some());
        assert!(signature_problem(&[png(1), png(1)]).is_some());
    }
}
