//! Access groups carry per-module rights (view, add, edit, delete, export, show link). A right from
//! a company's group applies to that company's users only; a global group's to all; superusers
//! bypass. A user's effective rights are computed when the profile is saved and kept on it, so
//! authorising a request needs no read beyond the profile.

use crate::ids::CompanyId;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Module {
    /// User management: the directory, creation, editing, deletion, export.
    Users,
    /// The organisation: companies, departments, positions, roles, groups, quizzes, settings.
    Org,
}

impl Module {
    pub const ALL: [Module; 2] = [Module::Users, Module::Org];
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Users => "users",
            Module::Org => "org",
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    View,
    Add,
    Edit,
    Delete,
    Export,
}

impl Action {
    pub const ALL: [Action; 5] = [Action::View, Action::Add, Action::Edit, Action::Delete, Action::Export];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Add => "add",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::Export => "export",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One module's permission set on an access group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct ModuleRights {
    pub view: bool,
    pub add: bool,
    pub edit: bool,
    pub delete: bool,
    pub export: bool,
    /// Whether the module shows in the navigation (separate from view access).
    pub show_link: bool,
}

impl ModuleRights {
    pub fn has(&self, action: Action) -> bool {
        match action {
            Action::View => self.view,
            Action::Add => self.add,
            Action::Edit => self.edit,
            Action::Delete => self.delete,
            Action::Export => self.export,
        }
    }
}

/// An access group's permissions, per module.
pub type Permissions = BTreeMap<Module, ModuleRights>;

/// Where a right applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The holder's own company.
    Company,
    /// Every company (a global group).
    All,
}

/// The key of "show link" among a module's effective rights: whether the module is in the menu.
pub const SHOW_LINK: &str = "show_link";

/// The version of how effective rights are derived from groups ([`Rights::from_groups`]), added
/// to the stored rights epoch wherever it is read: raising it makes every rights stamp made
/// before read as stale, so each profile's rights are derived afresh at its next request (and
/// stamped back). 1: `show_link` joined the effective rights.
pub const RIGHTS_DERIVATION: u64 = 1;

/// Effective rights of a user: `"users.view" -> All | Company`, the widest scope winning.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Rights(pub BTreeMap<String, Scope>);

impl Rights {
    /// Folds the permissions of the user's groups; `global` says whether the group is global.
    pub fn from_groups<'a>(groups: impl IntoIterator<Item = (&'a Permissions, bool)>) -> Rights {
        let mut out = BTreeMap::new();
        for (perms, global) in groups {
            let scope = if global { Scope::All } else { Scope::Company };
            for (module, rights) in perms {
                let held = Action::ALL.into_iter().filter(|a| rights.has(*a)).map(Action::as_str);
                // "show link" is kept beside the actions so the console's menu can follow it.
                for name in held.chain(rights.show_link.then_some(SHOW_LINK)) {
                    let e = out.entry(format!("{}.{}", module.as_str(), name)).or_insert(scope);
                    *e = (*e).max(scope);
                }
            }
        }
        Rights(out)
    }
    pub fn scope(&self, module: Module, action: Action) -> Option<Scope> {
        self.0.get(&format!("{}.{}", module.as_str(), action.as_str())).copied()
    }
}

/// Who is acting, as far as rights go.
#[derive(Clone, Debug)]
pub struct Actor {
    pub superuser: bool,
    pub company: Option<CompanyId>,
    pub rights: Rights,
}

/// The companies a right reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    All,
    One(CompanyId),
}

impl Reach {
    pub fn covers(&self, company: &CompanyId) -> bool {
        match self {
            Reach::All => true,
            Reach::One(c) => c == company,
        }
    }
}

impl Actor {
    /// The companies where the actor holds `module.action`, or 403 naming the right.
    pub fn reach(&self, module: Module, action: Action) -> Result<Reach> {
        if self.superuser {
            return Ok(Reach::All);
        }
        match (self.rights.scope(module, action), &self.company) {
            (Some(Scope::All), _) => Ok(Reach::All),
            (Some(Scope::Company), Some(c)) => Ok(Reach::One(c.clone())),
            _ => Err(Error::Forbidden { module, action }),
        }
    }

    /// Requires `module.action` over `company`. Outside the actor's scope the target does not
    /// exist for them: 404 rather than 403, so scope never reveals what it hides.
    pub fn require_over(&self, module: Module, action: Action, company: &CompanyId, what: &'static str) -> Result<()> {
        if self.reach(module, action)?.covers(company) { Ok(()) } else { Err(Error::NotFound(what)) }
    }

    /// The granting rule: a group (its `permissions`, of `company` or global with `None`) may be
    /// given or taken away only by a caller who holds every right it carries over every user it
    /// reaches. A company's group reaches that company; a global group reaches every company, so
    /// only superusers and holders of all its rights globally grant it. Answers the first right
    /// the caller lacks (`"users.export"`), or `None` when the caller may.
    pub fn lacks_to_grant(&self, permissions: &Permissions, company: Option<&CompanyId>) -> Option<String> {
        for (module, rights) in permissions {
            for action in Action::ALL.into_iter().filter(|a| rights.has(*a)) {
                let covered = match (self.reach(*module, action), company) {
                    (Ok(Reach::All), _) => true,
                    (Ok(Reach::One(mine)), Some(c)) => &mine == c,
                    _ => false,
                };
                if !covered {
                    return Some(format!("{module}.{action}"));
                }
            }
        }
        None
    }

    /// What `GET /api/me` tells the console: per module, each right the actor holds (the five
    /// actions and `show_link`) with where it applies. Superusers hold every one everywhere; a
    /// company right without a company reaches nothing, so it is left out, as `reach` would refuse.
    pub fn effective(&self) -> BTreeMap<Module, BTreeMap<&'static str, Scope>> {
        let names = Action::ALL.map(Action::as_str);
        Module::ALL
            .into_iter()
            .map(|module| {
                let held = names.iter().chain([&SHOW_LINK]).filter_map(|name| {
                    let scope = if self.superuser { Some(Scope::All) } else { self.rights.0.get(&format!("{module}.{name}")).copied() };
                    match scope {
                        Some(Scope::Company) if self.company.is_none() => None,
                        s => s.map(|s| (*name, s)),
                    }
                });
                (module, held.collect())
            })
            .collect()
    }

    pub fn has_any(&self, module: Module) -> bool {
        Action::ALL.iter().any(|a| self.reach(module, *a).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms(users: ModuleRights) -> Permissions {
        BTreeMap::from([(Module::Users, users)])
    }

    #[test]
    fn a_global_group_widens_a_company_right() {
        let view = ModuleRights { view: true, ..Default::default() };
        let both = ModuleRights { view: true, add: true, ..Default::default() };
        let r = Rights::from_groups([(&perms(both), false), (&perms(view), true)]);
        assert_eq!(r.scope(Module::Users, Action::View), Some(Scope::All));
        assert_eq!(r.scope(Module::Users, Action::Add), Some(Scope::Company));
        assert_eq!(r.scope(Module::Users, Action::Delete), None);
    }

    #[test]
    fn the_effective_rights_name_each_held_right_with_its_scope_and_show_link_too() {
        let a: CompanyId = CompanyId::parse("c", "01J00000000000000000000000").unwrap();
        let company = ModuleRights { view: true, show_link: true, ..Default::default() };
        let global = ModuleRights { export: true, ..Default::default() };
        let rights = Rights::from_groups([(&perms(company), false), (&perms(global), true)]);
        let actor = Actor { superuser: false, company: Some(a), rights: rights.clone() };
        let e = actor.effective();
        let users: Vec<_> = e[&Module::Users].iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(users, [("export", Scope::All), ("show_link", Scope::Company), ("view", Scope::Company)]);
        assert!(e[&Module::Org].is_empty(), "no org right, no org entry");
        let homeless = Actor { superuser: false, company: None, rights };
        assert_eq!(homeless.effective()[&Module::Users].keys().copied().collect::<Vec<_>>(), ["export"], "a company right needs a company");
        let su = Actor { superuser: true, company: None, rights: Rights::default() };
        for module in Module::ALL {
            assert_eq!(su.effective()[&module].len(), 6, "{module}: every right, everywhere");
            assert!(su.effective()[&module].values().all(|s| *s == Scope::All));
        }
    }

    #[test]
    fn company_rights_reach_only_the_own_company_and_hide_the_rest() {
        let a: CompanyId = CompanyId::parse("c", "01J00000000000000000000000").unwrap();
        let b: CompanyId = CompanyId::parse("c", "01J00000000000000000000001").unwrap();
        let view = ModuleRights { view: true, ..Default::default() };
        let actor = Actor { superuser: false, company: Some(a.clone()), rights: Rights::from_groups([(&perms(view), false)]) };
        assert!(actor.require_over(Module::Users, Action::View, &a, "user").is_ok());
        assert!(matches!(actor.require_over(Module::Users, Action::View, &b, "user"), Err(Error::NotFound(_))));
        assert!(matches!(
            actor.require_over(Module::Users, Action::Add, &a, "user"),
            Err(Error::Forbidden { module: Module::Users, action: Action::Add })
        ));
        let su = Actor { superuser: true, company: None, rights: Rights::default() };
        assert_eq!(su.reach(Module::Org, Action::Delete).unwrap(), Reach::All);
    }

    #[test]
    fn a_group_is_granted_only_by_holders_of_all_its_rights_over_all_it_reaches() {
        let a: CompanyId = CompanyId::parse("c", "01J00000000000000000000000").unwrap();
        let b: CompanyId = CompanyId::parse("c", "01J00000000000000000000001").unwrap();
        let edit = ModuleRights { view: true, edit: true, ..Default::default() };
        let view = ModuleRights { view: true, ..Default::default() };
        let export = ModuleRights { view: true, export: true, ..Default::default() };
        let company_admin = Actor { superuser: false, company: Some(a.clone()), rights: Rights::from_groups([(&perms(edit), false)]) };
        assert_eq!(company_admin.lacks_to_grant(&perms(view), Some(&a)), None);
        assert_eq!(company_admin.lacks_to_grant(&perms(edit), Some(&a)), None);
        assert_eq!(company_admin.lacks_to_grant(&perms(export), Some(&a)).as_deref(), Some("users.export"));
        assert_eq!(company_admin.lacks_to_grant(&perms(view), None).as_deref(), Some("users.view"), "a global group");
        assert_eq!(company_admin.lacks_to_grant(&perms(view), Some(&b)).as_deref(), Some("users.view"), "another company's");
        assert_eq!(company_admin.lacks_to_grant(&Permissions::new(), None), None, "a group with no rights grants nothing");
        let global_viewer = Actor { superuser: false, company: Some(a.clone()), rights: Rights::from_groups([(&perms(view), true)]) };
        assert_eq!(global_viewer.lacks_to_grant(&perms(view), None), None);
        assert_eq!(global_viewer.lacks_to_grant(&perms(edit), None).as_deref(), Some("users.edit"));
        let su = Actor { superuser: true, company: None, rights: Rights::default() };
        assert_eq!(su.lacks_to_grant(&perms(export), None), None);
    }
}
