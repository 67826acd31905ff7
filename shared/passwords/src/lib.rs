//! How guessable a new password is, by zxcvbn: common passwords, words, names, keyboard patterns
//! and the user's own details, estimated offline. Its dictionaries are large, so this crate is
//! linked only by the functions that set passwords (reset confirm, the cabinet, the admin edit).

use secboard_domain::ports::PasswordStrength;

/// The least zxcvbn score (0 to 4) a new password must reach: 3 is "safely unguessable: moderate
/// protection from an offline slow-hash scenario", which argon2id is.
pub const MIN_STRENGTH: u8 = 3;

/// zxcvbn as the domain's [`PasswordStrength`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Zxcvbn;

impl PasswordStrength for Zxcvbn {
    fn weakness(&self, password: &str, context: &[&str]) -> Option<String> {
        let estimate = zxcvbn::zxcvbn(password, context);
        (u8::from(estimate.score()) < MIN_STRENGTH).then(|| {
            estimate
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()).or_else(|| f.suggestions().first().map(|s| s.to_string())))
                .unwrap_or_else(|| "it is too easy to guess".to_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secboard_domain::Error;
    use secboard_domain::password::{Password, check_policy};

    #[test]
    fn common_or_personal_passwords_are_refused_with_a_reason() {
        for weak in ["password", "12345678", "qwertyuiop", "iloveyou1", "P@ssw0rd!"] {
            let e = check_policy(&Password::new(weak), "password", &[], &Zxcvbn).unwrap_err();
            assert!(
                matches!(&e, Error::Invalid { field, message } if field == "password" && message.starts_with("choose a stronger")),
                "{weak}: {e:?}"
            );
        }
        assert!(
            check_policy(&Password::new("adalovelace"), "password", &["ada.lovelace@example.com", "Ada", "Lovelace"], &Zxcvbn).is_err()
        );
        assert!(check_policy(&Password::new("correct horse battery staple"), "password", &[], &Zxcvbn).is_ok());
        assert!(check_policy(&Password::new("vT8#qL2!mZ"), "password", &[], &Zxcvbn).is_ok());
    }
}
