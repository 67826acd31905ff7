//! What the product keeps: accounts (login identities), cabinet profiles, the organisation, audit
//! events. Storage types are the adapter's own; these are the domain's.

use crate::email::Email;
use crate::ids::{CompanyId, EventId, GroupId, OrgItemId, UserId};
use crate::password::PasswordHashString;
use crate::permissions::{Permissions, Rights};
use crate::phone::Phone;
use crate::text::{Colour, Language, Name};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Where an account comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Local,
    /// Provisioned from Active Directory; its password lives in the directory.
    Ad,
    /// Brought over from the Django version of SecBoard.
    Imported,
}

/// How an account proves who it is. One variant per complete credential, so an account cannot
/// be half one kind and half another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    /// No password yet: first access comes by a reset or First Login link.
    None,
    Password {
        hash: PasswordHashString,
    },
    /// Checked by binding to the directory as the entry's DN; the entry is the one with this
    /// `objectGUID` (hex), found again by it whatever its email becomes.
    Directory {
        dn: String,
        #[serde(default)]
        guid: String,
    },
    /// A Django password hash brought over on import; upgraded to argon2id at the next sign-in.
    Django {
        hash: String,
    },
}

/// The login identity.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub id: UserId,
    pub email: Email,
    pub source: Source,
    pub credential: Credential,
    pub active: bool,
    /// The directory says the account is disabled (ACCOUNTDISABLE), mirrored at sign-in and by
    /// the sync: refused apart from the administrator's `active`, lifted when the directory
    /// enables it again.
    pub directory_disabled: bool,
    pub superuser: bool,
    /// Django's staff flag: access to the admin panel.
    pub staff: bool,
    pub require_2fa: bool,
    pub force_password_change: bool,
    pub totp_enrolled: bool,
    /// Bumped to end every session at once.
    pub epoch: u64,
    /// Bumped on every write; a write based on an older read is refused.
    pub version: u64,
    pub created_at: Timestamp,
    pub has_profile: bool,
    /// What an import brought over from Django (`None` for accounts made here).
    pub django: Option<DjangoOrigin>,
}

/// What a Django import keeps on the account: the pk (a re-run recognises its own rows by it),
/// the dates Django knew, and the memberships, for when an administrator makes the profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DjangoOrigin {
    pub pk: Option<u64>,
    pub date_joined: Option<Timestamp>,
    pub last_login: Option<Timestamp>,
    /// The company the memberships' access groups belong to (the import's).
    pub company: Option<CompanyId>,
    /// Access groups the user was a member of in Django; each counted as a reference on its group.
    #[serde(default)]
    pub groups: Vec<GroupId>,
}

impl Account {
    /// A new local account: active, no flags, first version; every way an account is made
    /// (the API, the first admin, the admin tool) starts here.
    pub fn new(id: UserId, email: Email, credential: Credential, created_at: Timestamp) -> Account {
        Account {
            id,
            email,
            source: Source::Local,
            credential,
            active: true,
            directory_disabled: false,
            superuser: false,
            staff: false,
            require_2fa: false,
            force_password_change: false,
            totp_enrolled: false,
            epoch: 1,
            version: 1,
            created_at,
            has_profile: false,
            django: None,
        }
    }
}

/// A reference to an organisation item with its name, as the profile keeps it (the names an
/// export needs are denormalised so a listing needs no read per row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema), schemars(rename = "{I}Ref"))]
pub struct Ref<I> {
    pub id: I,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GroupRef {
    pub id: GroupId,
    pub name: String,
    /// A global group (no company).
    pub global: bool,
}

/// The cabinet profile: where the user sits in the organisation and what they may do.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub user_id: UserId,
    pub company: Ref<CompanyId>,
    pub first_name: Name,
    pub last_name: Name,
    pub phone: Option<Phone>,
    pub department: Option<Ref<OrgItemId>>,
    pub position: Option<Ref<OrgItemId>>,
    pub roles: Vec<Ref<OrgItemId>>,
    pub groups: Vec<GroupRef>,
    pub quizzes: Vec<Ref<OrgItemId>>,
    pub colour: Option<Colour>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub language: Option<Language>,
    pub completed: bool,
    /// Effective rights from the groups, computed when saved.
    pub rights: Rights,
    /// The deployment's rights epoch when `rights` were computed (read before the groups were).
    /// Every change of a group's rights moves the epoch on; rights stamped with an older one are
    /// computed afresh from the groups at the next request (see `flows::authorize`).
    pub rights_epoch: u64,
    /// The profile photo's object key (unguessable); written apart from the other fields.
    pub avatar_key: Option<String>,
    pub version: u64,
    pub created_at: Timestamp,
}

/// A user's authenticator, as kept in their partition.
#[derive(Clone, Debug, PartialEq)]
pub struct TotpEnrolment {
    /// The secret, sealed with the deployment key (the user id as associated data).
    pub sealed_secret: Vec<u8>,
    /// The last time step accepted: a code of this step or an earlier one is never accepted again.
    pub last_step: i64,
    /// SHA-256 digests of the backup codes not yet spent.
    pub backup_codes: Vec<String>,
    pub enrolled_at: Timestamp,
}

/// A secret being set up, until a code confirms it or it expires.
#[derive(Clone, Debug, PartialEq)]
pub struct TotpPending {
    pub sealed_secret: Vec<u8>,
    pub expires_at: Timestamp,
}

/// A user as the directory shows them: the account's summary beside the profile.
#[derive(Clone, Debug)]
pub struct User {
    pub account: Account,
    pub profile: Option<Profile>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Company {
    pub id: CompanyId,
    pub name: Name,
    pub version: u64,
    pub created_at: Timestamp,
}

/// The kinds of item that belong to one company.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Department,
    Position,
    /// A platform role (CISO, Analyst, ...) with default access groups.
    Role,
    Quiz,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Department => "department",
            ItemKind::Position => "position",
            ItemKind::Role => "role",
            ItemKind::Quiz => "quiz",
        }
    }
    /// The path segment that names the kind (`departments`).
    pub fn from_plural(s: &str) -> Option<ItemKind> {
        match s {
            "departments" => Some(ItemKind::Department),
            "positions" => Some(ItemKind::Position),
            "roles" => Some(ItemKind::Role),
            "quizzes" => Some(ItemKind::Quiz),
            _ => None,
        }
    }
}

/// A department, position, platform role or quiz of a company.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgItem {
    pub id: OrgItemId,
    pub company_id: CompanyId,
    pub kind: ItemKind,
    pub name: Name,
    /// For platform roles: their default access groups.
    pub groups: Vec<GroupId>,
    pub version: u64,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AccessGroup {
    pub id: GroupId,
    /// `None`: a global group, whose rights reach every company.
    pub company_id: Option<CompanyId>,
    pub name: Name,
    pub permissions: Permissions,
    /// Synced from the directory (set by a superuser only): a directory user whose `memberOf`
    /// names this group exactly is added to it at sign-in (never removed).
    pub directory_sync: bool,
    pub version: u64,
    pub created_at: Timestamp,
}

/// Sender addresses per feature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Senders {
    pub reset: Option<Email>,
    pub first_access: Option<Email>,
    pub first_login: Option<Email>,
    pub notifications: Option<Email>,
}

/// A company's cabinet settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CabinetSettings {
    pub company_id: CompanyId,
    /// The First Login control word, as an argon2id hash; never returned.
    pub control_word: Option<PasswordHashString>,
    pub senders: Senders,
    pub default_language: Language,
    pub version: u64,
}

/// Whose history an audit event belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AuditTarget {
    User(UserId),
    Company(CompanyId),
    /// Organisation-wide things (global groups, the first admin).
    Global,
    /// A sign-in attempt for an email that matches no account (its normalised form).
    UnknownEmail(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditEvent {
    pub id: EventId,
    pub at: Timestamp,
    pub actor: Option<UserId>,
    /// `sign_in.succeeded`, `sign_in.refused`, `user.created`, `org.department.created`, ...
    pub action: String,
    pub target: AuditTarget,
    /// What happened, never a secret.
    pub detail: serde_json::Value,
    pub source_ip: Option<String>,
}

/// An import that runs as a job: the file goes to private storage by a presigned upload, and the
/// import runs when it lands (`flows::import_job`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportJob {
    pub id: String,
    /// The superuser who started it; the job lives in their partition.
    pub owner: UserId,
    /// `django`, `csv` or `xlsx`.
    pub kind: String,
    pub dry_run: bool,
    pub keep_superusers: bool,
    pub send_links: bool,
    pub apply_role_groups: bool,
    pub company_id: Option<String>,
    pub status: ImportJobStatus,
    /// The file's size as declared when the job started: the upload link is signed for it.
    #[serde(default)]
    pub size: u64,
    /// When a run claimed it (waiting to running).
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    /// Until when the job is kept: the store deletes it after that (the table's TTL).
    #[serde(default)]
    pub keep_until: Option<Timestamp>,
    /// The address the upload was asked from (the audit's source for what the job writes).
    pub source_ip: String,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// The report's totals once done (the rows are in the report file).
    pub summary: Option<serde_json::Value>,
    /// Why the whole file was refused: the field and the message.
    pub error: Option<(String, String)>,
    /// Why a job failed, for a client to act on: `refused` (the file, see `error`), `too_large`,
    /// `upload_expired` (the file never came), `run_lost` (its run died), `fault`.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportJobStatus {
    /// Waiting for the file.
    Waiting,
    Running,
    Done,
    /// The file was refused whole (see `error`), or the job stopped on a fault.
    Failed,
}
