//! The form inputs: Djoser's name for each (so server errors land under it), its label and
//! kind. Pure data, shared by the pages' forms and the checks in `validate`.

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldKind {
    Email,
    /// A password the user has (`autocomplete="current-password"`).
    CurrentPassword,
    /// A password being chosen (`autocomplete="new-password"`).
    NewPassword,
    Text {
        autocomplete: &'static str,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Djoser's name for it, so server errors land here.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub optional: bool,
    pub hint: Option<&'static str>,
}

impl Field {
    pub const fn new(name: &'static str, label: &'static str, kind: FieldKind) -> Field {
        Field {
            name,
            label,
            kind,
            optional: false,
            hint: None,
        }
    }

    pub const fn optional(self) -> Field {
        Field {
            optional: true,
            ..self
        }
    }

    pub const fn hint(self, hint: &'static str) -> Field {
        Field {
            hint: Some(hint),
            ..self
        }
    }

    pub fn input_type(&self, revealed: bool) -> &'static str {
        match self.kind {
            FieldKind::Email => "email",
            FieldKind::CurrentPassword | FieldKind::NewPassword if !revealed => "password",
            _ => "text",
        }
    }

    pub fn autocomplete(&self) -> &'static str {
        match self.kind {
            FieldKind::Email => "email",
            FieldKind::CurrentPassword => "current-password",
            FieldKind::NewPassword => "new-password",
            FieldKind::Text { autocomplete } => autocomplete,
        }
    }

    pub fn is_password(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::CurrentPassword | FieldKind::NewPassword
        )
    }
}

// The inputs of the app's forms, by Djoser's names.
pub const EMAIL: Field = Field::new("email", "Email", FieldKind::Email);
/// The sign-in password.
pub const PASSWORD: Field = Field::new("password", "Password", FieldKind::CurrentPassword);
pub const NAME: Field = Field::new(
    "name",
    "Name",
    FieldKind::Text {
        autocomplete: "name",
    },
)
.optional();
/// What users sign in with where Djoser's `LOGIN_FIELD` is `username`: required then.
pub const LOGIN_USERNAME: Field = Field::new(
    "username",
    "Username",
    FieldKind::Text {
        autocomplete: "username",
    },
);
pub const USERNAME: Field = LOGIN_USERNAME.optional();
/// The password chosen at registration.
pub const NEW_ACCOUNT_PASSWORD: Field =
    Field::new("password", "Password", FieldKind::NewPassword).hint("At least 8 characters.");
pub const REPEAT_PASSWORD: Field =
    Field::new("re_password", "Repeat the password", FieldKind::NewPassword);
pub const CURRENT_PASSWORD: Field = Field::new(
    "current_password",
    "Current password",
    FieldKind::CurrentPassword,
);
pub const NEW_PASSWORD: Field = Field::new("new_password", "New password", FieldKind::NewPassword)
    .hint("At least 8 characters.");
pub const REPEAT_NEW_PASSWORD: Field = Field::new(
    "re_new_password",
    "Repeat the new password",
    FieldKind::NewPassword,
);
/// The address to sign in with from now on (Djoser's `new_{USERNAME_FIELD}`).
pub const NEW_EMAIL: Field = Field::new("new_email", "New email", FieldKind::Email);
/// Asked for by `SET_USERNAME_RETYPE` and `USERNAME_RESET_CONFIRM_RETYPE`.
pub const REPEAT_NEW_EMAIL: Field =
    Field::new("re_new_email", "Repeat the new email", FieldKind::Email);
