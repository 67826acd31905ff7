//! The organisation: companies, and per company its departments, positions, platform roles (with
//! default access groups), quizzes, access groups and cabinet settings; global access groups.
//! Deleting something still referenced is refused (409 naming what refers to it).

use super::Deps;
use super::authorize::Principal;
use super::views::{CompanyView, GroupView, ItemView, SettingsView};
use crate::email::Email;
use crate::filter::UserFilter;
use crate::ids::{CompanyId, GroupId, OrgItemId};
use crate::model::{AccessGroup, AuditTarget, CabinetSettings, Company, GroupRef, ItemKind, OrgItem, Ref, Senders};
use crate::password::{self, Password};
use crate::permissions::{Action, Actor, Module, Permissions, Reach, Rights};
use crate::ports::Store;
use crate::ports::{RefTarget, Reference};
use crate::text::{Language, Name};
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

/// Most default groups a platform role may carry.
pub const ROLE_GROUPS_MAX: usize = 20;

/// Reading the organisation: org.view, or any users right (admins need the lists to fill forms).
fn reach_to_read(actor: &Actor) -> Result<Reach> {
    let mut best: Option<Reach> = None;
    for (m, a) in [(Module::Org, Action::View), (Module::Users, Action::View), (Module::Users, Action::Add), (Module::Users, Action::Edit)]
    {
        match actor.reach(m, a) {
            Ok(Reach::All) => return Ok(Reach::All),
            Ok(r) => best = Some(r),
            Err(_) => {}
        }
    }
    best.ok_or(Error::Forbidden { module: Module::Org, action: Action::View })
}

fn require_read(actor: &Actor, company: &CompanyId) -> Result<()> {
    if reach_to_read(actor)?.covers(company) { Ok(()) } else { Err(Error::NotFound("company")) }
}

fn require_global(actor: &Actor, action: Action) -> Result<()> {
    match actor.reach(Module::Org, action)? {
        Reach::All => Ok(()),
        Reach::One(_) => Err(Error::Forbidden { module: Module::Org, action }),
    }
}

async fn company<S: Store + ?Sized>(deps: &Deps<S>, id: &CompanyId) -> Result<Company> {
    deps.store.get_company(id).await?.ok_or(Error::NotFound("company"))
}

fn event<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    action: &str,
    target: AuditTarget,
    detail: serde_json::Value,
) -> crate::model::AuditEvent {
    deps.event(Some(p.id()), action, target, detail, Some(&p.source_ip))
}

// ---- companies ----

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NameInput {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RenameInput {
    pub name: String,
    pub version: u64,
}

pub async fn list_companies<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal) -> Result<Vec<CompanyView>> {
    let reach = reach_to_read(&p.actor())?;
    let all = deps.store.list_companies().await?;
    Ok(all.iter().filter(|c| reach.covers(&c.id)).map(CompanyView::from).collect())
}

pub async fn get_company<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, id: &CompanyId) -> Result<CompanyView> {
    require_read(&p.actor(), id)?;
    Ok(CompanyView::from(&company(deps, id).await?))
}

pub async fn create_company<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, input: NameInput) -> Result<CompanyView> {
    require_global(&p.actor(), Action::Add)?;
    let c = Company {
        id: CompanyId::new(deps.clock.as_ref(), deps.entropy.as_ref()),
        name: Name::parse("name", &input.name)?,
        version: 1,
        created_at: deps.now(),
    };
    let e = event(deps, p, "org.company.created", AuditTarget::Company(c.id.clone()), json!({ "name": c.name }));
    deps.store.create_company(&c, &e).await?;
    Ok(CompanyView::from(&c))
}

pub async fn rename_company<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, id: &CompanyId, input: RenameInput) -> Result<CompanyView> {
    p.actor().require_over(Module::Org, Action::Edit, id, "company")?;
    let mut c = company(deps, id).await?;
    let before = c.name.to_string();
    c.name = Name::parse("name", &input.name)?;
    c.version = input.version + 1;
    let e = event(deps, p, "org.company.renamed", AuditTarget::Company(id.clone()), json!({ "before": before, "after": c.name }));
    deps.store.update_company(&c, input.version, &e).await?;
    refresh_profiles(deps, Some(id), UserFilter::default()).await?;
    Ok(CompanyView::from(&c))
}

pub async fn delete_company<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, id: &CompanyId) -> Result<()> {
    require_global(&p.actor(), Action::Delete)?;
    let c = company(deps, id).await?;
    let e = event(deps, p, "org.company.deleted", AuditTarget::Company(id.clone()), json!({ "name": c.name }));
    deps.store.delete_company(id, &e).await
}

// ---- departments, positions, platform roles, quizzes ----

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub name: String,
    /// Platform roles only: the role's default access groups.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ItemPatch {
    pub name: Option<String>,
    pub groups: Option<Vec<String>>,
    pub version: u64,
}

pub fn parse_kind(s: &str) -> Result<ItemKind> {
    ItemKind::from_plural(s).ok_or(Error::NotFound("kind of organisation item"))
}

/// The groups of a role: each must be the company's or global; returns them as references.
async fn role_groups<S: Store + ?Sized>(
    deps: &Deps<S>,
    company: &CompanyId,
    kind: ItemKind,
    raw: Option<&Vec<String>>,
) -> Result<Vec<(GroupId, Reference)>> {
    let Some(raw) = raw else { return Ok(vec![]) };
    if kind != ItemKind::Role {
        return Err(Error::invalid("groups", "only platform roles carry access groups"));
    }
    if raw.len() > ROLE_GROUPS_MAX {
        return Err(Error::invalid("groups", format!("at most {ROLE_GROUPS_MAX} groups")));
    }
    let mut ids: Vec<GroupId> = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let id = GroupId::parse(&format!("groups[{i}]"), s)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let found = deps.store.find_groups(company, &ids).await?;
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let g = found
                .iter()
                .find(|g| &g.id == id)
                .ok_or_else(|| Error::invalid(format!("groups[{i}]"), "no such access group in this company or among the global ones"))?;
            Ok((
                id.clone(),
                Reference {
                    field: format!("groups[{i}]"),
                    target: RefTarget::Group { company: g.company_id.clone(), id: id.clone(), version: g.version },
                },
            ))
        })
        .collect()
}

pub async fn list_items<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, company_id: &CompanyId, kind: ItemKind) -> Result<Vec<ItemView>> {
    require_read(&p.actor(), company_id)?;
    company(deps, company_id).await?;
    Ok(deps.store.list_items(company_id, kind).await?.iter().map(ItemView::from).collect())
}

pub async fn create_item<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    company_id: &CompanyId,
    kind: ItemKind,
    input: ItemInput,
) -> Result<ItemView> {
    p.actor().require_over(Module::Org, Action::Add, company_id, "company")?;
    let name = Name::parse("name", &input.name)?;
    let groups = role_groups(deps, company_id, kind, input.groups.as_ref()).await?;
    let item = OrgItem {
        id: OrgItemId::new(deps.clock.as_ref(), deps.entropy.as_ref()),
        company_id: company_id.clone(),
        kind,
        name,
        groups: groups.iter().map(|(id, _)| id.clone()).collect(),
        version: 1,
        created_at: deps.now(),
    };
    let refs: Vec<Reference> = groups.into_iter().map(|(_, r)| r).collect();
    let e = event(
        deps,
        p,
        &format!("org.{}.created", kind.as_str()),
        AuditTarget::Company(company_id.clone()),
        json!({ "id": item.id, "name": item.name }),
    );
    deps.store.create_item(&item, &refs, &e).await?;
    Ok(ItemView::from(&item))
}

pub async fn update_item<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    company_id: &CompanyId,
    kind: ItemKind,
    id: &OrgItemId,
    input: ItemPatch,
) -> Result<ItemView> {
    p.actor().require_over(Module::Org, Action::Edit, company_id, "company")?;
    let mut item = deps.store.get_item(company_id, kind, id).await?.ok_or(Error::NotFound("organisation item"))?;
    let before = item.name.to_string();
    if let Some(n) = &input.name {
        item.name = Name::parse("name", n)?;
    }
    let (mut refs, mut released) = (vec![], vec![]);
    if input.groups.is_some() {
        let groups = role_groups(deps, company_id, kind, input.groups.as_ref()).await?;
        let new_ids: Vec<GroupId> = groups.iter().map(|(id, _)| id.clone()).collect();
        let old = deps.store.find_groups(company_id, &item.groups).await?;
        for g in old.iter().filter(|g| !new_ids.contains(&g.id)) {
            released.push(Reference {
                field: "groups".into(),
                target: RefTarget::Group { company: g.company_id.clone(), id: g.id.clone(), version: g.version },
            });
        }
        refs = groups.into_iter().filter(|(id, _)| !item.groups.contains(id)).map(|(_, r)| r).collect();
        item.groups = new_ids;
    }
    item.version = input.version + 1;
    let e = event(
        deps,
        p,
        &format!("org.{}.updated", kind.as_str()),
        AuditTarget::Company(company_id.clone()),
        json!({ "id": id, "before": before, "after": item.name }),
    );
    deps.store.update_item(&item, input.version, &refs, &released, &e).await?;
    if before != item.name.as_str() {
        let mut f = UserFilter::default();
        match kind {
            ItemKind::Department => f.department = Some(id.clone()),
            ItemKind::Position => f.position = Some(id.clone()),
            ItemKind::Role => f.role = Some(id.clone()),
            ItemKind::Quiz => f.quiz = Some(id.clone()),
        }
        refresh_profiles(deps, Some(company_id), f).await?;
    }
    Ok(ItemView::from(&item))
}

pub async fn delete_item<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    company_id: &CompanyId,
    kind: ItemKind,
    id: &OrgItemId,
) -> Result<()> {
    p.actor().require_over(Module::Org, Action::Delete, company_id, "company")?;
    let item = deps.store.get_item(company_id, kind, id).await?.ok_or(Error::NotFound("organisation item"))?;
    let e = event(
        deps,
        p,
        &format!("org.{}.deleted", kind.as_str()),
        AuditTarget::Company(company_id.clone()),
        json!({ "id": id, "name": item.name }),
    );
    deps.store.delete_item(&item, &e).await
}

// ---- access groups ----

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    pub name: String,
    #[serde(default)]
    pub permissions: Permissions,
    /// Synced from the directory: superusers only.
    #[serde(default)]
    pub directory_sync: bool,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub permissions: Option<Permissions>,
    /// Synced from the directory: superusers only.
    pub directory_sync: Option<bool>,
    pub version: u64,
}

/// Group sync trusts whoever names the directory's groups with the group's rights, so only a
/// superuser marks a group as synced, unmarks it, or renames a marked one (the name is what
/// `memberOf` is matched against).
fn only_superusers_sync(p: &Principal, field: &str) -> Result<()> {
    if p.user.account.superuser {
        return Ok(());
    }
    Err(Error::not_permitted(field, "only a superuser marks an access group as synced from the directory, or renames a marked one"))
}

fn group_target(company: Option<&CompanyId>) -> AuditTarget {
    company.map(|c| AuditTarget::Company(c.clone())).unwrap_or(AuditTarget::Global)
}

/// Groups of a company (`Some`) or the global ones (`None`).
pub async fn list_groups<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, company_id: Option<&CompanyId>) -> Result<Vec<GroupView>> {
    match company_id {
        Some(c) => {
            require_read(&p.actor(), c)?;
            company(deps, c).await?;
        }
        None => {
            reach_to_read(&p.actor())?;
        }
    }
    Ok(deps.store.list_groups(company_id).await?.iter().map(GroupView::from).collect())
}

fn require_group_right(actor: &Actor, company_id: Option<&CompanyId>, action: Action) -> Result<()> {
    match company_id {
        Some(c) => actor.require_over(Module::Org, action, c, "company"),
        None => require_global(actor, action),
    }
}

pub async fn create_group<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    company_id: Option<&CompanyId>,
    input: GroupInput,
) -> Result<GroupView> {
    require_group_right(&p.actor(), company_id, Action::Add)?;
    if input.directory_sync {
        only_superusers_sync(p, "directory_sync")?;
    }
    if let Some(c) = company_id {
        company(deps, c).await?;
    }
    let g = AccessGroup {
        id: GroupId::new(deps.clock.as_ref(), deps.entropy.as_ref()),
        company_id: company_id.cloned(),
        name: Name::parse("name", &input.name)?,
        permissions: input.permissions,
        directory_sync: input.directory_sync,
        version: 1,
        created_at: deps.now(),
    };
    let e = event(
        deps,
        p,
        "org.group.created",
        group_target(company_id),
        json!({ "id": g.id, "name": g.name, "permissions": g.permissions, "directory_sync": g.directory_sync }),
    );
    deps.store.create_group(&g, &e).await?;
    Ok(GroupView::from(&g))
}

pub async fn update_group<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    company_id: Option<&CompanyId>,
    id: &GroupId,
    input: GroupPatch,
) -> Result<GroupView> {
    require_group_right(&p.actor(), company_id, Action::Edit)?;
    let mut g = deps.store.get_group(company_id, id).await?.ok_or(Error::NotFound("access group"))?;
    let before = GroupView::from(&g);
    let before_name = g.name.clone();
    if let Some(n) = &input.name {
        g.name = Name::parse("name", n)?;
        if g.directory_sync && g.name != before_name {
            only_superusers_sync(p, "name")?;
        }
    }
    if let Some(sync) = input.directory_sync
        && sync != g.directory_sync
    {
        only_superusers_sync(p, "directory_sync")?;
        g.directory_sync = sync;
    }
    if let Some(perms) = input.permissions {
        g.permissions = perms;
    }
    g.version = input.version + 1;
    let e =
        event(deps, p, "org.group.updated", group_target(company_id), json!({ "id": id, "before": before, "after": GroupView::from(&g) }));
    // The rights epoch moves on with the group: its members' next requests see the new rights
    // (flows::authorize), whatever the group's size. Only a new name is copied onto profiles.
    deps.store.update_group(&g, input.version, &e).await?;
    if g.name != before_name {
        refresh_profiles(deps, company_id, UserFilter { group: Some(id.clone()), ..Default::default() }).await?;
    }
    Ok(GroupView::from(&g))
}

pub async fn delete_group<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, company_id: Option<&CompanyId>, id: &GroupId) -> Result<()> {
    require_group_right(&p.actor(), company_id, Action::Delete)?;
    let g = deps.store.get_group(company_id, id).await?.ok_or(Error::NotFound("access group"))?;
    let e = event(deps, p, "org.group.deleted", group_target(company_id), json!({ "id": id, "name": g.name }));
    deps.store.delete_group(&g, &e).await
}

// ---- cabinet settings ----

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    /// A new control word; `""` clears it; absent leaves it as it is.
    pub control_word: Option<Password>,
    pub senders: Option<Senders>,
    pub default_language: Option<Language>,
    /// The version read; absent only when the settings were never saved.
    pub version: Option<u64>,
}

fn default_settings(company_id: &CompanyId) -> CabinetSettings {
    CabinetSettings {
        company_id: company_id.clone(),
        control_word: None,
        senders: Senders::default(),
        default_language: Language::En,
        version: 0,
    }
}

pub async fn get_settings<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, company_id: &CompanyId) -> Result<SettingsView> {
    p.actor().require_over(Module::Org, Action::View, company_id, "company")?;
    company(deps, company_id).await?;
    let s = deps.store.get_settings(company_id).await?.unwrap_or_else(|| default_settings(company_id));
    Ok(SettingsView::from(&s))
}

pub async fn put_settings<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    company_id: &CompanyId,
    input: SettingsInput,
) -> Result<SettingsView> {
    p.actor().require_over(Module::Org, Action::Edit, company_id, "company")?;
    company(deps, company_id).await?;
    let mut s = deps.store.get_settings(company_id).await?.unwrap_or_else(|| default_settings(company_id));
    let expected = input.version.unwrap_or(0);
    let mut changed = vec![];
    if let Some(word) = &input.control_word {
        if word.expose().is_empty() {
            s.control_word = None;
        } else {
            word.check_new("control_word")?;
            s.control_word = Some(password::hash(word, deps.entropy.as_ref()).await?);
        }
        changed.push("control_word");
    }
    if let Some(senders) = input.senders {
        s.senders = senders;
        changed.push("senders");
    }
    if let Some(l) = input.default_language {
        s.default_language = l;
        changed.push("default_language");
    }
    s.version = expected + 1;
    let e = event(
        deps,
        p,
        "org.settings.updated",
        AuditTarget::Company(company_id.clone()),
        json!({ "changed": changed, "senders": s.senders, "default_language": s.default_language }),
    );
    deps.store.save_settings(&s, expected, &e).await?;
    Ok(SettingsView::from(&s))
}

/// Checks a sender address typed by an administrator.
pub fn parse_sender(field: &str, s: &str) -> Result<Email> {
    Email::parse(field, s)
}

// ---- keeping the names and rights on profiles current ----

/// Re-derives the names (company, department, position, roles, groups, quizzes) and rights kept
/// on the profiles that `filter` selects, after something they refer to changed. Each company's
/// organisation is read once per refresh; profiles are re-read consistently and saved under their
/// version, so a concurrent edit is not overwritten (a conflict re-reads and tries again).
pub async fn refresh_profiles<S: Store + ?Sized>(deps: &Deps<S>, company: Option<&CompanyId>, filter: UserFilter) -> Result<()> {
    let mut orgs: std::collections::HashMap<CompanyId, OrgSnapshot> = std::collections::HashMap::new();
    let mut start = None;
    loop {
        let page = deps.store.list_users(company, &filter, deps.today(), start, 100).await?;
        for listed in &page.items {
            for _attempt in 0..3 {
                let Some(user) = deps.store.get_user(&listed.profile.user_id).await? else { break };
                let Some(profile) = user.profile else { break };
                let cid = profile.company.id.clone();
                if !orgs.contains_key(&cid) {
                    orgs.insert(cid.clone(), OrgSnapshot::load(deps, &cid).await?);
                }
                let refreshed = orgs[&cid].rederive(&profile);
                if refreshed == profile {
                    break;
                }
                match deps.store.save_profile(&refreshed, profile.version, None).await {
                    Err(Error::Conflict { .. }) => continue,
                    other => {
                        other?;
                        break;
                    }
                }
            }
        }
        match page.next {
            Some(n) => start = Some(n),
            None => return Ok(()),
        }
    }
}

/// One company's organisation as read once: what a profile's names and rights derive from.
pub struct OrgSnapshot {
    rights_epoch: u64,
    company: Option<Company>,
    items: Vec<OrgItem>,
    groups: Vec<AccessGroup>,
}

impl OrgSnapshot {
    pub async fn load<S: Store + ?Sized>(deps: &Deps<S>, company: &CompanyId) -> Result<Self> {
        // The epoch before the groups, as when a profile is saved.
        let rights_epoch = deps.store.rights_epoch().await?;
        let mut items = vec![];
        for kind in [ItemKind::Department, ItemKind::Position, ItemKind::Role, ItemKind::Quiz] {
            items.extend(deps.store.list_items(company, kind).await?);
        }
        let mut groups = deps.store.list_groups(Some(company)).await?;
        groups.extend(deps.store.list_groups(None).await?);
        Ok(OrgSnapshot { rights_epoch, company: deps.store.get_company(company).await?, items, groups })
    }

    /// The profile with every name and the rights taken afresh from this snapshot.
    pub fn rederive(&self, profile: &crate::model::Profile) -> crate::model::Profile {
        let mut p = profile.clone();
        if let Some(c) = &self.company {
            p.company.name = c.name.to_string();
        }
        let rename = |r: &mut Ref<OrgItemId>, kind: ItemKind| {
            if let Some(i) = self.items.iter().find(|i| i.kind == kind && i.id == r.id) {
                r.name = i.name.to_string();
            }
        };
        if let Some(r) = p.department.as_mut() {
            rename(r, ItemKind::Department);
        }
        if let Some(r) = p.position.as_mut() {
            rename(r, ItemKind::Position);
        }
        p.roles.iter_mut().for_each(|r| rename(r, ItemKind::Role));
        p.quizzes.iter_mut().for_each(|r| rename(r, ItemKind::Quiz));
        // Groups keep their order; one deleted meanwhile drops out.
        let groups: Vec<&AccessGroup> = p.groups.iter().filter_map(|g| self.groups.iter().find(|x| x.id == g.id)).collect();
        p.groups = groups.iter().map(|g| GroupRef { id: g.id.clone(), name: g.name.to_string(), global: g.company_id.is_none() }).collect();
        p.rights = Rights::from_groups(groups.iter().map(|g| (&g.permissions, g.company_id.is_none())));
        p.rights_epoch = self.rights_epoch;
        if p != *profile {
            p.version = profile.version + 1;
        }
        p
    }
}
