//! The time source: local time in Unix seconds, for the session and the forms' countdowns.

pub fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}
