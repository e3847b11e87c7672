//! JSON text to and from serde types, without a JSON parser in the wasm.
//!
//! In the browser the engine's own `JSON.parse` / `JSON.stringify` handle the text and
//! serde-wasm-bindgen (already linked by yew-router's history) maps the values: serde_json's
//! parser and printer cost more of the bundle than anything else of ours. Natively (the unit
//! and property tests) serde_json does the same job on the same serde types.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Reads `text` as a `T`; `None` if it isn't JSON or isn't a `T`.
#[cfg(target_arch = "wasm32")]
pub fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// Writes `value` as JSON text.
#[cfg(target_arch = "wasm32")]
pub fn print<T: Serialize>(value: &T) -> Option<String> {
    // Plain objects and numbers (not Maps and BigInts), as JSON has them.
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_str(text).ok()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn print<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}
