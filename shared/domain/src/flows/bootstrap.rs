//! The first administrator. On a table with no superuser, `BOOTSTRAP_ADMIN_EMAIL` and
//! `BOOTSTRAP_ADMIN_PASSWORD` create one; without them a one-time setup link does (valid
//! [`SETUP_LINK_LIFETIME`]). The first admin is a superuser with a completed profile in a company
//! of their own ("Administration" unless named).

use super::Deps;
use crate::clock::random_bytes;
use crate::email::Email;
use crate::ids::{CompanyId, UserId};
use crate::keys::secret_digest;
use crate::model::{Account, AuditTarget, Company, Credential, Profile, Ref};
use crate::password::{self, Password};
use crate::permissions::Rights;
use crate::ports::Store;
use crate::text::Name;
use crate::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::SignedDuration;
use serde::Deserialize;
use serde_json::json;

pub const SETUP_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(24);
pub const DEFAULT_ADMIN_COMPANY: &str = "Administration";

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    pub email: String,
    pub password: Password,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrap {
    Created(UserId),
    AlreadyThere,
}

/// Creates the first admin unless a superuser exists.
pub async fn ensure_first_admin<S: Store + ?Sized>(deps: &Deps<S>, input: FirstAdmin, source: &str) -> Result<Bootstrap> {
    if deps.store.has_superuser().await? {
        return Ok(Bootstrap::AlreadyThere);
    }
    let email = Email::parse("email", &input.email)?;
    input.password.check_new("password")?;
    let first = Name::parse("first_name", input.first_name.as_deref().unwrap_or("Admin"))?;
    let last = Name::parse("last_name", input.last_name.as_deref().unwrap_or("Administrator"))?;
    let company_name = Name::parse("company", input.company.as_deref().unwrap_or(DEFAULT_ADMIN_COMPANY))?;
    let hash = password::hash(&input.password, deps.entropy.as_ref()).await?;
    let now = deps.now();
    let company =
        Company { id: CompanyId::new(deps.clock.as_ref(), deps.entropy.as_ref()), name: company_name, version: 1, created_at: now };
    let id = UserId::new(deps.clock.as_ref(), deps.entropy.as_ref());
    let ce = deps.event(
        None,
        "org.company.created",
        AuditTarget::Company(company.id.clone()),
        json!({ "name": company.name, "by": source }),
        None,
    );
    deps.store.create_company(&company, &ce).await?;
    let account =
        Account { superuser: true, staff: true, has_profile: true, ..Account::new(id.clone(), email, Credential::Password { hash }, now) };
    let profile = Profile {
        user_id: id.clone(),
        company: Ref { id: company.id.clone(), name: company.name.to_string() },
        first_name: first,
        last_name: last,
        phone: None,
        department: None,
        position: None,
        roles: vec![],
        groups: vec![],
        quizzes: vec![],
        colour: None,
        start_date: None,
        end_date: None,
        language: None,
        completed: true,
        rights: Rights::default(),
        // The epoch of a table where no group's rights changed yet (the first administrator's):
        // no group, no rights, current.
        rights_epoch: crate::permissions::RIGHTS_DERIVATION,
        avatar_key: None,
        version: 1,
        created_at: now,
    };
    let refs = vec![crate::ports::Reference { field: "company".into(), target: crate::ports::RefTarget::Company(company.id.clone()) }];
    let e = deps.event(None, "user.created", AuditTarget::User(id.clone()), json!({ "mode": "first_admin", "by": source }), None);
    deps.store.create_user(&account, &profile, &refs, &e).await?;
    Ok(Bootstrap::Created(id))
}

/// A one-time setup token when no superuser exists yet; only its digest is stored.
pub async fn issue_setup_token<S: Store + ?Sized>(deps: &Deps<S>) -> Result<Option<String>> {
    if deps.store.has_superuser().await? {
        return Ok(None);
    }
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>(deps.entropy.as_ref()));
    let expires = deps.now().checked_add(SETUP_LINK_LIFETIME).map_err(Error::unexpected)?;
    deps.store.put_setup_token(&secret_digest(&token), expires).await?;
    Ok(Some(token))
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RedeemSetup {
    pub token: String,
    #[serde(flatten)]
    pub admin: FirstAdmin,
}

/// Spends a setup token and creates the first admin with it.
pub async fn redeem_setup<S: Store + ?Sized>(deps: &Deps<S>, input: RedeemSetup) -> Result<UserId> {
    // Validate before spending, so a typo does not burn the link.
    Email::parse("email", &input.admin.email)?;
    input.admin.password.check_new("password")?;
    if input.token.len() > 100 || !deps.store.take_setup_token(&secret_digest(&input.token), deps.now()).await? {
        return Err(Error::invalid("token", "this link is expired, already used or unknown"));
    }
    match ensure_first_admin(deps, input.admin, "setup_link").await? {
        Bootstrap::Created(id) => Ok(id),
        Bootstrap::AlreadyThere => Err(Error::conflict("token", "an administrator already exists")),
    }
}
