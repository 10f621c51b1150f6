//! Photos and signatures on the server. A file travels apart from the submission that
//! names it: [`uploads`] takes it in resumable chunks (bound to the submission's
//! device-made id), [`claim`] binds it to the stored submission in the transaction that
//! stores it, [`processing`] turns it upright and strips its metadata in the
//! background, [`serving`] shows it to builders, and [`expiry`] removes uploads no
//! submission claimed. [`inspect`] is the image work itself, without I/O.
//!
//! Files live in the platform's [`Storage`](muster_platform::storage::Storage) under
//! the keys of [`keys`]; their state is the `media` table (forced row level security).

pub mod claim;
mod error;
pub mod expiry;
pub mod inspect;
mod keys;
pub mod processing;
pub mod serving;
pub mod uploads;

pub use claim::claim;
pub use error::MediaError;
pub use expiry::ExpireUpload;
pub use processing::process_submission_media;
pub use serving::{file, of_submission, Variant};
pub use uploads::{append, declare, Declaration, Progress, MAX_CHUNK_BYTES};
