//! One error type for every way a Djoser call can fail, parsed without touching the browser.

use crate::field_map::FieldMap;
use crate::json::Json;

/// Field name → messages, as Djoser sends them (`{"email": ["…"]}`), in the server's order.
pub type FieldErrors = FieldMap<String, Vec<String>>;

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// No response at all: offline, server down, DNS, or a CORS refusal.
    Network,
    /// No answer within the request timeout.
    Timeout,
    /// 429 from DRF throttling; seconds to wait, from `Retry-After` or the message.
    Throttled { retry_after: Option<u32> },
    /// A 4xx with a JSON body in one of Djoser's shapes (boxed: it is the large one).
    Rejected(Box<Rejection>),
    /// 5xx: the server failed.
    Server { status: u16 },
    /// A body this client can't read: HTML where JSON was due, wrong types, missing fields.
    Unexpected { status: u16 },
    /// An authenticated call with no session to authenticate it.
    NotSignedIn,
    /// A 2xx answer whose token this client can't read (not a JWT, no lifetime).
    BadToken,
}

/// A 4xx answer, with every Djoser body shape folded into one structure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rejection {
    pub status: u16,
    /// `{"detail": …}`, with `messages[0].message` appended when SimpleJWT gives it.
    pub detail: Option<String>,
    /// `{"code": "token_not_valid"}` and the like.
    pub code: Option<String>,
    /// Errors about one input, under that input's name.
    pub fields: FieldErrors,
    /// `non_field_errors`, and a bare list (`["User with given email does not exist."]`).
    pub general: Vec<String>,
}

/// Djoser's error bodies are a few hundred bytes; anything past this isn't one, and isn't parsed.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// Djoser nests two levels (`{"field": ["message"]}`); deeper is someone's experiment.
pub const MAX_ERROR_BODY_DEPTH: usize = 16;
/// The longest wait a `Retry-After` may impose: a form never counts down for hours.
pub const MAX_RETRY_AFTER_SECS: u32 = 3600;

impl ApiError {
    /// Classifies a non-2xx answer. `retry_after` is the raw `Retry-After` header.
    pub fn from_response(status: u16, retry_after: Option<&str>, body: &str) -> ApiError {
        if status == 429 {
            let seconds = retry_after
                .and_then(|value| value.trim().parse::<u32>().ok())
                .or_else(|| seconds_in_throttle_message(body))
                .map(|seconds| seconds.min(MAX_RETRY_AFTER_SECS));
            return ApiError::Throttled {
                retry_after: seconds,
            };
        }
        if status >= 500 {
            return ApiError::Server { status };
        }
        if !parseable(body) {
            return ApiError::Unexpected { status };
        }
        match Json::parse(body).and_then(|value| Rejection::from_json(status, value)) {
            Some(rejection) => ApiError::Rejected(Box::new(rejection)),
            None => ApiError::Unexpected { status },
        }
    }

    /// The refresh was refused because its token is dead (rotated out, revoked, expired,
    /// forged) or its user is gone: retrying won't help, the sign-in is over. Anything else
    /// (a gateway's 403, a proxy's 413, a 404, an odd body) says nothing about the token and
    /// counts as an unreachable server.
    pub fn ends_session(&self) -> bool {
        const DEAD: [&str; 4] = [
            "token_not_valid",
            "user_inactive",
            "user_not_found",
            "no_active_account",
        ];
        let ApiError::Rejected(r) = self else {
            return false;
        };
        match r.status {
            401 => {
                r.code.as_deref().is_some_and(|code| DEAD.contains(&code))
                    || r.detail
                        .as_deref()
                        .is_some_and(|detail| detail.starts_with("No active account"))
            }
            400 => r.fields.contains_key("refresh"),
            _ => false,
        }
    }

    /// The access token was refused: invalid (revoked, or the browser clock ran ahead of
    /// ours), or issued before a password change (SimpleJWT's `CHECK_REVOKE_TOKEN`), or its
    /// user is gone or deactivated. A refresh settles it: new tokens, or the session ends.
    pub fn is_invalid_token(&self) -> bool {
        const CODES: [&str; 4] = [
            "token_not_valid",
            "password_changed",
            "user_not_found",
            "user_inactive",
        ];
        matches!(self, ApiError::Rejected(r) if r.status == 401 && r.code.as_deref().is_some_and(|code| CODES.contains(&code)))
    }

    /// An emailed link refused for its `uid` or `token` (used already, expired or mangled): the
    /// form can't help, a new link can.
    pub fn is_bad_link(&self) -> bool {
        matches!(self, ApiError::Rejected(r) if r.fields.contains_key("uid") || r.fields.contains_key("token"))
    }

    /// An address no account has, as a backend with Djoser's `*_SHOW_EMAIL_NOT_FOUND` says it
    /// (a 400 with a bare list): the reset pages answer as for a known one, so that they don't
    /// tell who has an account.
    pub fn is_unknown_address(&self) -> bool {
        matches!(self, ApiError::Rejected(r) if r.status == 400 && r.fields.is_empty())
    }

    /// Splits the error for a form with these inputs: messages about an input go under it,
    /// everything else (including messages about fields the form doesn't show) on top.
    pub fn for_form(&self, inputs: &[&str]) -> (FieldErrors, Option<String>) {
        let ApiError::Rejected(rejection) = self else {
            return (FieldErrors::new(), Some(self.summary()));
        };
        let (shown, other): (FieldErrors, FieldErrors) = rejection
            .fields
            .clone()
            .into_iter()
            .partition(|(field, _)| inputs.contains(&field.as_str()));
        let mut top: Vec<String> = rejection.detail.iter().cloned().collect();
        top.extend(rejection.general.iter().cloned());
        top.extend(other.into_iter().flat_map(|(_, messages)| messages));
        let top = if top.is_empty() && shown.is_empty() {
            Some(rejection.summary())
        } else {
            (!top.is_empty()).then(|| top.join(" "))
        };
        (shown, top)
    }

    /// One sentence for the top of a form or a page.
    pub fn summary(&self) -> String {
        match self {
            ApiError::Network => {
                "Can't reach the server. Check your connection and try again.".into()
            }
            ApiError::Timeout => "The server took too long to answer. Try again.".into(),
            ApiError::Throttled {
                retry_after: Some(seconds),
            } => format!(
                "Too many attempts. Try again in {}.",
                plural_seconds(*seconds)
            ),
            ApiError::Throttled { retry_after: None } => {
                "Too many attempts. Wait a minute, then try again.".into()
            }
            ApiError::Rejected(rejection) => rejection.summary(),
            ApiError::Server { status } => {
                format!("The server ran into a problem (HTTP {status}). Try again in a moment.")
            }
            ApiError::Unexpected { status } => {
                format!("The server sent an answer this app doesn't understand (HTTP {status}).")
            }
            ApiError::NotSignedIn => "You're signed out. Sign in again to continue.".into(),
            ApiError::BadToken => {
                "The server sent a token this app can't read. Try again, or ask its administrator."
                    .into()
            }
        }
    }
}

impl Rejection {
    fn from_json(status: u16, value: Json) -> Option<Rejection> {
        let mut rejection = Rejection {
            status,
            ..Rejection::default()
        };
        match value {
            Json::Object(map) => {
                for (key, value) in map {
                    match key.as_str() {
                        "detail" => {
                            let detail = text_of(&value).join(" ");
                            rejection.detail = (!detail.is_empty()).then_some(detail);
                        }
                        "code" => {
                            if let Json::Text(code) = value {
                                rejection.code = Some(code);
                            }
                        }
                        "messages" => {
                            // SimpleJWT: [{"message": "Token is expired", …}]
                            if let Some(Json::Text(reason)) = value.first().get("message") {
                                rejection.general.push(reason.clone());
                            }
                        }
                        "non_field_errors" => rejection.general.extend(text_of(&value)),
                        _ => {
                            let messages = text_of(&value);
                            if !messages.is_empty() {
                                rejection.fields.insert(key, messages);
                            }
                        }
                    }
                }
            }
            other @ (Json::List(_) | Json::Text(_)) => rejection.general = text_of(&other),
            _ => return None,
        }
        let empty = rejection.detail.is_none()
            && rejection.fields.is_empty()
            && rejection.general.is_empty();
        (!empty).then_some(rejection)
    }

    /// Every message of the rejection that isn't tied to an input.
    pub fn summary(&self) -> String {
        let mut parts: Vec<&str> = self.detail.iter().map(String::as_str).collect();
        parts.extend(self.general.iter().map(String::as_str));
        if parts.is_empty() {
            "Please correct the fields marked below.".into()
        } else {
            parts.join(" ")
        }
    }
}

/// Messages out of a JSON value of any shape: a string, a list of them, or nested objects.
/// Blank strings say nothing and are dropped.
fn text_of(value: &Json) -> Vec<String> {
    match value {
        Json::Text(text) if text.trim().is_empty() => Vec::new(),
        Json::Text(text) | Json::Scalar(text) => vec![text.clone()],
        Json::List(items) => items.iter().flat_map(text_of).collect(),
        Json::Object(map) => map.values().flat_map(text_of).collect(),
        Json::Null => Vec::new(),
    }
}

/// Whether `body` is small and shallow enough to parse: a hostile one never makes the parser
/// recurse past the stack.
fn parseable(body: &str) -> bool {
    body.len() <= MAX_ERROR_BODY_BYTES && nesting_depth(body) <= MAX_ERROR_BODY_DEPTH
}

/// DRF: "Request was throttled. Expected available in 59 seconds."
fn seconds_in_throttle_message(body: &str) -> Option<u32> {
    if !parseable(body) {
        return None;
    }
    let Some(Json::Text(text)) = Json::parse(body)?.get("detail").cloned() else {
        return None;
    };
    let after = text.split("available in ").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

/// How deep `[` and `{` nest in JSON text, brackets inside strings aside; read before parsing,
/// so a hostile body can't make the parser recurse.
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

pub fn plural_seconds(seconds: u32) -> String {
    if seconds == 1 {
        "1 second".into()
    } else {
        format!("{seconds} seconds")
    }
}

#[cfg(test)]
mod tests;
