//! Random names made in the browser: builder tab ids and new field ids. They need to be
//! unlikely to collide, not secret.

/// `length` random lowercase letters and digits.
pub fn token(length: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..length)
        .map(|_| {
            let index = (unit() * ALPHABET.len() as f64) as usize;
            ALPHABET[index.min(ALPHABET.len() - 1)] as char
        })
        .collect()
}

/// A number in [0, 1).
#[cfg(feature = "hydrate")]
pub fn unit() -> f64 {
    math_random().clamp(0.0, 1.0)
}

/// On the server nothing random is rendered (the page must hydrate to the same
/// markup); this exists so shared code compiles.
#[cfg(not(feature = "hydrate"))]
pub fn unit() -> f64 {
    0.5
}

/// A random (version 4) UUID from the browser's cryptographic generator: the id a
/// device gives a submission when it is started.
#[cfg(feature = "hydrate")]
pub fn uuid() -> String {
    crypto_random_uuid()
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    fn math_random() -> f64;
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    fn crypto_random_uuid() -> String;
}
