//! Where each file of an upload lives in the store. Keys start with the account, so an
//! account's files can be found (and removed) together.

use uuid::Uuid;

/// The prefix under which the chunks of an unfinished upload wait.
pub fn chunks(account: Uuid, id: Uuid) -> String {
    format!("uploads/{account}/{id}/")
}

/// One chunk, named by its offset (zero-padded, so names sort in byte order).
pub fn chunk(account: Uuid, id: Uuid, offset: u64) -> String {
    format!("{}{offset:016}", chunks(account, id))
}

/// The finished upload as it arrived (with its metadata): kept until it is processed,
/// and for good if processing fails.
pub fn original(account: Uuid, id: Uuid) -> String {
    format!("media/{account}/{id}/original")
}

/// The image builders see: upright, without metadata.
pub fn image(account: Uuid, id: Uuid) -> String {
    format!("media/{account}/{id}/image")
}

pub fn thumbnail(account: Uuid, id: Uuid) -> String {
    format!("media/{account}/{id}/thumbnail")
}
