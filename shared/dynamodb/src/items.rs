//! Storage types: versioned, separate from the domain's, converted by From/TryFrom.

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use jiff::civil::Date;
use secboard_domain::active_directory::{AdAttributes, AdSettings};
use secboard_domain::email::Email;
use secboard_domain::ids::{CompanyId, EventId, GroupId, OrgItemId, SessionId, UserId};
use secboard_domain::model::{
    AccessGroup, Account, AuditEvent, AuditTarget, CabinetSettings, Company, Credential, DjangoOrigin, GroupRef, ItemKind, OrgItem,
    Profile, Ref, Senders, Source,
};
use secboard_domain::password::PasswordHashString;
use secboard_domain::permissions::{Permissions, Rights, Scope};
use secboard_domain::phone::Phone;
use secboard_domain::ports::Listed;
use secboard_domain::session::{Gate, Session, SignInMethod};
use secboard_domain::text::{Colour, Language, Name};
use secboard_dynamodb_derive::FromItem;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

/// Separates the parts of an index sort key; never found in a name (control characters are refused).
const SEP: char = '\u{1f}';

pub fn user_pk(id: &UserId) -> String {
    format!("USER#{id}")
}
pub fn email_pk(normalized: &str) -> String {
    format!("EMAIL#{normalized}")
}
pub fn company_pk(id: &CompanyId) -> String {
    format!("COMPANY#{id}")
}
pub fn company_users_pk(id: &CompanyId) -> String {
    format!("COMPANY#{id}#USERS")
}
pub const ALL_USERS_PK: &str = "USERS";
pub const COMPANIES_PK: &str = "COMPANIES";
pub const GLOBAL_PK: &str = "GLOBAL";
pub const SUPERUSERS_PK: &str = "SUPERUSERS";
pub const SETUP_PK: &str = "SETUP";
/// `RIGHTS` / `EPOCH`: the deployment's rights epoch (`n`), moved on in the same transaction as
/// every change of a group's rights; read with every session.
pub const RIGHTS_PK: &str = "RIGHTS";
pub const RIGHTS_EPOCH_SK: &str = "EPOCH";
/// `SUPERUSERS` / `COUNT`: how many superusers stand (active, no end date; see `superusers::standing`),
/// so the last one cannot be deleted, deactivated or given an end date. Written before this rule
/// it counted every superuser: one deactivated before then stays in the count (one too many).
pub const SUPERUSER_COUNT_SK: &str = "COUNT";

pub fn item_sk(kind: ItemKind, id: &OrgItemId) -> String {
    format!("{}#{id}", kind_prefix(kind))
}
pub fn kind_prefix(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Department => "DEPARTMENT",
        ItemKind::Position => "POSITION",
        ItemKind::Role => "ROLE",
        ItemKind::Quiz => "QUIZ",
    }
}
pub fn group_key(company: Option<&CompanyId>, id: &GroupId) -> (String, String) {
    (company.map(company_pk).unwrap_or_else(|| GLOBAL_PK.to_owned()), format!("GROUP#{id}"))
}
pub fn audit_pk(t: &AuditTarget) -> String {
    match t {
        AuditTarget::User(id) => format!("AUDIT#USER#{id}"),
        AuditTarget::Company(id) => format!("AUDIT#COMPANY#{id}"),
        AuditTarget::Global => "AUDIT#GLOBAL".to_owned(),
        AuditTarget::UnknownEmail(e) => format!("AUDIT#EMAIL#{e}"),
    }
}

pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_owned(), AttributeValue::S(pk.into())), ("sk".to_owned(), AttributeValue::S(sk.into()))])
}

pub fn to_item<T: Serialize>(v: &T) -> anyhow::Result<Item> {
    Ok(serde_dynamo::to_item(v)?)
}
pub fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> anyhow::Result<T> {
    Ok(serde_dynamo::from_item(item)?)
}

/// An item being read attribute by attribute, by `#[derive(FromItem)]` (and by hand where an item
/// is read into more than one type). A derived `Deserialize` read through `serde_dynamo` inlines
/// every field's read into one visitor per type (22 KB for the profile alone, in every function);
/// these calls are shared. Read as serde read them: an absent or NULL optional attribute is `None`,
/// an absent required one is an error naming it, unknown attributes are ignored, and the domain's
/// types go through the same `TryFrom<String>` their serde impls use.
pub struct Attrs(Item);

impl Attrs {
    pub fn new(item: Item) -> Self {
        Attrs(item)
    }

    // What does not depend on the type is kept out of line: `get` is instanced once per field
    // type, in every function that reads the item.
    #[inline(never)]
    fn take(&mut self, k: &str) -> Option<AttributeValue> {
        self.0.remove(k).filter(|v| !matches!(v, AttributeValue::Null(_)))
    }

    /// The attribute `k`; absent (or NULL), it is `None` for an optional one and an error naming
    /// it otherwise.
    pub fn get<T: Attr>(&mut self, k: &str) -> anyhow::Result<T> {
        match self.take(k) {
            Some(v) => T::from_attr(v).map_err(|e| invalid(k, e)),
            None => T::absent().ok_or_else(|| missing(k)),
        }
    }

    /// The attribute `k`, or `default()` when it is absent (`#[serde(default)]`).
    pub fn get_or<T: Attr>(&mut self, k: &str, default: impl FnOnce() -> T) -> anyhow::Result<T> {
        match self.take(k) {
            Some(v) => T::from_attr(v).map_err(|e| invalid(k, e)),
            None => Ok(default()),
        }
    }
}

#[cold]
#[inline(never)]
fn invalid(k: &str, e: String) -> anyhow::Error {
    anyhow::anyhow!("{k}: {e}")
}

#[cold]
#[inline(never)]
fn missing(k: &str) -> anyhow::Error {
    anyhow::anyhow!("missing field `{k}`")
}

/// A type an attribute reads as; the error says what the attribute is not (its name is added).
pub trait Attr: Sized {
    fn from_attr(v: AttributeValue) -> Result<Self, String>;
    /// What an absent attribute reads as, if anything.
    fn absent() -> Option<Self> {
        None
    }
}

impl<T: Attr> Attr for Option<T> {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        T::from_attr(v).map(Some)
    }
    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl Attr for String {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        match v {
            AttributeValue::S(s) => Ok(s),
            _ => Err("not a string".to_owned()),
        }
    }
}

impl Attr for bool {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        match v {
            AttributeValue::Bool(b) => Ok(b),
            _ => Err("not a boolean".to_owned()),
        }
    }
}

fn number<T: std::str::FromStr>(v: AttributeValue) -> Result<T, String> {
    match v {
        AttributeValue::N(n) => n.parse().map_err(|_| format!("not a whole number in range: {n}")),
        _ => Err("not a number".to_owned()),
    }
}

impl Attr for u64 {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        number(v)
    }
}
impl Attr for u32 {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        number(v)
    }
}
impl Attr for i64 {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        number(v)
    }
}

/// Text parsed by `FromStr` (times and dates, as jiff writes them).
fn parsed_text<T: std::str::FromStr>(v: AttributeValue, what: &str) -> Result<T, String> {
    String::from_attr(v)?.parse().map_err(|_| format!("not {what}"))
}

impl Attr for Timestamp {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        parsed_text(v, "a timestamp")
    }
}
impl Attr for Date {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        parsed_text(v, "a date")
    }
}

/// The domain's string types, through the `TryFrom<String>` their serde impls use.
macro_rules! text_attrs {
    ($($t:ty),* $(,)?) => {$(
        impl Attr for $t {
            fn from_attr(v: AttributeValue) -> Result<Self, String> {
                <$t>::try_from(String::from_attr(v)?).map_err(|e| e.to_string())
            }
        }
    )*};
}
text_attrs!(UserId, CompanyId, OrgItemId, GroupId, SessionId, EventId, Email, Name, Phone, Colour);

/// Nested values (maps, lists, enums), read by their serde impls.
macro_rules! nested_attrs {
    ($($t:ty),* $(,)?) => {$(
        impl Attr for $t {
            fn from_attr(v: AttributeValue) -> Result<Self, String> {
                serde_dynamo::from_attribute_value(v).map_err(|e| e.to_string())
            }
        }
    )*};
}
nested_attrs!(Permissions, Senders, AuditTarget, AdAttributes);

// The values every request reads (an account's source and credential, a session's gate) are read
// by hand: serde's reader for the internally tagged credential alone is 19 KB in every function.
// Written by serde still; `hand_read_values_read_what_serde_writes` holds the two together.

/// A string enum's variant by its serde name.
macro_rules! name_attrs {
    ($($t:ty { $($name:literal => $variant:expr),* $(,)? })*) => {$(
        impl Attr for $t {
            fn from_attr(v: AttributeValue) -> Result<Self, String> {
                match String::from_attr(v)?.as_str() {
                    $($name => Ok($variant),)*
                    other => Err(format!("unknown variant {other:?}")),
                }
            }
        }
    )*};
}
name_attrs! {
    Source { "local" => Source::Local, "ad" => Source::Ad, "imported" => Source::Imported }
    Language { "en" => Language::En, "uk" => Language::Uk, "ru" => Language::Ru }
    ItemKind { "department" => ItemKind::Department, "position" => ItemKind::Position, "role" => ItemKind::Role, "quiz" => ItemKind::Quiz }
    Gate {
        "totp" => Gate::Totp,
        "no_profile" => Gate::NoProfile,
        "password_change" => Gate::PasswordChange,
        "totp_setup" => Gate::TotpSetup,
        "complete_profile" => Gate::CompleteProfile,
        "done" => Gate::Done,
    }
}

impl Attr for SignInMethod {
    /// A method a later version wrote reads as `Other` (serde's `#[serde(other)]`).
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        Ok(match String::from_attr(v)?.as_str() {
            "password" => SignInMethod::Password,
            "magic_link" => SignInMethod::MagicLink,
            _ => SignInMethod::Other,
        })
    }
}

impl Attr for PasswordHashString {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        String::from_attr(v).map(PasswordHashString::from_phc)
    }
}

impl<T: Attr> Attr for Vec<T> {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        // A plain loop: an iterator chain here is instanced once per element type (8 KB).
        let list = match v {
            AttributeValue::L(list) => list,
            AttributeValue::Ss(set) => set.into_iter().map(AttributeValue::S).collect(),
            _ => return Err("not a list".to_owned()),
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, v) in list.into_iter().enumerate() {
            out.push(T::from_attr(v).map_err(|e| format!("[{i}]: {e}"))?);
        }
        Ok(out)
    }
}

/// A nested map's fields, read by `read`.
fn fields<T>(v: AttributeValue, read: impl FnOnce(&mut Attrs) -> anyhow::Result<T>) -> Result<T, String> {
    let AttributeValue::M(map) = v else { return Err("not a map".to_owned()) };
    read(&mut Attrs::new(map)).map_err(|e| e.to_string())
}

impl Attr for Ref<OrgItemId> {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        fields(v, |a| Ok(Ref { id: a.get("id")?, name: a.get("name")? }))
    }
}

impl Attr for GroupRef {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        fields(v, |a| Ok(GroupRef { id: a.get("id")?, name: a.get("name")?, global: a.get("global")? }))
    }
}

impl Attr for DjangoOrigin {
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        fields(v, |a| {
            Ok(DjangoOrigin {
                pk: a.get("pk")?,
                date_joined: a.get("date_joined")?,
                last_login: a.get("last_login")?,
                company: a.get("company")?,
                groups: a.get_or("groups", Vec::new)?,
            })
        })
    }
}

name_attrs! {
    Scope { "company" => Scope::Company, "all" => Scope::All }
}

impl Attr for Rights {
    /// A map of right to scope.
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        let AttributeValue::M(map) = v else { return Err("not a map".to_owned()) };
        let mut rights = Rights::default();
        for (k, v) in map {
            let scope = Scope::from_attr(v).map_err(|e| format!("{k}: {e}"))?;
            rights.0.insert(k, scope);
        }
        Ok(rights)
    }
}

impl Attr for Credential {
    /// A map tagged by `kind`, as serde's `#[serde(tag = "kind")]` writes it.
    fn from_attr(v: AttributeValue) -> Result<Self, String> {
        let AttributeValue::M(map) = v else { return Err("not a map".to_owned()) };
        let mut a = Attrs::new(map);
        let kind: String = a.get("kind").map_err(|e| e.to_string())?;
        let credential = match kind.as_str() {
            "none" => Ok(Credential::None),
            "password" => a.get("hash").map(|hash| Credential::Password { hash }),
            "directory" => a.get("dn").and_then(|dn| Ok(Credential::Directory { dn, guid: a.get_or("guid", String::new)? })),
            "django" => a.get("hash").map(|hash| Credential::Django { hash }),
            other => return Err(format!("unknown kind {other:?}")),
        };
        credential.map_err(|e| e.to_string())
    }
}

pub fn name_sort_key(last: &str, first: &str, id: &UserId) -> String {
    format!("{}{SEP}{}{SEP}{id}", last.to_lowercase(), first.to_lowercase())
}

// ---- accounts ----

#[derive(Serialize, FromItem)]
pub struct DbAccountV1 {
    pub pk: String,
    pub sk: String,
    pub id: UserId,
    pub email: Email,
    pub source: Source,
    pub credential: Credential,
    pub active: bool,
    #[serde(default)]
    pub directory_disabled: bool,
    pub superuser: bool,
    pub staff: bool,
    pub require_2fa: bool,
    pub force_password_change: bool,
    pub totp_enrolled: bool,
    pub epoch: u64,
    pub version: u64,
    pub created_at: Timestamp,
    pub has_profile: bool,
    /// Written by imports (absent on accounts made here, and on items older than imports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub django: Option<DjangoOrigin>,
}

impl From<&Account> for DbAccountV1 {
    fn from(a: &Account) -> Self {
        DbAccountV1 {
            pk: user_pk(&a.id),
            sk: "ACCOUNT".into(),
            id: a.id.clone(),
            email: a.email.clone(),
            source: a.source,
            credential: a.credential.clone(),
            active: a.active,
            directory_disabled: a.directory_disabled,
            superuser: a.superuser,
            staff: a.staff,
            require_2fa: a.require_2fa,
            force_password_change: a.force_password_change,
            totp_enrolled: a.totp_enrolled,
            epoch: a.epoch,
            version: a.version,
            created_at: a.created_at,
            has_profile: a.has_profile,
            django: a.django.clone(),
        }
    }
}

impl From<DbAccountV1> for Account {
    fn from(d: DbAccountV1) -> Self {
        Account {
            id: d.id,
            email: d.email,
            source: d.source,
            credential: d.credential,
            active: d.active,
            directory_disabled: d.directory_disabled,
            superuser: d.superuser,
            staff: d.staff,
            require_2fa: d.require_2fa,
            force_password_change: d.force_password_change,
            totp_enrolled: d.totp_enrolled,
            epoch: d.epoch,
            version: d.version,
            created_at: d.created_at,
            has_profile: d.has_profile,
            django: d.django,
        }
    }
}

// ---- profiles ----

/// The profile's own attributes (what `save_profile` writes).
#[derive(Serialize, Clone, FromItem)]
pub struct DbProfileFields {
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub first_name: Name,
    pub last_name: Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<Ref<OrgItemId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<OrgItemId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Ref<OrgItemId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_id: Option<OrgItemId>,
    pub roles: Vec<Ref<OrgItemId>>,
    pub role_ids: Vec<OrgItemId>,
    pub groups: Vec<GroupRef>,
    pub group_ids: Vec<GroupId>,
    pub quizzes: Vec<Ref<OrgItemId>>,
    pub quiz_ids: Vec<OrgItemId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<Colour>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    pub completed: bool,
    pub rights: Rights,
    /// Absent on profiles written before the rights epoch: 0, older than any moved epoch.
    #[serde(default)]
    pub rights_epoch: u64,
    pub version: u64,
    pub created_at: Timestamp,
    /// Lower-cased name and phone, for the free-text filter (the email is matched on `email_lc`).
    pub search: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub gsi2pk: String,
    pub gsi2sk: String,
}

/// Optional profile attributes, removed when absent.
pub const PROFILE_OPTIONAL: [&str; 9] =
    ["phone", "department", "department_id", "position", "position_id", "colour", "start_date", "end_date", "language"];

/// The account facts a listing shows, copied onto the profile whenever either is written.
#[derive(Serialize, Clone)]
pub struct DbAccountFacts {
    pub email: Email,
    pub email_lc: String,
    pub active: bool,
    pub staff: bool,
    pub superuser: bool,
    pub source: Source,
}

impl From<&Account> for DbAccountFacts {
    fn from(a: &Account) -> Self {
        DbAccountFacts {
            email: a.email.clone(),
            email_lc: a.email.normalized(),
            active: a.active,
            staff: a.staff,
            superuser: a.superuser,
            source: a.source,
        }
    }
}

/// `USER#<id>` / `PROFILE`: one flat item holding the profile's fields, the account facts and the
/// photo key. Written and read part by part rather than through `#[serde(flatten)]`, which buffers
/// every attribute and reads each nested type a second way (30 KB in every function).
pub struct DbProfileV1 {
    pub fields: DbProfileFields,
    pub facts: DbAccountFacts,
    /// Written only by `set_avatar`, so an edit never overwrites a photo set meanwhile.
    pub avatar_key: Option<String>,
}

const AVATAR_KEY: &str = "avatar_key";

impl DbProfileFields {
    pub fn of(p: &Profile) -> Self {
        let sort = name_sort_key(p.last_name.as_str(), p.first_name.as_str(), &p.user_id);
        let search = format!("{} {} {}", p.first_name.as_str(), p.last_name.as_str(), p.phone.as_ref().map(|x| x.as_str()).unwrap_or(""))
            .to_lowercase();
        DbProfileFields {
            user_id: p.user_id.clone(),
            company_id: p.company.id.clone(),
            company_name: p.company.name.clone(),
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            phone: p.phone.clone(),
            department_id: p.department.as_ref().map(|r| r.id.clone()),
            department: p.department.clone(),
            position_id: p.position.as_ref().map(|r| r.id.clone()),
            position: p.position.clone(),
            role_ids: p.roles.iter().map(|r| r.id.clone()).collect(),
            roles: p.roles.clone(),
            group_ids: p.groups.iter().map(|r| r.id.clone()).collect(),
            groups: p.groups.clone(),
            quiz_ids: p.quizzes.iter().map(|r| r.id.clone()).collect(),
            quizzes: p.quizzes.clone(),
            colour: p.colour.clone(),
            start_date: p.start_date,
            end_date: p.end_date,
            language: p.language,
            completed: p.completed,
            rights: p.rights.clone(),
            rights_epoch: p.rights_epoch,
            version: p.version,
            created_at: p.created_at,
            search,
            gsi1pk: company_users_pk(&p.company.id),
            gsi1sk: sort.clone(),
            gsi2pk: ALL_USERS_PK.to_owned(),
            gsi2sk: sort,
        }
    }

    pub fn into_profile(self, avatar_key: Option<String>) -> Profile {
        Profile {
            avatar_key,
            user_id: self.user_id,
            company: Ref { id: self.company_id, name: self.company_name },
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone,
            department: self.department,
            position: self.position,
            roles: self.roles,
            groups: self.groups,
            quizzes: self.quizzes,
            colour: self.colour,
            start_date: self.start_date,
            end_date: self.end_date,
            language: self.language,
            completed: self.completed,
            rights: self.rights,
            rights_epoch: self.rights_epoch,
            version: self.version,
            created_at: self.created_at,
        }
    }
}

impl DbProfileV1 {
    pub fn of(p: &Profile, a: &Account) -> Self {
        DbProfileV1 { fields: DbProfileFields::of(p), facts: a.into(), avatar_key: p.avatar_key.clone() }
    }

    pub fn to_item(&self) -> anyhow::Result<Item> {
        let mut item = key(user_pk(&self.fields.user_id), "PROFILE");
        item.extend(to_item(&self.fields)?);
        item.extend(to_item(&self.facts)?);
        if let Some(k) = &self.avatar_key {
            item.insert(AVATAR_KEY.to_owned(), AttributeValue::S(k.clone()));
        }
        Ok(item)
    }

    /// A listed user: the profile and the account facts copied beside it.
    pub fn listed_from_item(item: Item) -> anyhow::Result<Listed> {
        let mut a = Attrs::new(item);
        Ok(Listed {
            email: a.get("email")?,
            active: a.get("active")?,
            staff: a.get("staff")?,
            superuser: a.get("superuser")?,
            source: a.get("source")?,
            profile: Self::read_profile(&mut a)?,
        })
    }

    /// The profile alone (the account facts beside it are ignored).
    pub fn profile_from_item(item: Item) -> anyhow::Result<Profile> {
        Self::read_profile(&mut Attrs::new(item))
    }

    fn read_profile(a: &mut Attrs) -> anyhow::Result<Profile> {
        let avatar_key = a.get(AVATAR_KEY)?;
        Ok(DbProfileFields::read(a)?.into_profile(avatar_key))
    }
}

// ---- sessions ----

#[derive(Serialize, FromItem)]
pub struct DbSessionV1 {
    pub pk: String,
    pub sk: String,
    pub user_id: UserId,
    pub digest: String,
    pub gate: Gate,
    pub epoch: u64,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    pub source_ip: String,
    /// When DynamoDB may delete it (seconds since the epoch).
    pub ttl: i64,
    // Kept since sessions can be listed and ended; absent on items written before, which read
    // as a session with no public id, method or browser.
    /// The public id (a ULID), never derived from the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<SignInMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

pub fn session_sk(digest: &str) -> String {
    format!("SESSION#{digest}")
}

impl From<&Session> for DbSessionV1 {
    fn from(s: &Session) -> Self {
        DbSessionV1 {
            pk: user_pk(&s.user_id),
            sk: session_sk(&s.digest),
            user_id: s.user_id.clone(),
            digest: s.digest.clone(),
            gate: s.gate,
            epoch: s.epoch,
            created_at: s.created_at,
            last_seen: s.last_seen,
            source_ip: s.source_ip.clone(),
            ttl: s.expires_at().as_second(),
            session_id: s.id.clone(),
            method: s.method,
            user_agent: s.user_agent.clone(),
        }
    }
}

impl From<DbSessionV1> for Session {
    fn from(d: DbSessionV1) -> Self {
        Session {
            user_id: d.user_id,
            digest: d.digest,
            gate: d.gate,
            epoch: d.epoch,
            created_at: d.created_at,
            last_seen: d.last_seen,
            source_ip: d.source_ip,
            id: d.session_id,
            method: d.method,
            user_agent: d.user_agent,
        }
    }
}

// ---- organisation ----

#[derive(Serialize, FromItem)]
pub struct DbCompanyV1 {
    pub pk: String,
    pub sk: String,
    pub id: CompanyId,
    pub name: Name,
    pub version: u64,
    pub created_at: Timestamp,
    pub gsi1pk: String,
    pub gsi1sk: String,
}

impl From<&Company> for DbCompanyV1 {
    fn from(c: &Company) -> Self {
        DbCompanyV1 {
            pk: company_pk(&c.id),
            sk: "COMPANY".into(),
            id: c.id.clone(),
            name: c.name.clone(),
            version: c.version,
            created_at: c.created_at,
            gsi1pk: COMPANIES_PK.into(),
            gsi1sk: format!("{}{SEP}{}", c.name.as_str().to_lowercase(), c.id),
        }
    }
}

impl From<DbCompanyV1> for Company {
    fn from(d: DbCompanyV1) -> Self {
        Company { id: d.id, name: d.name, version: d.version, created_at: d.created_at }
    }
}

#[derive(Serialize, FromItem)]
pub struct DbOrgItemV1 {
    pub pk: String,
    pub sk: String,
    pub id: OrgItemId,
    pub company_id: CompanyId,
    pub kind: ItemKind,
    pub name: Name,
    #[serde(default)]
    pub groups: Vec<GroupId>,
    pub version: u64,
    pub created_at: Timestamp,
}

impl From<&OrgItem> for DbOrgItemV1 {
    fn from(i: &OrgItem) -> Self {
        DbOrgItemV1 {
            pk: company_pk(&i.company_id),
            sk: item_sk(i.kind, &i.id),
            id: i.id.clone(),
            company_id: i.company_id.clone(),
            kind: i.kind,
            name: i.name.clone(),
            groups: i.groups.clone(),
            version: i.version,
            created_at: i.created_at,
        }
    }
}

impl From<DbOrgItemV1> for OrgItem {
    fn from(d: DbOrgItemV1) -> Self {
        OrgItem {
            id: d.id,
            company_id: d.company_id,
            kind: d.kind,
            name: d.name,
            groups: d.groups,
            version: d.version,
            created_at: d.created_at,
        }
    }
}

#[derive(Serialize, FromItem)]
pub struct DbGroupV1 {
    pub pk: String,
    pub sk: String,
    pub id: GroupId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<CompanyId>,
    pub name: Name,
    pub permissions: Permissions,
    /// Absent on groups written before group sync: not synced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub directory_sync: bool,
    pub version: u64,
    pub created_at: Timestamp,
}

impl From<&AccessGroup> for DbGroupV1 {
    fn from(g: &AccessGroup) -> Self {
        let (pk, sk) = group_key(g.company_id.as_ref(), &g.id);
        DbGroupV1 {
            pk,
            sk,
            id: g.id.clone(),
            company_id: g.company_id.clone(),
            name: g.name.clone(),
            permissions: g.permissions.clone(),
            directory_sync: g.directory_sync,
            version: g.version,
            created_at: g.created_at,
        }
    }
}

impl From<DbGroupV1> for AccessGroup {
    fn from(d: DbGroupV1) -> Self {
        AccessGroup {
            id: d.id,
            company_id: d.company_id,
            name: d.name,
            permissions: d.permissions,
            directory_sync: d.directory_sync,
            version: d.version,
            created_at: d.created_at,
        }
    }
}

#[derive(Serialize, FromItem)]
pub struct DbSettingsV1 {
    pub pk: String,
    pub sk: String,
    pub company_id: CompanyId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_word: Option<PasswordHashString>,
    pub senders: Senders,
    pub default_language: Language,
    pub version: u64,
}

impl From<&CabinetSettings> for DbSettingsV1 {
    fn from(s: &CabinetSettings) -> Self {
        DbSettingsV1 {
            pk: company_pk(&s.company_id),
            sk: "SETTINGS".into(),
            company_id: s.company_id.clone(),
            control_word: s.control_word.clone(),
            senders: s.senders.clone(),
            default_language: s.default_language,
            version: s.version,
        }
    }
}

impl From<DbSettingsV1> for CabinetSettings {
    fn from(d: DbSettingsV1) -> Self {
        CabinetSettings {
            company_id: d.company_id,
            control_word: d.control_word,
            senders: d.senders,
            default_language: d.default_language,
            version: d.version,
        }
    }
}

// ---- audit ----

#[derive(Serialize, FromItem)]
pub struct DbAuditV1 {
    pub pk: String,
    pub sk: String,
    pub id: EventId,
    pub at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<UserId>,
    pub action: String,
    pub target: AuditTarget,
    /// JSON text: free-form, never a secret.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// The organisation-wide log by time: `AUDITLOG#<UTC day>`, events sorted by their ULID.
    /// Absent on events written before the index existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
}

/// The time index's partition of one UTC day.
pub fn audit_day_pk(day: Date) -> String {
    format!("AUDITLOG#{day}")
}

impl From<&AuditEvent> for DbAuditV1 {
    fn from(e: &AuditEvent) -> Self {
        DbAuditV1 {
            pk: audit_pk(&e.target),
            sk: format!("EVENT#{}", e.id),
            id: e.id.clone(),
            at: e.at,
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            detail: e.detail.to_string(),
            source_ip: e.source_ip.clone(),
            gsi1pk: Some(audit_day_pk(e.at.to_zoned(jiff::tz::TimeZone::UTC).date())),
            gsi1sk: Some(format!("EVENT#{}", e.id)),
        }
    }
}

impl From<DbAuditV1> for AuditEvent {
    fn from(d: DbAuditV1) -> Self {
        AuditEvent {
            id: d.id,
            at: d.at,
            actor: d.actor,
            action: d.action,
            target: d.target,
            detail: serde_json::from_str(&d.detail).unwrap_or(serde_json::Value::Null),
            source_ip: d.source_ip,
        }
    }
}

// ---- the directory connection ----

/// `DIRECTORY` / `SETTINGS`; the sealed bind password as base64 text.
#[derive(Serialize, FromItem)]
pub struct DbAdSettingsV1 {
    pub pk: String,
    pub sk: String,
    pub url: String,
    pub ca_pem: Option<String>,
    pub insecure: bool,
    pub bind_dn: String,
    pub sealed_bind_password: Option<String>,
    pub user_base: String,
    pub user_filter: String,
    pub attrs: AdAttributes,
    pub sync_groups: bool,
    pub company_id: Option<CompanyId>,
    pub connect_timeout_ms: u32,
    pub operation_timeout_ms: u32,
    pub version: u64,
    pub updated_at: Timestamp,
}

impl From<&AdSettings> for DbAdSettingsV1 {
    fn from(a: &AdSettings) -> Self {
        use base64::Engine;
        DbAdSettingsV1 {
            pk: "DIRECTORY".into(),
            sk: "SETTINGS".into(),
            url: a.url.clone(),
            ca_pem: a.ca_pem.clone(),
            insecure: a.insecure,
            bind_dn: a.bind_dn.clone(),
            sealed_bind_password: a.sealed_bind_password.as_ref().map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            user_base: a.user_base.clone(),
            user_filter: a.user_filter.clone(),
            attrs: a.attrs.clone(),
            sync_groups: a.sync_groups,
            company_id: a.company_id.clone(),
            connect_timeout_ms: a.connect_timeout_ms,
            operation_timeout_ms: a.operation_timeout_ms,
            version: a.version,
            updated_at: a.updated_at,
        }
    }
}

impl From<DbAdSettingsV1> for AdSettings {
    fn from(d: DbAdSettingsV1) -> Self {
        use base64::Engine;
        AdSettings {
            url: d.url,
            ca_pem: d.ca_pem,
            insecure: d.insecure,
            bind_dn: d.bind_dn,
            // A value that does not decode is as good as none: the password must be given again.
            sealed_bind_password: d.sealed_bind_password.and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()),
            user_base: d.user_base,
            user_filter: d.user_filter,
            attrs: d.attrs,
            sync_groups: d.sync_groups,
            company_id: d.company_id,
            connect_timeout_ms: d.connect_timeout_ms,
            operation_timeout_ms: d.operation_timeout_ms,
            version: d.version,
            updated_at: d.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secboard_domain::clock::{Clock, ManualClock, OsEntropy};

    #[test]
    fn an_account_round_trips_through_its_item() {
        let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
        let a = Account {
            id: UserId::new(&clock, &OsEntropy),
            email: Email::parse("e", "Ada@Example.com").unwrap(),
            source: Source::Local,
            credential: Credential::Password { hash: PasswordHashString::from_phc("$argon2id$x".into()) },
            active: true,
            directory_disabled: true,
            superuser: false,
            staff: true,
            require_2fa: false,
            force_password_change: true,
            totp_enrolled: false,
            epoch: 2,
            version: 5,
            created_at: clock.now(),
            has_profile: false,
            django: None,
        };
        let item = to_item(&DbAccountV1::from(&a)).unwrap();
        assert_eq!(item["pk"].as_s().unwrap(), &format!("USER#{}", a.id));
        let back: Account = DbAccountV1::from_item(item).unwrap().into();
        assert_eq!(back, a);
    }

    /// A profile item as the store has written it since the rights epoch: one flat item. What
    /// is written now must be the same item, and an item like it must read back.
    #[test]
    fn a_profile_item_keeps_its_layout() {
        let id = "01HZY0M6T4N0Q8X9V3R2K7W5AB";
        let company = "01HZY0M6T4N0Q8X9V3R2K7W5AC";
        let sort = format!("lovelace{SEP}ada{SEP}{id}");
        let written: Item = serde_dynamo::to_item(serde_json::json!({
            "pk": format!("USER#{id}"), "sk": "PROFILE",
            "user_id": id, "company_id": company, "company_name": "Acme",
            "first_name": "Ada", "last_name": "Lovelace", "phone": "+380501234567",
            "department": {"id": "01HZY0M6T4N0Q8X9V3R2K7W5AD", "name": "Research"},
            "department_id": "01HZY0M6T4N0Q8X9V3R2K7W5AD",
            "roles": [{"id": "01HZY0M6T4N0Q8X9V3R2K7W5AE", "name": "Analyst"}],
            "role_ids": ["01HZY0M6T4N0Q8X9V3R2K7W5AE"],
            "groups": [{"id": "01HZY0M6T4N0Q8X9V3R2K7W5AF", "name": "Admins", "global": true}],
            "group_ids": ["01HZY0M6T4N0Q8X9V3R2K7W5AF"],
            "quizzes": [], "quiz_ids": [],
            "colour": "#AABBCC", "start_date": "2026-01-02", "language": "uk",
            "completed": true, "rights": {"users.view": "all"}, "rights_epoch": 3,
            "version": 7, "created_at": "2026-01-01T00:00:00Z",
            "search": "ada lovelace +380501234567",
            "gsi1pk": format!("COMPANY#{company}#USERS"), "gsi1sk": sort, "gsi2pk": "USERS", "gsi2sk": sort,
            "email": "Ada@Example.com", "email_lc": "ada@example.com",
            "active": true, "staff": false, "superuser": true, "source": "ad",
            "avatar_key": "avatars/k",
        }))
        .unwrap();

        let listed = DbProfileV1::listed_from_item(written.clone()).unwrap();
        assert_eq!((listed.email.as_str(), listed.active, listed.staff, listed.superuser), ("Ada@Example.com", true, false, true));
        assert_eq!(listed.source, Source::Ad);
        let p = DbProfileV1::profile_from_item(written.clone()).unwrap();
        assert_eq!(p, listed.profile);
        assert_eq!(p.avatar_key.as_deref(), Some("avatars/k"));
        assert_eq!(p.department.as_ref().map(|d| d.name.as_str()), Some("Research"));
        assert_eq!((p.groups.len(), p.rights_epoch, p.version, p.end_date), (1, 3, 7, None));

        let mut a = Account::new(p.user_id.clone(), listed.email.clone(), Credential::None, p.created_at);
        (a.active, a.staff, a.superuser, a.source) = (true, false, true, Source::Ad);
        assert_eq!(DbProfileV1::of(&p, &a).to_item().unwrap(), written);
    }

    /// A session item as written before session ids (no id, method or browser), then one with a
    /// method a later version wrote and a NULL browser: both read as serde read them; a session
    /// without its digest is refused naming it.
    #[test]
    fn a_session_item_reads_attribute_by_attribute() {
        let id = "01HZY0M6T4N0Q8X9V3R2K7W5AB";
        let old = serde_json::json!({
            "pk": format!("USER#{id}"), "sk": "SESSION#d", "user_id": id, "digest": "d", "gate": "done",
            "epoch": 2, "created_at": "2026-01-01T00:00:00Z", "last_seen": "2026-01-01T00:30:00Z",
            "source_ip": "192.0.2.1", "ttl": 1767268800, "extra": "ignored",
        });
        let s: Session = DbSessionV1::from_item(serde_dynamo::to_item(&old).unwrap()).unwrap().into();
        assert_eq!((s.gate, s.epoch, s.id, s.method, s.user_agent), (Gate::Done, 2, None, None, None));
        assert_eq!(s.last_seen.to_string(), "2026-01-01T00:30:00Z");

        let mut newer = old.clone();
        newer["method"] = "passkey".into();
        newer["user_agent"] = serde_json::Value::Null;
        newer["session_id"] = "01HZY0M6T4N0Q8X9V3R2K7W5AC".into();
        let s: Session = DbSessionV1::from_item(serde_dynamo::to_item(&newer).unwrap()).unwrap().into();
        assert_eq!((s.method, s.user_agent), (Some(SignInMethod::Other), None));
        assert_eq!(s.id.map(|i| i.to_string()).as_deref(), Some("01HZY0M6T4N0Q8X9V3R2K7W5AC"));

        let mut broken = old;
        broken.as_object_mut().unwrap().remove("digest");
        assert_eq!(refusal(DbSessionV1::from_item, &broken), "missing field `digest`");
        let mut epoch_as_text = newer;
        epoch_as_text["epoch"] = "2".into();
        assert_eq!(refusal(DbSessionV1::from_item, &epoch_as_text), "epoch: not a number");
    }

    /// Why reading `json` as an item fails.
    fn refusal<T>(read: fn(Item) -> anyhow::Result<T>, json: &serde_json::Value) -> String {
        match read(serde_dynamo::to_item(json).unwrap()) {
            Ok(_) => panic!("{json} was read"),
            Err(e) => e.to_string(),
        }
    }

    /// Items written before a field was added read with the field's `#[serde(default)]`, as the
    /// derived readers take it from the type; a value of the wrong kind or range is refused naming
    /// the attribute.
    #[test]
    fn older_items_read_with_their_serde_defaults() {
        let id = "01HZY0M6T4N0Q8X9V3R2K7W5AB";
        let company = "01HZY0M6T4N0Q8X9V3R2K7W5AC";
        let account = serde_json::json!({
            "pk": format!("USER#{id}"), "sk": "ACCOUNT", "id": id, "email": "ada@example.com",
            "source": "local", "credential": {"kind": "none"}, "active": true, "superuser": false, "staff": false,
            "require_2fa": false, "force_password_change": false, "totp_enrolled": false, "epoch": 0, "version": 1,
            "created_at": "2026-01-01T00:00:00Z", "has_profile": true,
        });
        let a = DbAccountV1::from_item(serde_dynamo::to_item(&account).unwrap()).unwrap();
        assert_eq!((a.directory_disabled, a.django.is_none()), (false, true));

        let item = serde_json::json!({
            "pk": format!("COMPANY#{company}"), "sk": "DEPARTMENT#01HZY0M6T4N0Q8X9V3R2K7W5AD", "id": "01HZY0M6T4N0Q8X9V3R2K7W5AD",
            "company_id": company, "kind": "department", "name": "Research", "version": 1, "created_at": "2026-01-01T00:00:00Z",
        });
        assert_eq!(DbOrgItemV1::from_item(serde_dynamo::to_item(&item).unwrap()).unwrap().groups, vec![]);

        let group = serde_json::json!({
            "pk": "GLOBAL", "sk": "GROUP#01HZY0M6T4N0Q8X9V3R2K7W5AE", "id": "01HZY0M6T4N0Q8X9V3R2K7W5AE",
            "name": "Admins", "permissions": {}, "version": 1, "created_at": "2026-01-01T00:00:00Z",
        });
        let g = DbGroupV1::from_item(serde_dynamo::to_item(&group).unwrap()).unwrap();
        assert_eq!((g.directory_sync, g.company_id), (false, None));

        let wrong = |k: &str, v: &str| {
            let mut json = account.clone();
            json[k] = v.into();
            refusal(DbAccountV1::from_item, &json)
        };
        assert_eq!(wrong("active", "yes"), "active: not a boolean");
        assert!(wrong("email", "not an email").starts_with("email: "));
    }

    /// Every item type as the store has written it: read, then written again, it is the same
    /// item to the attribute (absent options stay absent where the type skips them, and are NULL
    /// where it does not; nested maps keep their NULLs).
    #[test]
    fn every_item_type_writes_back_what_it_read() {
        let (u, c, g, e) =
            ("01HZY0M6T4N0Q8X9V3R2K7W5AB", "01HZY0M6T4N0Q8X9V3R2K7W5AC", "01HZY0M6T4N0Q8X9V3R2K7W5AD", "01HZY0M6T4N0Q8X9V3R2K7W5AE");
        let at = "2026-01-01T00:00:00Z";
        let rights =
            serde_json::json!({"users": {"view": true, "add": false, "edit": true, "delete": false, "export": false, "show_link": true}});
        fn same<T>(read: fn(Item) -> anyhow::Result<T>, write: fn(&T) -> anyhow::Result<Item>, json: serde_json::Value) {
            let item: Item = serde_dynamo::to_item(&json).unwrap();
            assert_eq!(write(&read(item.clone()).unwrap()).unwrap(), item, "{json}");
        }
        same(
            DbSessionV1::from_item,
            to_item::<DbSessionV1>,
            serde_json::json!({
                "pk": format!("USER#{u}"), "sk": "SESSION#d", "user_id": u, "digest": "d", "gate": "totp", "epoch": 2,
                "created_at": at, "last_seen": "2026-01-01T00:30:00.5Z", "source_ip": "192.0.2.1", "ttl": 1767268800,
                "method": "password",
            }),
        );
        same(
            DbAccountV1::from_item,
            to_item::<DbAccountV1>,
            serde_json::json!({
                "pk": format!("USER#{u}"), "sk": "ACCOUNT", "id": u, "email": "Ada@Example.com", "source": "ad",
                "credential": {"kind": "directory", "dn": "CN=Ada,DC=example,DC=com", "guid": "00ff"},
                "active": true, "directory_disabled": false, "superuser": false, "staff": true, "require_2fa": true,
                "force_password_change": false, "totp_enrolled": true, "epoch": 3, "version": 4, "created_at": at, "has_profile": true,
            }),
        );
        same(
            DbCompanyV1::from_item,
            to_item::<DbCompanyV1>,
            serde_json::json!({
                "pk": format!("COMPANY#{c}"), "sk": "COMPANY", "id": c, "name": "Acme", "version": 1, "created_at": at,
                "gsi1pk": "COMPANIES", "gsi1sk": format!("acme{SEP}{c}"),
            }),
        );
        same(
            DbOrgItemV1::from_item,
            to_item::<DbOrgItemV1>,
            serde_json::json!({
                "pk": format!("COMPANY#{c}"), "sk": format!("ROLE#{e}"), "id": e, "company_id": c, "kind": "role",
                "name": "Analyst", "groups": [g], "version": 2, "created_at": at,
            }),
        );
        same(
            DbGroupV1::from_item,
            to_item::<DbGroupV1>,
            serde_json::json!({
                "pk": "GLOBAL", "sk": format!("GROUP#{g}"), "id": g, "name": "Admins", "permissions": rights,
                "version": 1, "created_at": at,
            }),
        );
        same(
            DbGroupV1::from_item,
            to_item::<DbGroupV1>,
            serde_json::json!({
                "pk": format!("COMPANY#{c}"), "sk": format!("GROUP#{g}"), "id": g, "company_id": c, "name": "Staff",
                "permissions": {}, "directory_sync": true, "version": 1, "created_at": at,
            }),
        );
        same(
            DbSettingsV1::from_item,
            to_item::<DbSettingsV1>,
            serde_json::json!({
                "pk": format!("COMPANY#{c}"), "sk": "SETTINGS", "company_id": c,
                "senders": {"reset": "hr@acme.test", "first_access": null, "first_login": null, "notifications": null},
                "default_language": "uk", "version": 2,
            }),
        );
        same(
            DbAuditV1::from_item,
            to_item::<DbAuditV1>,
            serde_json::json!({
                "pk": format!("AUDIT#USER#{u}"), "sk": format!("EVENT#{e}"), "id": e, "at": at, "actor": u,
                "action": "user.update", "target": {"kind": "user", "id": u}, "detail": "{}",
                "gsi1pk": "AUDITLOG#2026-01-01", "gsi1sk": e,
            }),
        );
        same(
            DbAdSettingsV1::from_item,
            to_item::<DbAdSettingsV1>,
            serde_json::json!({
                "pk": "DIRECTORY", "sk": "SETTINGS", "url": "ldaps://dc.example.com", "ca_pem": null, "insecure": false,
                "bind_dn": "CN=svc,DC=example,DC=com", "sealed_bind_password": "c2VhbGVk", "user_base": "DC=example,DC=com",
                "user_filter": "(objectClass=user)",
                "attrs": {"email": "mail", "first_name": "givenName", "last_name": "sn", "phone": "telephoneNumber", "department": "department"},
                "sync_groups": true, "company_id": c, "connect_timeout_ms": 5000, "operation_timeout_ms": 10000,
                "version": 3, "updated_at": at,
            }),
        );
    }

    /// The values read by hand read every variant as serde writes it, and refuse what serde would.
    #[test]
    fn hand_read_values_read_what_serde_writes() {
        fn same<T: Attr + Serialize + PartialEq + std::fmt::Debug>(values: &[T]) {
            for v in values {
                assert_eq!(&T::from_attr(serde_dynamo::to_attribute_value(v).unwrap()).unwrap(), v);
            }
        }
        same(&[Source::Local, Source::Ad, Source::Imported]);
        same(&[Language::En, Language::Uk, Language::Ru]);
        same(&[ItemKind::Department, ItemKind::Position, ItemKind::Role, ItemKind::Quiz]);
        same(&[Gate::Totp, Gate::NoProfile, Gate::PasswordChange, Gate::TotpSetup, Gate::CompleteProfile, Gate::Done]);
        same(&[SignInMethod::Password, SignInMethod::MagicLink]);
        same(&[
            Credential::None,
            Credential::Password { hash: PasswordHashString::from_phc("$argon2id$v=19$x".into()) },
            Credential::Directory { dn: "CN=Ada,DC=example,DC=com".into(), guid: "00ff".into() },
            Credential::Django { hash: "pbkdf2_sha256$1$s$h".into() },
        ]);
        let id = |n: u8| format!("01HZY0M6T4N0Q8X9V3R2K7W5A{}", (b'A' + n) as char);
        same(&[vec![Ref { id: OrgItemId::try_from(id(0)).unwrap(), name: "Research".into() }], vec![]]);
        same(&[vec![
            GroupRef { id: GroupId::try_from(id(1)).unwrap(), name: "Admins".into(), global: true },
            GroupRef { id: GroupId::try_from(id(2)).unwrap(), name: "Staff".into(), global: false },
        ]]);
        same(&[Rights([("users.view".to_owned(), Scope::All), ("org.edit".to_owned(), Scope::Company)].into()), Rights::default()]);
        same(&[
            DjangoOrigin {
                pk: Some(42),
                date_joined: Some("2020-01-02T03:04:05Z".parse().unwrap()),
                last_login: None,
                company: Some(CompanyId::try_from(id(3)).unwrap()),
                groups: vec![GroupId::try_from(id(4)).unwrap()],
            },
            DjangoOrigin { pk: None, date_joined: None, last_login: None, company: None, groups: vec![] },
        ]);
        let s = |v: &str| AttributeValue::S(v.into());
        assert_eq!(SignInMethod::from_attr(s("passkey")).unwrap(), SignInMethod::Other);
        let pk_only = AttributeValue::M([("pk".to_owned(), AttributeValue::N("7".into()))].into());
        assert_eq!(DjangoOrigin::from_attr(pk_only).unwrap().groups, vec![], "groups default to none");
        let bad_scope = AttributeValue::M([("users.view".to_owned(), s("everywhere"))].into());
        assert_eq!(Rights::from_attr(bad_scope).unwrap_err(), "users.view: unknown variant \"everywhere\"");
        let bad_ref = AttributeValue::L(vec![AttributeValue::M([("id".to_owned(), s("x"))].into())]);
        assert!(<Vec<Ref<OrgItemId>>>::from_attr(bad_ref).unwrap_err().starts_with("[0]: id: "));
        assert_eq!(Gate::from_attr(s("Done")).unwrap_err(), "unknown variant \"Done\"");
        let map = |pairs: &[(&str, &str)]| AttributeValue::M(pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect());
        let old_directory = map(&[("kind", "directory"), ("dn", "CN=Ada")]);
        assert_eq!(Credential::from_attr(old_directory).unwrap(), Credential::Directory { dn: "CN=Ada".into(), guid: String::new() });
        assert_eq!(Credential::from_attr(map(&[("kind", "password")])).unwrap_err(), "missing field `hash`");
        assert_eq!(Credential::from_attr(map(&[("kind", "sso")])).unwrap_err(), "unknown kind \"sso\"");
        assert_eq!(Credential::from_attr(s("none")).unwrap_err(), "not a map");
    }

    #[test]
    fn the_sort_key_orders_by_last_then_first_name() {
        let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
        let id = UserId::new(&clock, &OsEntropy);
        assert!(name_sort_key("Adams", "Zoe", &id) < name_sort_key("adamson", "Al", &id));
        assert!(name_sort_key("Lee", "Ann", &id) < name_sort_key("Lee", "Bob", &id));
    }
}
