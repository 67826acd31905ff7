//! What the flows answer with: plain serialisable views, no secrets.

use crate::activation::Activation;
use crate::ids::{CompanyId, GroupId, OrgItemId, UserId};
use crate::model::{AccessGroup, CabinetSettings, Company, GroupRef, OrgItem, Ref, Senders, Source, User};
use crate::permissions::Permissions;
use crate::ports::Listed;
use crate::session::Gate;
use crate::text::Language;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub source: Source,
    pub active: bool,
    pub staff: bool,
    pub superuser: bool,
    /// The effective status: active, inactive, not_yet_active, expired.
    pub status: Activation,
    pub profile: Option<ProfileView>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ProfileView {
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub company: Ref<CompanyId>,
    pub department: Option<Ref<OrgItemId>>,
    pub position: Option<Ref<OrgItemId>>,
    pub roles: Vec<Ref<OrgItemId>>,
    pub groups: Vec<GroupRef>,
    pub quizzes: Vec<Ref<OrgItemId>>,
    pub colour: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub language: Option<Language>,
    pub completed: bool,
    pub version: u64,
    /// A short-lived link to the profile photo, when there is one.
    pub avatar_url: Option<String>,
    /// The user's open tasks (pending quiz assignments).
    pub tasks: Vec<Task>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Task {
    pub kind: &'static str,
    pub id: OrgItemId,
    pub name: String,
}

impl ProfileView {
    fn of(p: &crate::model::Profile) -> Self {
        ProfileView {
            first_name: p.first_name.to_string(),
            last_name: p.last_name.to_string(),
            phone: p.phone.as_ref().map(|x| x.as_str().to_owned()),
            company: p.company.clone(),
            department: p.department.clone(),
            position: p.position.clone(),
            roles: p.roles.clone(),
            groups: p.groups.clone(),
            quizzes: p.quizzes.clone(),
            colour: p.colour.as_ref().map(|c| c.as_str().to_owned()),
            start_date: p.start_date,
            end_date: p.end_date,
            language: p.language,
            completed: p.completed,
            version: p.version,
            avatar_url: None,
            tasks: p.quizzes.iter().map(|q| Task { kind: "quiz", id: q.id.clone(), name: q.name.clone() }).collect(),
        }
    }
}

/// How long a link to a profile photo works.
pub const AVATAR_LINK_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// Fills `avatar_url` with a presigned link when the profile has a photo.
pub async fn link_avatar(view: &mut Option<ProfileView>, key: Option<&str>, blobs: &dyn crate::ports::BlobStore) -> crate::Result<()> {
    if let (Some(v), Some(k)) = (view.as_mut(), key) {
        v.avatar_url = Some(blobs.presign_get(k, AVATAR_LINK_LIFETIME).await?);
    }
    Ok(())
}

/// The account's extra flags an administrator sees.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AdminUserView {
    #[serde(flatten)]
    pub user: UserView,
    pub require_2fa: bool,
    pub force_password_change: bool,
    pub totp_enrolled: bool,
    /// The directory says the account is disabled (or its entry is gone): refused until it is
    /// enabled there again.
    pub directory_disabled: bool,
    pub account_version: u64,
    pub created_at: Timestamp,
    /// Why mail no longer goes to the user's address (`bounce`, `complaint`), when it does not
    /// (the user's card; `clear_mail_suppression` in an edit lets it go again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_suppressed: Option<String>,
}

impl UserView {
    pub fn of(user: &User, today: Date) -> Self {
        let a = &user.account;
        let p = user.profile.as_ref();
        UserView {
            id: a.id.clone(),
            email: a.email.to_string(),
            source: a.source,
            active: a.active,
            staff: a.staff,
            superuser: a.superuser,
            status: Activation::of(a.active, p.and_then(|p| p.start_date), p.and_then(|p| p.end_date), today),
            profile: p.map(ProfileView::of),
        }
    }
    pub fn of_listed(l: &Listed, today: Date) -> Self {
        let p = &l.profile;
        UserView {
            id: p.user_id.clone(),
            email: l.email.to_string(),
            source: l.source,
            active: l.active,
            staff: l.staff,
            superuser: l.superuser,
            status: Activation::of(l.active, p.start_date, p.end_date, today),
            profile: Some(ProfileView::of(p)),
        }
    }
}

impl AdminUserView {
    pub fn of(user: &User, today: Date) -> Self {
        let a = &user.account;
        AdminUserView {
            user: UserView::of(user, today),
            require_2fa: a.require_2fa,
            force_password_change: a.force_password_change,
            totp_enrolled: a.totp_enrolled,
            directory_disabled: a.directory_disabled,
            account_version: a.version,
            created_at: a.created_at,
            mail_suppressed: None,
        }
    }
}

/// `GET /api/me`: who is signed in, and the gate the session is at.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    pub gate: Gate,
    pub require_2fa: bool,
    pub totp_enrolled: bool,
    /// Unspent backup codes, when 2FA is on.
    pub backup_codes_left: Option<usize>,
    /// Whether the sign-in is recent enough to change 2FA without the password again.
    pub recent_sign_in: bool,
    /// The caller's effective rights, per module: each right held (`view`, `add`, `edit`,
    /// `delete`, `export`, `show_link`) and where (`company` or `all`), so the console offers only
    /// what the API allows.
    pub rights: std::collections::BTreeMap<crate::permissions::Module, std::collections::BTreeMap<&'static str, crate::permissions::Scope>>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CompanyView {
    pub id: CompanyId,
    pub name: String,
    pub version: u64,
    pub created_at: Timestamp,
}

impl From<&Company> for CompanyView {
    fn from(c: &Company) -> Self {
        CompanyView { id: c.id.clone(), name: c.name.to_string(), version: c.version, created_at: c.created_at }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ItemView {
    pub id: OrgItemId,
    pub company_id: CompanyId,
    pub kind: crate::model::ItemKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupId>>,
    pub version: u64,
}

impl From<&OrgItem> for ItemView {
    fn from(i: &OrgItem) -> Self {
        ItemView {
            id: i.id.clone(),
            company_id: i.company_id.clone(),
            kind: i.kind,
            name: i.name.to_string(),
            groups: (i.kind == crate::model::ItemKind::Role).then(|| i.groups.clone()),
            version: i.version,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GroupView {
    pub id: GroupId,
    pub company_id: Option<CompanyId>,
    pub global: bool,
    pub name: String,
    pub permissions: Permissions,
    /// Members of the directory group of this name are added at sign-in (group sync).
    pub directory_sync: bool,
    pub version: u64,
}

impl From<&AccessGroup> for GroupView {
    fn from(g: &AccessGroup) -> Self {
        GroupView {
            id: g.id.clone(),
            company_id: g.company_id.clone(),
            global: g.company_id.is_none(),
            name: g.name.to_string(),
            permissions: g.permissions.clone(),
            directory_sync: g.directory_sync,
            version: g.version,
        }
    }
}

/// Cabinet settings as shown: whether a control word is set, never the word or its hash.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SettingsView {
    pub company_id: CompanyId,
    pub control_word_set: bool,
    pub senders: Senders,
    pub default_language: Language,
    pub version: u64,
}

impl From<&CabinetSettings> for SettingsView {
    fn from(s: &CabinetSettings) -> Self {
        SettingsView {
            company_id: s.company_id.clone(),
            control_word_set: s.control_word.is_some(),
            senders: s.senders.clone(),
            default_language: s.default_language,
            version: s.version,
        }
    }
}
