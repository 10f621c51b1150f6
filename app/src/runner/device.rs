//! The device's own abilities the runner uses (browser only): its location and its
//! camera as a barcode reader; see `device.js`.

use muster_domain::forms::fill::Location;
use serde::Deserialize;
use wasm_bindgen::{prelude::*, JsCast};

#[wasm_bindgen(module = "/src/runner/device.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = locate)]
    async fn js_locate(timeout_ms: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = canScan)]
    pub fn can_scan() -> bool;
    #[wasm_bindgen(catch, js_name = scan)]
    async fn js_scan(
        video: &web_sys::HtmlVideoElement,
        timeout_ms: u32,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = stopScan)]
    pub fn stop_scan();
}

/// Gives up on a scan after this long: the person types the code instead.
const SCAN_TIMEOUT_MS: u32 = 60_000;

/// The text of the first barcode or QR code the camera sees in `video`.
pub async fn scan(video: &web_sys::HtmlVideoElement) -> Result<String, String> {
    let found = js_scan(video, SCAN_TIMEOUT_MS).await.map_err(|error| {
        error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "The camera could not read a code: type it instead.".to_owned())
    })?;
    found
        .as_string()
        .ok_or_else(|| "The camera read something that is not text: type the code.".to_owned())
}

#[derive(Deserialize)]
struct Fix {
    latitude: f64,
    longitude: f64,
    accuracy_m: f64,
}

/// Waits at most this long for a fix: outdoors a phone usually has one within seconds.
const LOCATE_TIMEOUT_MS: u32 = 20_000;

/// One fix from the device, or why there is none.
pub async fn locate() -> Result<Location, String> {
    let answer = js_locate(LOCATE_TIMEOUT_MS).await.map_err(|reason| {
        reason
            .as_string()
            .unwrap_or_else(|| "The location is unavailable.".to_owned())
    })?;
    let fix: Fix = answer
        .as_string()
        .and_then(|json| serde_json::from_str(&json).ok())
        .ok_or_else(|| "The device gave a location Muster cannot read.".to_owned())?;
    Ok(Location {
        latitude: fix.latitude,
        longitude: fix.longitude,
        accuracy_m: Some(fix.accuracy_m),
    })
}
