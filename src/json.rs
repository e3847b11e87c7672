//! JSON text to and from serde types, without a JSON parser in the wasm.
//!
//! In the browser the engine's own `JSON.parse` / `JSON.stringify` handle the text and
//! serde-wasm-bindgen (already linked by yew-router's history) maps the values: serde_json's
//! parser and printer cost more of the bundle than anything else of ours. Natively (the unit
//! and property tests) serde_json does the same job on the same serde types.

use serde::de::{Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use crate::field_map::FieldMap;

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

/// A JSON value of any shape, as far as error messages need one: numbers and booleans only
/// as their text. (serde_json's `Value` would bring serde_json into the wasm.)
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Text(String),
    /// A number or a boolean, written out.
    Scalar(String),
    List(Vec<Json>),
    /// In the server's order.
    Object(FieldMap<String, Json>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// The first item of a list (`Null` for anything else).
    pub fn first(&self) -> &Json {
        match self {
            Json::List(items) => items.first().unwrap_or(&Json::Null),
            _ => &Json::Null,
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
                Ok(Json::Scalar(value.to_string()))
            }
            fn visit_i64<E>(self, value: i64) -> Result<Json, E> {
                Ok(Json::Scalar(value.to_string()))
            }
            fn visit_u64<E>(self, value: u64) -> Result<Json, E> {
                Ok(Json::Scalar(value.to_string()))
            }
            fn visit_f64<E>(self, value: f64) -> Result<Json, E> {
                Ok(Json::Scalar(value.to_string()))
            }
            fn visit_str<E>(self, value: &str) -> Result<Json, E> {
                Ok(Json::Text(value.to_string()))
            }
            fn visit_string<E>(self, value: String) -> Result<Json, E> {
                Ok(Json::Text(value))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries = FieldMap::new();
                while let Some((key, value)) = map.next_entry()? {
                    entries.insert(key, value);
                }
                Ok(Json::Object(entries))
            }
        }
        deserializer.deserialize_any(JsonVisitor)
    }
}
