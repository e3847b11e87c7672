//! Request and response bodies of the Djoser and SimpleJWT endpoints.

use serde::de::{self, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::LoginField;

/// `jwt/create/`: `{"email": …, "password": …}`, or `{"username": …}` where the backend signs in
/// by username (the model's `USERNAME_FIELD`, which SimpleJWT reads).
pub struct Credentials<'a> {
    pub login_field: LoginField,
    /// The email or username typed.
    pub login: &'a str,
    pub password: &'a str,
}

impl Serialize for Credentials<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("Credentials", 2)?;
        body.serialize_field(self.login_field.name(), self.login)?;
        body.serialize_field("password", self.password)?;
        body.end()
    }
}

/// `jwt/create/` answers both; `jwt/refresh/` too when rotation is on.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TokenPair {
    pub access: String,
    pub refresh: String,
}

/// `jwt/refresh/`: `refresh` is absent when the backend doesn't rotate refresh tokens.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RefreshedTokens {
    pub access: String,
    #[serde(default)]
    pub refresh: Option<String>,
}

#[derive(Serialize)]
pub struct RefreshToken<'a> {
    pub refresh: &'a str,
}

/// `users/me/`: only `id` and `email` are required; HyperSaaS adds profile and billing fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    #[serde(deserialize_with = "id_as_text")]
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub subscription_status: Option<String>,
    #[serde(default)]
    pub has_active_subscription: Option<bool>,
}

impl User {
    /// What the user signs in with under `field` (empty for an account without a username).
    pub fn login(&self, field: LoginField) -> &str {
        match field {
            LoginField::Email => &self.email,
            LoginField::Username => self.username.as_deref().unwrap_or_default(),
        }
    }

    /// What to call the user: their name, else their username, else their email.
    pub fn display_name(&self) -> &str {
        [&self.name, &self.username]
            .into_iter()
            .flatten()
            .map(|value| value.trim())
            .find(|value| !value.is_empty())
            .unwrap_or(&self.email)
    }
}

/// Djoser sends an integer pk by default and a string for UUID keys; keep either as text.
/// (A visitor, not an untagged enum: those buffer the input through serde's generic `Content`.)
fn id_as_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct IdVisitor;
    impl Visitor<'_> for IdVisitor {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer or a string")
        }
        fn visit_u64<E>(self, id: u64) -> Result<String, E> {
            Ok(id.to_string())
        }
        fn visit_i64<E: de::Error>(self, id: i64) -> Result<String, E> {
            u64::try_from(id)
                .map(|id| id.to_string())
                .map_err(|_| E::custom("a negative id"))
        }
        fn visit_str<E>(self, id: &str) -> Result<String, E> {
            Ok(id.to_string())
        }
    }
    deserializer.deserialize_any(IdVisitor)
}

#[derive(Serialize)]
pub struct NewAccount<'a> {
    pub email: &'a str,
    /// Asked for where users sign in by username; left out where they don't.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub username: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub name: &'a str,
    pub password: &'a str,
    pub re_password: &'a str,
}

#[derive(Serialize)]
pub struct ProfileChanges<'a> {
    pub name: &'a str,
    pub username: &'a str,
}

#[derive(Serialize)]
pub struct Email<'a> {
    pub email: &'a str,
}

/// The `{uid}/{token}` pair from an emailed link.
#[derive(Serialize)]
pub struct EmailedLink<'a> {
    pub uid: &'a str,
    pub token: &'a str,
}

#[derive(Serialize)]
pub struct NewPassword<'a> {
    pub uid: &'a str,
    pub token: &'a str,
    pub new_password: &'a str,
    pub re_new_password: &'a str,
}

#[derive(Serialize)]
pub struct PasswordChange<'a> {
    pub current_password: &'a str,
    pub new_password: &'a str,
    pub re_new_password: &'a str,
}

/// `users/set_email/` (Djoser's `set_{USERNAME_FIELD}`). `re_new_email` is what
/// `SET_USERNAME_RETYPE` asks for; a backend without it ignores the field.
#[derive(Serialize)]
pub struct EmailChange<'a> {
    pub current_password: &'a str,
    pub new_email: &'a str,
    pub re_new_email: &'a str,
}

/// `users/reset_email_confirm/`: the emailed link's pair and the new address (twice, for
/// `USERNAME_RESET_CONFIRM_RETYPE`; ignored without it).
#[derive(Serialize)]
pub struct NewEmail<'a> {
    pub uid: &'a str,
    pub token: &'a str,
    pub new_email: &'a str,
    pub re_new_email: &'a str,
}

/// `DELETE users/me/`: the password confirms it is the account holder.
#[derive(Serialize)]
pub struct CurrentPassword<'a> {
    pub current_password: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_follows_the_login_field() {
        let user: User =
            serde_json::from_str(r#"{"id": 1, "email": "alice@example.com", "username": "alice"}"#)
                .unwrap();
        assert_eq!(user.login(LoginField::Email), "alice@example.com");
        assert_eq!(user.login(LoginField::Username), "alice");
        let nameless: User =
            serde_json::from_str(r#"{"id": 2, "email": "b@example.com"}"#).unwrap();
        assert_eq!(nameless.login(LoginField::Username), "");
    }

    #[test]
    fn user_accepts_numeric_and_text_ids_and_missing_extras() {
        let user: User = serde_json::from_str(r#"{"id":1,"email":"a@example.com"}"#).unwrap();
        assert_eq!(user.id, "1");
        assert_eq!(user.display_name(), "a@example.com");
        let user: User = serde_json::from_str(
            r#"{"id":"7c0e","email":"a@example.com","name":"  ","username":"al","subscription_status":null}"#,
        )
        .unwrap();
        assert_eq!(user.id, "7c0e");
        assert_eq!(user.display_name(), "al");
        assert_eq!(user.subscription_status, None);
    }

    #[test]
    fn user_without_email_is_refused() {
        assert!(serde_json::from_str::<User>(r#"{"id":1}"#).is_err());
        assert!(serde_json::from_str::<User>(r#"{"id":true,"email":"a@b.c"}"#).is_err());
    }

    #[test]
    fn optional_name_is_left_out_of_the_registration() {
        let body = serde_json::to_string(&NewAccount {
            email: "a@b.co",
            username: "",
            name: "",
            password: "p",
            re_password: "p",
        })
        .unwrap();
        assert!(!body.contains("name"));
    }

    #[test]
    fn credentials_carry_the_login_field() {
        let body = |login_field| {
            serde_json::to_string(&Credentials {
                login_field,
                login: "alice",
                password: "p",
            })
            .unwrap()
        };
        assert_eq!(
            body(LoginField::Email),
            r#"{"email":"alice","password":"p"}"#
        );
        assert_eq!(
            body(LoginField::Username),
            r#"{"username":"alice","password":"p"}"#
        );
    }
}
