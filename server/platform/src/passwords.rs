//! Password hashing with Argon2id (19 MiB, 2 passes, 1 lane: OWASP's baseline).
//!
//! Each hash takes tens of milliseconds of CPU and 19 MiB of memory. Hashes run on
//! `MUSTER_PASSWORD_HASH_CONCURRENCY` dedicated threads (never on the async runtime), each
//! hashing into Argon2 memory it allocated once: a burst of sign-ins waits its turn and,
//! past `MUSTER_PASSWORD_HASH_WAIT_MS`, is told to retry, and memory stays at
//! threads × 19 MiB. (With Tokio's blocking pool and a fresh allocation per hash, the
//! allocator kept the freed blocks: a burst grew the process by hundreds of MiB even two
//! at a time; see BENCHMARKS.md.)

use std::{
    cell::RefCell,
    sync::{mpsc, Arc, Mutex, OnceLock},
    time::Duration,
};

use argon2::{
    password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, Salt, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use tokio::sync::Semaphore;

/// Argon2id cost: memory in KiB, passes, lanes.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("too many passwords are being checked right now")]
    Busy,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

type Work = Box<dyn FnOnce() + Send>;

/// Cheap to clone; the hashing threads end when the last clone is dropped.
#[derive(Clone)]
pub struct Passwords {
    /// One permit per hashing thread: holding one means a thread is free for the work.
    permits: Arc<Semaphore>,
    wait: Duration,
    work: mpsc::Sender<Work>,
}

impl Passwords {
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        let threads = concurrency.max(1);
        let (work, queue) = mpsc::channel::<Work>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || loop {
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match next {
                        Ok(work) => work(),
                        Err(_) => return, // every `Passwords` is gone
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a password hashing thread");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(threads)),
            wait,
            work,
        }
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) to store.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown user) a dummy
    /// hash is checked anyway, so the answer takes as long either way and does not tell
    /// which e-mail addresses have accounts.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.run(move || {
            let known = stored.is_some();
            let phc = match stored {
                Some(phc) => phc,
                None => dummy_hash()?.to_owned(),
            };
            let matches = verify_now(&password, &phc)?;
            Ok(known && matches)
        })
        .await?
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| PasswordError::Busy)?
            .map_err(|_| PasswordError::Busy)?;
        let (reply, result) = tokio::sync::oneshot::channel();
        self.work
            .send(Box::new(move || {
                let _ = reply.send(work());
                drop(permit);
            }))
            .map_err(|_| PasswordError::Hashing("the hashing threads are gone".into()))?;
        result
            .await
            .map_err(|_| PasswordError::Hashing("a hashing thread stopped".into()))
    }
}

fn params() -> Params {
    Params::new(MEMORY_KIB, PASSES, LANES, None).expect("constant Argon2 parameters are valid")
}

thread_local! {
    /// This hashing thread's Argon2 memory, allocated on first use and then reused.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn fail(error: impl std::fmt::Display) -> PasswordError {
    PasswordError::Hashing(error.to_string())
}

/// Argon2 of `password` with `salt` into `out`, in this thread's reusable memory.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &str,
    salt: Salt<'_>,
    out: &mut [u8],
) -> Result<(), PasswordError> {
    let mut salt_buffer = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buffer).map_err(fail)?;
    let argon = Argon2::new(algorithm, version, params.clone());
    MEMORY.with(|memory| {
        let mut blocks = memory.borrow_mut();
        if blocks.len() != params.block_count() {
            *blocks = vec![Block::default(); params.block_count()];
        }
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, out, blocks.as_mut_slice())
            .map_err(fail)
    })
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    let params = params();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        &params,
        password,
        salt.as_salt(),
        &mut out,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(fail)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(fail)?),
    };
    Ok(phc.to_string())
}

/// Checks `password` against a stored PHC string with the parameters stored in it, so
/// hashes made with other costs keep working.
fn verify_now(password: &str, phc: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(phc).map_err(fail)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(fail)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(fail)?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(fail)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let mut out = vec![0u8; expected.len()];
    compute(algorithm, version, &params, password, salt, &mut out)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(fail)? == expected)
}

fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = hash_now("a password nobody has")?;
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_required_cost_and_verify() {
        let passwords = Passwords::new(2, Duration::from_secs(5));
        let hash = passwords
            .hash("correct horse battery".into())
            .await
            .expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords
            .verify("correct horse battery".into(), Some(hash.clone()))
            .await
            .expect("verify"));
        assert!(!passwords
            .verify("wrong horse battery".into(), Some(hash))
            .await
            .expect("verify"));
        assert!(
            !passwords
                .verify("anything".into(), None)
                .await
                .expect("verify"),
            "unknown user never matches"
        );
        // Hashes made by the argon2 crate's own API, with other costs, still verify.
        use argon2::password_hash::PasswordHasher as _;
        let salt = SaltString::generate(&mut OsRng);
        let cheaper = Params::new(8 * 1024, 1, 1, None).expect("params");
        let foreign = Argon2::new(Algorithm::Argon2id, Version::V0x13, cheaper)
            .hash_password(b"old password here", &salt)
            .expect("hash")
            .to_string();
        assert!(!foreign.contains("m=19456"), "{foreign}");
        for (password, matches) in [("old password here", true), ("not it", false)] {
            let verified = passwords
                .verify(password.into(), Some(foreign.clone()))
                .await
                .expect("verify");
            assert_eq!(verified, matches, "{password}");
        }
    }

    #[tokio::test]
    async fn a_burst_beyond_the_limit_is_refused_instead_of_queued_forever() {
        let passwords = Passwords::new(1, Duration::from_millis(1));
        // Hold the only permit, as a long hash would.
        let _held = passwords
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("permit");
        assert!(matches!(
            passwords.hash("whatever password".into()).await,
            Err(PasswordError::Busy)
        ));
    }
}
