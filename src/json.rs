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
    /// Reads `text` as JSON of any shape; `None` if it isn't JSON.
    #[cfg(target_arch = "wasm32")]
    pub fn parse(text: &str) -> Option<Json> {
        js_sys::JSON::parse(text)
            .ok()
            .map(|value| Json::from_js(&value))
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn parse(text: &str) -> Option<Json> {
        parse(text)
    }

    /// What `JSON.parse` gave, read as its `Deserialize` below reads it through
    /// serde-wasm-bindgen (integers within 2^53 as integers); walked directly, without that
    /// deserializer's generic code for this type (~1 KB gzip).
    #[cfg(target_arch = "wasm32")]
    fn from_js(value: &wasm_bindgen::JsValue) -> Json {
        use wasm_bindgen::JsCast;
        if let Some(flag) = value.as_bool() {
            Json::Scalar(flag.to_string())
        } else if let Some(number) = value.as_f64() {
            Json::Scalar(match js_sys::Number::is_safe_integer(value) {
                true => (number as i64).to_string(),
                false => float_text(number),
            })
        } else if let Some(text) = value.as_string() {
            Json::Text(text)
        } else if let Some(items) = value.dyn_ref::<js_sys::Array>() {
            Json::List(items.iter().map(|item| Json::from_js(&item)).collect())
        } else if let Some(object) = value.dyn_ref::<js_sys::Object>() {
            let mut entries = FieldMap::new();
            for entry in js_sys::Object::entries(object).iter() {
                let entry: js_sys::Array = entry.unchecked_into();
                let key = entry.get(0).as_string().unwrap_or_default();
                entries.insert(key, Json::from_js(&entry.get(1)));
            }
            Json::Object(entries)
        } else {
            Json::Null
        }
    }

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

/// A float as Rust writes it (`1.5`, `1e21` as `1000000000000000000000`). In the browser the
/// engine's `Number#toString` finds the digits (the same shortest ones), so that Rust's float
/// printer (~8 KB of wasm) stays out; only its exponent form is written out.
#[cfg(target_arch = "wasm32")]
fn float_text(value: f64) -> String {
    let js = js_sys::Number::from(value).to_string_with_radix(10);
    let js = js.map(String::from).unwrap_or_default();
    without_exponent(&js)
}

#[cfg(not(target_arch = "wasm32"))]
fn float_text(value: f64) -> String {
    value.to_string()
}

/// `1.5e+21` (JavaScript) or `1.5e21` as `1500000000000000000000`, `2e-7` as `0.0000002`.
#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
fn without_exponent(text: &str) -> String {
    let Some((mantissa, exponent)) = text.split_once('e') else {
        return text.to_string();
    };
    let exponent: isize = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(unsigned) => ("-", unsigned),
        None => ("", mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = [whole, fraction].concat();
    // Where the decimal point falls in `digits`.
    let point = whole.len() as isize + exponent;
    if point <= 0 {
        [sign, "0.", &"0".repeat(point.unsigned_abs()), &digits].concat()
    } else if point as usize >= digits.len() {
        [sign, &digits, &"0".repeat(point as usize - digits.len())].concat()
    } else {
        let (before, after) = digits.split_at(point as usize);
        [sign, before, ".", after].concat()
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
                Ok(Json::Scalar(float_text(value)))
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

#[cfg(test)]
mod tests {
    use super::without_exponent;

    #[test]
    fn floats_in_exponent_form_read_as_rust_writes_them() {
        for value in [
            1e21,
            1.5e21,
            -2.5e300,
            f64::MAX,
            2e-7,
            -1.25e-10,
            5e-324,
            0.1,
            123.456,
            1e16,
            -3.0,
        ] {
            assert_eq!(without_exponent(&format!("{value:e}")), value.to_string());
        }
        assert_eq!(without_exponent("1.5e+21"), "1500000000000000000000");
        assert_eq!(without_exponent("-1e-7"), "-0.0000001");
        assert_eq!(without_exponent("0.25"), "0.25");
    }

    proptest::proptest! {
        #[test]
        fn any_float_in_exponent_form_reads_as_rust_writes_it(value: f64) {
            proptest::prop_assume!(value.is_finite());
            proptest::prop_assert_eq!(without_exponent(&format!("{value:e}")), value.to_string());
        }
    }
}
