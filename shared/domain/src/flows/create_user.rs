//! Creating a user, in the manual's two modes: "Create New User" (account and cabinet profile
//! together) and "Use Existing User" (a profile for an account that has none). No password is
//! set: first access comes by a reset or First Login link.

use super::Deps;
use super::authorize::Principal;
use super::views::AdminUserView;
use crate::activation::check_range;
use crate::email::Email;
use crate::ids::{CompanyId, GroupId, OrgItemId, UserId};
use crate::model::{AccessGroup, Account, AuditTarget, Credential, GroupRef, ItemKind, Profile, Ref, User};
use crate::password::Password;
use crate::permissions::{Action, Actor, Module, Rights};
use crate::phone::Phone;
use crate::ports::{RefTarget, Reference, Store};
use crate::text::{Colour, Language, Name};
use crate::{Error, Result};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;

// Bounds that keep an edit replacing every reference within one transaction (100 items):
// the account, profile, markers and audit, plus the released and added references.
pub const ROLES_MAX: usize = 10;
pub const GROUPS_MAX: usize = 20;
pub const QUIZZES_MAX: usize = 10;

#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Create New User: a new account and its profile.
    #[default]
    New,
    /// Use Existing User: wrap an account that has no profile yet.
    Existing,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUserInput {
    #[serde(default)]
    pub mode: Mode,
    /// Existing mode: the account to wrap (or give its email).
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub company_id: String,
    pub phone: Option<String>,
    pub colour: Option<String>,
    pub department_id: Option<String>,
    pub position_id: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Adds every access group of the chosen roles (copied now, not kept in step later).
    #[serde(default)]
    pub apply_role_groups: bool,
    /// Additional cabinet groups beyond the roles'.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub quizzes: Vec<String>,
    #[serde(default)]
    pub staff: bool,
    #[serde(default)]
    pub require_2fa: bool,
    pub active: Option<bool>,
    pub language: Option<Language>,
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_date(field: &str, s: &Option<String>) -> Result<Option<Date>> {
    opt(s).map(|v| crate::activation::parse_date(field, v)).transpose()
}

fn parse_ids<T>(field: &str, raw: &[String], max: usize, parse: impl Fn(&str, &str) -> Result<T>) -> Result<Vec<T>>
where
    T: PartialEq,
{
    if raw.len() > max {
        return Err(Error::invalid(field, format!("at most {max}")));
    }
    let mut out = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let id = parse(&format!("{field}[{i}]"), s)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The profile's organisation references, checked against the company, with the references the
/// store counts (and re-checks atomically).
pub struct Placement {
    pub profile: Profile,
    pub refs: Vec<Reference>,
    /// The access groups given, each with the field that named it (`groups[i]`, or `roles`).
    pub groups: Vec<(String, AccessGroup)>,
}

/// The granting rule (`Actor::lacks_to_grant`) over groups given or taken away: 403 naming the
/// field of the first group beyond the caller's reach.
pub fn check_grants<'a>(actor: &Actor, groups: impl IntoIterator<Item = (&'a str, &'a AccessGroup)>) -> Result<()> {
    for (field, g) in groups {
        if let Some(right) = actor.lacks_to_grant(&g.permissions, g.company_id.as_ref()) {
            return Err(Error::not_permitted(
                field,
                format!(
                    "you may not grant or take away the access group \"{}\": it carries {right}, which you do not hold over everyone it reaches",
                    g.name
                ),
            ));
        }
    }
    Ok(())
}

/// Parses and resolves everything a profile refers to. Anything not of the company (groups may
/// also be global) is refused naming its field.
pub async fn place<S: Store + ?Sized>(
    deps: &Deps<S>,
    user_id: &UserId,
    input: &CreateUserInput,
    company_id: &CompanyId,
) -> Result<Placement> {
    let first_name = Name::parse("first_name", &input.first_name)?;
    let last_name = Name::parse("last_name", &input.last_name)?;
    let phone = opt(&input.phone).map(|v| Phone::parse("phone", v)).transpose()?;
    let colour = opt(&input.colour).map(|v| Colour::parse("colour", v)).transpose()?;
    let department = opt(&input.department_id).map(|v| OrgItemId::parse("department_id", v)).transpose()?;
    let position = opt(&input.position_id).map(|v| OrgItemId::parse("position_id", v)).transpose()?;
    let start_date = parse_date("start_date", &input.start_date)?;
    let end_date = parse_date("end_date", &input.end_date)?;
    check_range(start_date, end_date)?;
    let roles = parse_ids("roles", &input.roles, ROLES_MAX, OrgItemId::parse)?;
    let mut group_ids = parse_ids("groups", &input.groups, GROUPS_MAX, GroupId::parse)?;
    let quizzes = parse_ids("quizzes", &input.quizzes, QUIZZES_MAX, OrgItemId::parse)?;

    let company = deps.store.get_company(company_id).await?.ok_or_else(|| Error::invalid("company_id", "no such company"))?;
    let mut keys: Vec<(ItemKind, OrgItemId)> = vec![];
    keys.extend(department.iter().map(|d| (ItemKind::Department, d.clone())));
    keys.extend(position.iter().map(|d| (ItemKind::Position, d.clone())));
    keys.extend(roles.iter().map(|d| (ItemKind::Role, d.clone())));
    keys.extend(quizzes.iter().map(|d| (ItemKind::Quiz, d.clone())));
    let items = deps.store.get_items(company_id, &keys).await?;
    let find = |kind: ItemKind, id: &OrgItemId, field: &str| -> Result<Ref<OrgItemId>> {
        items
            .iter()
            .find(|i| i.kind == kind && &i.id == id)
            .map(|i| Ref { id: i.id.clone(), name: i.name.to_string() })
            .ok_or_else(|| Error::invalid(field, format!("no such {} in this company", kind.as_str())))
    };
    let department = department.map(|d| find(ItemKind::Department, &d, "department_id")).transpose()?;
    let position = position.map(|d| find(ItemKind::Position, &d, "position_id")).transpose()?;
    let roles: Vec<Ref<OrgItemId>> =
        roles.iter().enumerate().map(|(i, r)| find(ItemKind::Role, r, &format!("roles[{i}]"))).collect::<Result<_>>()?;
    let quizzes: Vec<Ref<OrgItemId>> =
        quizzes.iter().enumerate().map(|(i, r)| find(ItemKind::Quiz, r, &format!("quizzes[{i}]"))).collect::<Result<_>>()?;

    // "Apply groups from roles": the roles' groups are copied onto the user now.
    let explicit = group_ids.len();
    if input.apply_role_groups {
        for role in &roles {
            if let Some(item) = items.iter().find(|i| i.kind == ItemKind::Role && i.id == role.id) {
                for g in &item.groups {
                    if !group_ids.contains(g) {
                        group_ids.push(g.clone());
                    }
                }
            }
        }
        if group_ids.len() > GROUPS_MAX {
            return Err(Error::invalid("groups", format!("the roles' groups and the extra ones come to more than {GROUPS_MAX}")));
        }
    }
    // The epoch first: rights computed from groups read after it are right at least as of it.
    let rights_epoch = deps.store.rights_epoch().await?;
    let found = deps.store.find_groups(company_id, &group_ids).await?;
    let mut groups = vec![];
    let mut given = vec![];
    let mut refs = vec![Reference { field: "company_id".into(), target: RefTarget::Company(company_id.clone()) }];
    for (i, id) in group_ids.iter().enumerate() {
        let field = if i < explicit { format!("groups[{i}]") } else { "roles".to_owned() };
        let g = found
            .iter()
            .find(|g| &g.id == id)
            .ok_or_else(|| Error::invalid(&field, "no such access group in this company or among the global ones"))?;
        groups.push(g.clone());
        refs.push(Reference {
            field: field.clone(),
            target: RefTarget::Group { company: g.company_id.clone(), id: id.clone(), version: g.version },
        });
        given.push((field, g.clone()));
    }
    let item_ref = |field: &str, kind: ItemKind, r: &Ref<OrgItemId>| Reference {
        field: field.to_owned(),
        target: RefTarget::Item(company_id.clone(), kind, r.id.clone()),
    };
    refs.extend(department.iter().map(|r| item_ref("department_id", ItemKind::Department, r)));
    refs.extend(position.iter().map(|r| item_ref("position_id", ItemKind::Position, r)));
    refs.extend(roles.iter().enumerate().map(|(i, r)| item_ref(&format!("roles[{i}]"), ItemKind::Role, r)));
    refs.extend(quizzes.iter().enumerate().map(|(i, r)| item_ref(&format!("quizzes[{i}]"), ItemKind::Quiz, r)));

    let rights = Rights::from_groups(groups.iter().map(|g| (&g.permissions, g.company_id.is_none())));
    let profile = Profile {
        user_id: user_id.clone(),
        company: Ref { id: company.id.clone(), name: company.name.to_string() },
        first_name,
        last_name,
        phone,
        department,
        position,
        roles,
        groups: groups.iter().map(|g| GroupRef { id: g.id.clone(), name: g.name.to_string(), global: g.company_id.is_none() }).collect(),
        quizzes,
        colour,
        start_date,
        end_date,
        language: input.language,
        completed: false,
        rights,
        rights_epoch,
        avatar_key: None,
        version: 1,
        created_at: deps.now(),
    };
    Ok(Placement { profile, refs, groups: given })
}

pub async fn create_user<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, input: CreateUserInput) -> Result<AdminUserView> {
    let company_id = CompanyId::parse("company_id", &input.company_id)?;
    p.actor().require_over(Module::Users, Action::Add, &company_id, "company")?;
    match input.mode {
        Mode::New => create_new(deps, p, input, company_id).await,
        Mode::Existing => wrap_existing(deps, p, input, company_id).await,
    }
}

/// What "Create New User" checks before it writes, in its order: no `user_id`, the email, the
/// placement in the company (names, phone, department, groups, ...) and the groups the admin may
/// grant. The create and an import's dry run ([`check_new`]) both start here.
async fn checked_new<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    input: &CreateUserInput,
    company_id: &CompanyId,
) -> Result<(Email, UserId, Placement)> {
    if input.user_id.is_some() {
        return Err(Error::invalid("user_id", "only for mode \"existing\""));
    }
    let email = Email::parse("email", opt(&input.email).unwrap_or_default())?;
    let id = UserId::new(deps.clock.as_ref(), deps.entropy.as_ref());
    let placed = place(deps, &id, input, company_id).await?;
    check_grants(&p.actor(), placed.groups.iter().map(|(f, g)| (f.as_str(), g)))?;
    Ok((email, id, placed))
}

async fn create_new<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    input: CreateUserInput,
    company_id: CompanyId,
) -> Result<AdminUserView> {
    let (email, id, placed) = checked_new(deps, p, &input, &company_id).await?;
    let account = Account {
        active: input.active.unwrap_or(true),
        staff: input.staff,
        require_2fa: input.require_2fa,
        has_profile: true,
        ..Account::new(id.clone(), email, Credential::None, deps.now())
    };
    let e = deps.event(
        Some(p.id()),
        "user.created",
        AuditTarget::User(id.clone()),
        json!({ "mode": "new", "email": account.email, "company": company_id }),
        Some(&p.source_ip),
    );
    deps.store.create_user(&account, &placed.profile, &placed.refs, &e).await?;
    Ok(AdminUserView::of(&User { account, profile: Some(placed.profile) }, deps.today()))
}

/// Everything "Create New User" checks, in its order, without writing (an import's dry run).
pub async fn check_new<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, input: CreateUserInput) -> Result<()> {
    let company_id = CompanyId::parse("company_id", &input.company_id)?;
    p.actor().require_over(Module::Users, Action::Add, &company_id, "company")?;
    let (email, _, _) = checked_new(deps, p, &input, &company_id).await?;
    if deps.store.user_id_by_email(&email).await?.is_some() {
        return Err(Error::email_taken());
    }
    Ok(())
}

async fn wrap_existing<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    input: CreateUserInput,
    company_id: CompanyId,
) -> Result<AdminUserView> {
    let id = match (opt(&input.user_id), opt(&input.email)) {
        (Some(id), _) => UserId::parse("user_id", id)?,
        (None, Some(email)) => {
            let email = Email::parse("email", email)?;
            deps.store.user_id_by_email(&email).await?.ok_or_else(|| Error::invalid("email", "no account has this email"))?
        }
        (None, None) => return Err(Error::invalid("user_id", "give the existing account's user_id or email")),
    };
    let user = deps.store.get_user(&id).await?.ok_or_else(|| Error::invalid("user_id", "no such account"))?;
    if user.profile.is_some() || user.account.has_profile {
        return Err(Error::conflict("user_id", "this account already has a cabinet profile"));
    }
    if user.account.superuser && !p.user.account.superuser {
        return Err(crate::superusers::only_superusers_change("user_id"));
    }
    // An import's memberships: those of this company become the profile's groups (already
    // counted on their groups); those of another company are let go of.
    let kept = super::import_django::kept_references(&user.account);
    let (same, released): (Vec<Reference>, Vec<Reference>) =
        kept.into_iter().partition(|r| matches!(&r.target, RefTarget::Group { company: Some(c), .. } if c == &company_id));
    let same: Vec<GroupId> =
        same.into_iter().filter_map(|r| if let RefTarget::Group { id, .. } = r.target { Some(id) } else { None }).collect();
    let mut input = input;
    for g in &same {
        if !input.groups.iter().any(|s| s == g.as_str()) {
            input.groups.push(g.to_string());
        }
    }
    let mut placed = place(deps, &id, &input, &company_id).await?;
    check_grants(&p.actor(), placed.groups.iter().map(|(f, g)| (f.as_str(), g)))?;
    placed.refs.retain(|r| !matches!(&r.target, RefTarget::Group { id, .. } if same.contains(id)));
    let mut account = user.account.clone();
    if let Some(d) = &mut account.django {
        d.groups.clear();
    }
    account.has_profile = true;
    account.staff = input.staff || account.staff;
    account.require_2fa = input.require_2fa || account.require_2fa;
    if let Some(a) = input.active {
        account.active = a;
    }
    account.version += 1;
    let e = deps.event(
        Some(p.id()),
        "user.created",
        AuditTarget::User(id.clone()),
        json!({ "mode": "existing", "company": company_id }),
        Some(&p.source_ip),
    );
    deps.store.attach_profile(&account, &placed.profile, &placed.refs, &released, &e).await?;
    Ok(AdminUserView::of(&User { account, profile: Some(placed.profile) }, deps.today()))
}

/// An account with no cabinet profile yet (as a migration or the admin tool makes it), optionally
/// with a password; an administrator wraps it with "Use Existing User" (mode `existing` above).
pub async fn create_account<S: Store + ?Sized>(
    deps: &Deps<S>,
    email: &str,
    password: Option<&Password>,
    superuser: bool,
    by: &str,
) -> Result<UserId> {
    let email = Email::parse("email", email)?;
    let credential = match password {
        Some(p) => {
            p.check_new("password")?;
            Credential::Password { hash: crate::password::hash(p, deps.entropy.as_ref()).await? }
        }
        None => Credential::None,
    };
    let id = UserId::new(deps.clock.as_ref(), deps.entropy.as_ref());
    let account = Account { superuser, staff: superuser, ..Account::new(id.clone(), email, credential, deps.now()) };
    let e = deps.event(None, "account.created", AuditTarget::User(id.clone()), json!({ "by": by }), None);
    deps.store.create_account(&account, &e).await?;
    Ok(id)
}

/// What a profile refers to, as references (versions of groups unknown: for releasing).
pub fn references_of(profile: &Profile) -> Vec<Reference> {
    let c = &profile.company.id;
    let mut out = vec![Reference { field: "company_id".into(), target: RefTarget::Company(c.clone()) }];
    let item = |field: &str, kind: ItemKind, id: &crate::ids::OrgItemId| Reference {
        field: field.to_owned(),
        target: RefTarget::Item(c.clone(), kind, id.clone()),
    };
    out.extend(profile.department.iter().map(|r| item("department_id", ItemKind::Department, &r.id)));
    out.extend(profile.position.iter().map(|r| item("position_id", ItemKind::Position, &r.id)));
    out.extend(profile.roles.iter().map(|r| item("roles", ItemKind::Role, &r.id)));
    out.extend(profile.quizzes.iter().map(|r| item("quizzes", ItemKind::Quiz, &r.id)));
    out.extend(profile.groups.iter().map(|g| Reference {
        field: "groups".into(),
        target: RefTarget::Group { company: (!g.global).then(|| c.clone()), id: g.id.clone(), version: 0 },
    }));
    out
}

/// The identity of a reference, whatever group version it was read at.
fn same_target(a: &RefTarget, b: &RefTarget) -> bool {
    match (a, b) {
        (RefTarget::Group { company: ca, id: ia, .. }, RefTarget::Group { company: cb, id: ib, .. }) => ca == cb && ia == ib,
        (a, b) => a == b,
    }
}

/// What a profile refers to now (`refs`, as placed) against what `current` referred to: the
/// references added, those released, and the groups kept (their versions re-checked by the write).
pub(crate) fn reference_changes(current: &Profile, refs: &[Reference]) -> (Vec<Reference>, Vec<Reference>, Vec<Reference>) {
    let old = references_of(current);
    let added: Vec<Reference> = refs.iter().filter(|r| !old.iter().any(|o| same_target(&o.target, &r.target))).cloned().collect();
    let released: Vec<Reference> = old.iter().filter(|o| !refs.iter().any(|r| same_target(&o.target, &r.target))).cloned().collect();
    let kept: Vec<Reference> = refs
        .iter()
        .filter(|r| matches!(r.target, RefTarget::Group { .. }) && old.iter().any(|o| same_target(&o.target, &r.target)))
        .cloned()
        .collect();
    (added, released, kept)
}
