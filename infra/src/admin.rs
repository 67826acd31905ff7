//! The admin tool's operations, for any table (local or deployed): the first admin, a one-time
//! setup link (see `flows::bootstrap`), and an account without a profile (for "Use Existing User").

use secboard_domain::email::Email;
use secboard_domain::flows::Deps;
use secboard_domain::ids::UserId;
use secboard_domain::model::{Account, AuditTarget, Credential, Source};
use secboard_domain::password::{self, Password};
use serde_json::json;

/// An account with no cabinet profile (as a migration leaves it), optionally with a password.
pub async fn create_account(deps: &Deps, email: &str, pw: Option<&str>, superuser: bool) -> secboard_domain::Result<UserId> {
    let email = Email::parse("email", email)?;
    let credential = match pw {
        Some(p) => {
            let p = Password::new(p);
            p.check_new("password")?;
            Credential::Password { hash: password::hash(&p, deps.entropy.as_ref()).await? }
        }
        None => Credential::None,
    };
    let id = UserId::new(deps.clock.as_ref(), deps.entropy.as_ref());
    let account = Account {
        id: id.clone(),
        email,
        source: Source::Local,
        credential,
        active: true,
        superuser,
        staff: superuser,
        require_2fa: false,
        force_password_change: false,
        totp_enrolled: false,
        epoch: 1,
        version: 1,
        created_at: deps.now(),
        has_profile: false,
    };
    let e = deps.event(None, "account.created", AuditTarget::User(id.clone()), json!({ "by": "admin_tool" }), None);
    deps.store.create_account(&account, &e).await?;
    Ok(id)
}
