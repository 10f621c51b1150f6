//! Photos and signatures on the device (browser only): taken or drawn (`media.js`),
//! then kept in IndexedDB beside the outbox (`outbox.js`) from the moment they exist,
//! so a draft that names them survives the tab closing. They go to the server with the
//! submission that names them.

use muster_domain::forms::media::{ImageType, MediaRef};
use serde::Deserialize;
use wasm_bindgen::{prelude::*, JsCast};

#[wasm_bindgen(module = "/src/runner/media.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = preparePhoto)]
    async fn js_prepare_photo(file: &web_sys::File, max_px: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = signaturePad)]
    pub fn signature_pad(canvas: &web_sys::HtmlCanvasElement);
    #[wasm_bindgen(js_name = clearSignature)]
    pub fn clear_signature(canvas: &web_sys::HtmlCanvasElement);
    #[wasm_bindgen(catch, js_name = signatureImage)]
    async fn js_signature_image(canvas: &web_sys::HtmlCanvasElement) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/runner/outbox.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = keepFile)]
    async fn js_keep_file(user: &str, blob: &web_sys::Blob) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = fileUrl)]
    async fn js_file_url(user: &str, id: &str) -> Result<JsValue, JsValue>;
}

#[derive(Deserialize)]
struct Kept {
    id: String,
    bytes: u64,
    #[serde(rename = "type")]
    content_type: String,
}

fn reason(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser refused".to_owned())
}

async fn keep(user: &str, blob: &web_sys::Blob) -> Result<MediaRef, String> {
    let json = js_keep_file(user, blob).await.map_err(reason)?;
    let kept: Kept = json
        .as_string()
        .and_then(|json| serde_json::from_str(&json).ok())
        .ok_or_else(|| "the device kept something unreadable".to_owned())?;
    let image_type = ImageType::parse(&kept.content_type)
        .ok_or_else(|| "this is not a JPEG, PNG or WebP image".to_owned())?;
    Ok(MediaRef {
        id: kept.id,
        bytes: kept.bytes,
        image_type,
    })
}

/// Scales `file` down to `max_px` and keeps it for `user`.
pub async fn keep_photo(user: &str, file: &web_sys::File, max_px: u32) -> Result<MediaRef, String> {
    let prepared = js_prepare_photo(file, max_px).await.map_err(reason)?;
    keep(user, prepared.unchecked_ref()).await
}

/// Keeps what was drawn on `canvas` (`None` when nothing was).
pub async fn keep_signature(
    user: &str,
    canvas: &web_sys::HtmlCanvasElement,
) -> Result<Option<MediaRef>, String> {
    let image = js_signature_image(canvas).await.map_err(reason)?;
    if image.is_null() || image.is_undefined() {
        return Ok(None);
    }
    keep(user, image.unchecked_ref()).await.map(Some)
}

/// A URL that shows kept file `id` ('' when this device does not have it).
pub async fn url(user: &str, id: &str) -> String {
    js_file_url(user, id)
        .await
        .ok()
        .and_then(|url| url.as_string())
        .unwrap_or_default()
}
