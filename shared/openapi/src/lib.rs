//! The OpenAPI 3.1 document of the API, generated from two things the code already has: the route
//! table (`secboard_http::routes::ROUTES`: every path, method, owner and who may call it) and the
//! serde types each handler reads and answers with (their JSON Schemas derived by `schemars`
//! under `secboard-domain`'s feature `openapi`). What is written here by hand is only the pairing
//! of a route with its types and a one-line summary; tests hold the pairing equal to the route
//! table, and the committed `docs/openapi.json` equal to what this renders.
//!
//! No Lambda links this crate: the fallback function serves the committed file.

use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use secboard_domain::active_directory::AdSettingsView;
use secboard_domain::filter::RawFilter;
use secboard_domain::flows::ad_settings::{AdSettingsInput, ProofInput, TestOutcome};
use secboard_domain::flows::avatar::AvatarView;
use secboard_domain::flows::bootstrap::RedeemSetup;
use secboard_domain::flows::create_user::CreateUserInput;
use secboard_domain::flows::delete_user::DeleteInput;
use secboard_domain::flows::export::ExportLink;
use secboard_domain::flows::first_login::{FirstLoginInput, MagicInput};
use secboard_domain::flows::import_django::Report as DjangoReport;
use secboard_domain::flows::import_job::{JobView, UploadInput, UploadTicket};
use secboard_domain::flows::import_sheet::SheetReport;
use secboard_domain::flows::list_users::UserPage;
use secboard_domain::flows::login::LoginInput;
use secboard_domain::flows::me::{CompleteInput, MeAnswer, MeInput};
use secboard_domain::flows::org::{GroupInput, GroupPatch, ItemInput, ItemPatch, NameInput, RenameInput, SettingsInput};
use secboard_domain::flows::own_password::PasswordInput;
use secboard_domain::flows::replies::{AuditLog, BackupCodes, Health, LinkSent, Next, Notice, SessionsEnded, SetupDone, TotpSetup};
use secboard_domain::flows::reset::{ResetConfirm, ResetRequest};
use secboard_domain::flows::sessions::SessionList;
use secboard_domain::flows::two_factor::{ChallengeInput, ConfirmInput, Confirmed, Reauth};
use secboard_domain::flows::update_user::UpdateUserInput;
use secboard_domain::flows::views::{AdminUserView, CompanyView, GroupView, ItemView, MeView, SettingsView};
use secboard_domain::session::Access;
use secboard_http::routes::{BodyKind, ROUTES, Route};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Where the generated document is committed (and what `GET /api/openapi.json` serves).
pub const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");

/// A schema made by a generator: a `$ref` into `components/schemas`, or an inline one.
type Make = fn(&mut SchemaGenerator) -> Schema;

fn s<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

fn item_or_group_input(g: &mut SchemaGenerator) -> Schema {
    one_of(vec![s::<ItemInput>(g), s::<GroupInput>(g)], "`groups`: an access group; any other kind: an organisation item")
}
fn item_or_group_patch(g: &mut SchemaGenerator) -> Schema {
    one_of(vec![s::<ItemPatch>(g), s::<GroupPatch>(g)], "`groups`: an access group; any other kind: an organisation item")
}
fn item_or_group(g: &mut SchemaGenerator) -> Schema {
    one_of(vec![s::<ItemView>(g), s::<GroupView>(g)], "`groups`: an access group; any other kind: an organisation item")
}
fn items_or_groups(g: &mut SchemaGenerator) -> Schema {
    one_of(vec![s::<Vec<ItemView>>(g), s::<Vec<GroupView>>(g)], "`groups`: access groups; any other kind: organisation items")
}
fn one_of(schemas: Vec<Schema>, description: &str) -> Schema {
    let mut out = Map::new();
    out.insert("description".into(), description.into());
    out.insert("anyOf".into(), Value::Array(schemas.into_iter().map(Schema::to_value).collect()));
    Schema::from(out)
}
fn import_report(g: &mut SchemaGenerator) -> Schema {
    one_of(vec![s::<DjangoReport>(g), s::<SheetReport>(g)], "A Django dump's report, or a spreadsheet's")
}
fn any_object(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "object" })
}

/// What a route answers when it succeeds.
#[derive(Clone, Copy)]
enum Reply {
    Json(u16, Make),
    /// 204, no body.
    Empty,
}

/// What a route reads besides its path: a JSON body, a query string, an image.
#[derive(Clone, Copy)]
enum Input {
    None,
    Json(Make),
    /// The query string's parameters are the properties of this (deserialize) schema, plus any
    /// named here.
    Query(Option<Make>, &'static [(&'static str, &'static str)]),
}

struct Op {
    key: &'static str,
    summary: &'static str,
    input: Input,
    reply: Reply,
}

const fn op(key: &'static str, summary: &'static str, input: Input, reply: Reply) -> Op {
    Op { key, summary, input, reply }
}

use Input::{Json as Body, None as NoBody, Query};
use Reply::{Empty, Json};

const PAGING: &[(&str, &str)] =
    &[("per_page", "Rows per page: 10, 25, 50 or 100 (default 25)."), ("cursor", "The `next_cursor` of the page before.")];

const AUDIT: &[(&str, &str)] = &[
    ("user", "The user's id: that user's log. Without it, the organisation's."),
    ("action", "The organisation's log: only events of this action."),
    ("date_from", "The organisation's log: from this day (YYYY-MM-DD, UTC)."),
    ("date_to", "The organisation's log: to this day (YYYY-MM-DD, UTC)."),
];

const IMPORT: &[(&str, &str)] = &[
    ("dry_run", "`true`: report what would happen and write nothing."),
    ("keep_superusers", "`true`: Django superusers stay superusers (a Django dump only)."),
    ("company_id", "The company whose access groups a Django dump's groups become."),
    ("send_links", "`true`: each user a spreadsheet's row created gets a first-access link through the mail queue (never on a dry run)."),
    (
        "apply_role_groups",
        "`true`: a spreadsheet row's platform roles also give their access groups, as the creation form's checkbox does.",
    ),
];

/// Every route with its types. A test holds this list equal to the route table.
static OPS: &[Op] = &[
    op("GET /api/health", "Whether the API answers", NoBody, Json(200, s::<Health>)),
    op("GET /api/openapi.json", "This document", NoBody, Json(200, any_object)),
    op("POST /api/auth/login", "Sign in with email and password", Body(s::<LoginInput>), Json(200, s::<Next>)),
    op(
        "POST /api/auth/setup",
        "Create the first administrator with the one-time setup link",
        Body(s::<RedeemSetup>),
        Json(201, s::<SetupDone>),
    ),
    op("POST /api/auth/logout", "Sign out (ends this session)", NoBody, Empty),
    op("GET /api/me/sessions", "The caller's own sessions", NoBody, Json(200, s::<SessionList>)),
    op("DELETE /api/me/sessions", "End every other session of the caller", NoBody, Json(200, s::<SessionsEnded>)),
    op("DELETE /api/me/sessions/{id}", "End one of the caller's sessions", NoBody, Empty),
    op(
        "POST /api/auth/password-reset",
        "Ask for a password-reset link (same answer for every email)",
        Body(s::<ResetRequest>),
        Json(202, s::<Notice>),
    ),
    op("POST /api/auth/password-reset/confirm", "Set a new password with a reset link", Body(s::<ResetConfirm>), Json(200, s::<Notice>)),
    op(
        "POST /api/auth/first-login",
        "Ask for a First Login magic link (email and control word)",
        Body(s::<FirstLoginInput>),
        Json(202, s::<Notice>),
    ),
    op("POST /api/auth/magic-link", "Sign in with a magic link", Body(s::<MagicInput>), Json(200, s::<Next>)),
    op("POST /api/auth/totp", "The second factor: a TOTP code or a backup code", Body(s::<ChallengeInput>), Json(200, s::<Next>)),
    op("GET /api/me", "Who is signed in, and the gate the session is at", NoBody, Json(200, s::<MeAnswer>)),
    op("PATCH /api/me", "Change one's own name, phone or language", Body(s::<MeInput>), Json(200, s::<MeView>)),
    op("POST /api/me/complete", "Complete one's profile (a gate)", Body(s::<CompleteInput>), Json(200, s::<Next>)),
    op("POST /api/me/password", "Change one's own password", Body(s::<PasswordInput>), Json(200, s::<Next>)),
    op("POST /api/me/totp/setup", "Start setting up an authenticator", Body(s::<Reauth>), Json(201, s::<TotpSetup>)),
    op("POST /api/me/totp/confirm", "Confirm the authenticator with its first code", Body(s::<ConfirmInput>), Json(200, s::<Confirmed>)),
    op("DELETE /api/me/totp", "Turn two-factor authentication off (unless required)", Body(s::<Reauth>), Empty),
    op("POST /api/me/backup-codes", "Replace one's backup codes", Body(s::<Reauth>), Json(200, s::<BackupCodes>)),
    op("POST /api/me/avatar", "Upload one's photo (JPEG or PNG)", NoBody, Json(201, s::<AvatarView>)),
    op("DELETE /api/me/avatar", "Remove one's photo", NoBody, Empty),
    op("GET /api/users", "The user directory, filtered and paged", Query(Some(s::<RawFilter>), PAGING), Json(200, s::<UserPage>)),
    op("GET /api/users/{id}", "One user's card", NoBody, Json(200, s::<AdminUserView>)),
    op("GET /api/users/{id}/sessions", "A user's sessions", NoBody, Json(200, s::<SessionList>)),
    op("GET /api/audit", "A user's audit log, or the organisation's (by action and dates)", Query(None, AUDIT), Json(200, s::<AuditLog>)),
    op(
        "POST /api/users",
        "Create a user (Create New User, or Use Existing User)",
        Body(s::<CreateUserInput>),
        Json(201, s::<AdminUserView>),
    ),
    op("PATCH /api/users/{id}", "Edit a user", Body(s::<UpdateUserInput>), Json(200, s::<AdminUserView>)),
    op("POST /api/users/{id}/avatar", "Upload a user's photo (JPEG or PNG)", NoBody, Json(201, s::<AvatarView>)),
    op("DELETE /api/users/{id}/avatar", "Remove a user's photo", NoBody, Empty),
    op("POST /api/users/{id}/first-access-link", "Send (or send again) a user's first-access link", NoBody, Json(202, s::<LinkSent>)),
    op(
        "POST /api/users/{id}/directory-refresh",
        "Refresh from AD: re-read a directory account's attributes and disabled state",
        NoBody,
        Json(200, s::<AdminUserView>),
    ),
    op("DELETE /api/users/{id}/sessions", "End every session of a user", NoBody, Json(200, s::<SessionsEnded>)),
    op("DELETE /api/users/{id}/sessions/{sid}", "End one session of a user", NoBody, Empty),
    op("DELETE /api/users/{id}", "Delete a user", Body(s::<DeleteInput>), Empty),
    op(
        "POST /api/users/import",
        "Bring users in: a Django dumpdata (JSON), or a CSV or .xlsx of the creation form's columns",
        Query(None, IMPORT),
        Json(200, import_report),
    ),
    op(
        "POST /api/users/import/uploads",
        "Start an import too large for a request: answers a presigned PUT for the file, and the job that runs when it lands",
        Body(s::<UploadInput>),
        Json(201, s::<UploadTicket>),
    ),
    op("GET /api/users/import/jobs/{id}", "An import job's status and totals, and its report once done", NoBody, Json(200, s::<JobView>)),
    op("POST /api/users/export", "Export the filtered directory to Excel", Body(s::<RawFilter>), Json(200, s::<ExportLink>)),
    op("GET /api/org/companies", "Companies", NoBody, Json(200, s::<Vec<CompanyView>>)),
    op("POST /api/org/companies", "Create a company", Body(s::<NameInput>), Json(201, s::<CompanyView>)),
    op("GET /api/org/companies/{company_id}", "One company", NoBody, Json(200, s::<CompanyView>)),
    op("PATCH /api/org/companies/{company_id}", "Rename a company", Body(s::<RenameInput>), Json(200, s::<CompanyView>)),
    op("DELETE /api/org/companies/{company_id}", "Delete a company nothing refers to", NoBody, Empty),
    op("GET /api/org/companies/{company_id}/settings", "A company's cabinet settings", NoBody, Json(200, s::<SettingsView>)),
    op(
        "PUT /api/org/companies/{company_id}/settings",
        "Set a company's cabinet settings",
        Body(s::<SettingsInput>),
        Json(200, s::<SettingsView>),
    ),
    op(
        "GET /api/org/companies/{company_id}/{kind}",
        "A company's departments, positions, roles, quizzes or groups",
        NoBody,
        Json(200, items_or_groups),
    ),
    op(
        "POST /api/org/companies/{company_id}/{kind}",
        "Create a department, position, role, quiz or group",
        Body(item_or_group_input),
        Json(201, item_or_group),
    ),
    op(
        "PATCH /api/org/companies/{company_id}/{kind}/{id}",
        "Change a department, position, role, quiz or group",
        Body(item_or_group_patch),
        Json(200, item_or_group),
    ),
    op("DELETE /api/org/companies/{company_id}/{kind}/{id}", "Delete an organisation item or group nothing refers to", NoBody, Empty),
    op("GET /api/org/directory", "The Active Directory connection (never its password)", NoBody, Json(200, s::<AdSettingsView>)),
    op(
        "PUT /api/org/directory",
        "Set the Active Directory connection (superusers, recent sign-in)",
        Body(s::<AdSettingsInput>),
        Json(200, s::<AdSettingsView>),
    ),
    op("DELETE /api/org/directory", "Turn the Active Directory connection off", Body(s::<ProofInput>), Empty),
    op(
        "POST /api/org/directory/test",
        "Bind with the service account and count the users the filter finds",
        Body(s::<ProofInput>),
        Json(200, s::<TestOutcome>),
    ),
    op("GET /api/org/groups", "Global access groups", NoBody, Json(200, s::<Vec<GroupView>>)),
    op("POST /api/org/groups", "Create a global access group", Body(s::<GroupInput>), Json(201, s::<GroupView>)),
    op("PATCH /api/org/groups/{id}", "Change a global access group", Body(s::<GroupPatch>), Json(200, s::<GroupView>)),
    op("DELETE /api/org/groups/{id}", "Delete a global access group nothing refers to", NoBody, Empty),
];

/// The route keys the document covers and the route table's, for the tests.
pub fn documented_keys() -> Vec<&'static str> {
    OPS.iter().map(|o| o.key).collect()
}

/// Where the answers' generator puts its definitions until they are merged into
/// `components/schemas` (see [`document`]).
const ANSWERS: &str = "/components/answers";

fn generator(contract: Contract, path: &'static str) -> SchemaGenerator {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = path.into();
    settings.contract = contract;
    settings.into_generator()
}

/// The problem+json every refusal answers with (RFC 9457, with a stable `code`).
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details. `code` is stable for clients to act on (`invalid_input`, `unauthenticated`, `sign_in_refused`, `gate_pending`, `not_permitted`, `stale_version`, `email_taken`, `last_superuser`, `throttled`, `cross_site`, ...); `title` and `detail` are words for people.",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer", "minimum": 400, "maximum": 599 },
            "code": { "type": "string", "pattern": "^[a-z0-9_]+$" },
            "detail": { "type": "string" },
            "field": { "type": "string", "description": "The input field at fault." },
            "right": { "type": "string", "description": "The right the caller lacks (`module.action`)." },
            "gate": { "type": "string", "description": "The gate the session must pass first." },
            "users": { "type": "integer", "description": "`still_referred`, `company_not_empty`: how many users still refer to it." },
            "roles": { "type": "integer", "description": "`still_referred`: how many platform roles still carry it." },
            "children": { "type": "integer", "description": "`company_not_empty`: how many organisation items the company still has." }
        }
    })
}

/// The refusals a route can answer, from what it is: who may call it, what it reads, whether it
/// writes.
fn refusals(route: &Route, op: &Op) -> Vec<(u16, &'static str)> {
    let write = route.method() != "GET";
    let session = !matches!(route.access, Access::Anyone);
    let mut out = vec![];
    if !matches!(op.input, Input::None) || route.body != BodyKind::Json || route.path().contains('{') {
        out.push((400, "Invalid input: `field` names what is wrong"));
    }
    if session {
        out.push((401, "No session, or it ended"));
    } else if write {
        out.push((401, "The credentials, link or code are wrong (one answer for every reason)"));
    }
    if session || write {
        out.push((403, "Not permitted: a missing right, a pending gate, or a cross-site request"));
    }
    if session || route.path().contains('{') {
        out.push((404, "Not found, or not within the caller's reach"));
    }
    if write && session {
        out.push((409, "Conflict: a stale version, a taken email, something still referred to"));
    }
    if write {
        out.push((413, "The body is too large"));
        out.push((415, "The body is not of the route's media type"));
        out.push((429, "Too many attempts: wait for `Retry-After` seconds"));
    }
    out.push((503, "A dependency (the store, mail, the directory) is unavailable: try again"));
    out
}

fn operation(route: &Route, op: &Op, req: &mut SchemaGenerator, resp: &mut SchemaGenerator) -> Value {
    let mut o = Map::new();
    o.insert("operationId".into(), operation_id(route.key).into());
    o.insert("summary".into(), op.summary.into());
    o.insert("tags".into(), json!([tag(route.path())]));
    o.insert("x-secboard-function".into(), route.function.name().into());
    let mut params: Vec<Value> = path_params(route.path())
        .into_iter()
        .map(|name| {
            let schema = if name == "kind" {
                json!({ "type": "string", "enum": ["departments", "positions", "roles", "quizzes", "groups"] })
            } else {
                json!({ "type": "string", "minLength": 1 })
            };
            json!({ "name": name, "in": "path", "required": true, "schema": schema })
        })
        .collect();
    match op.input {
        Input::None => {}
        Input::Json(make) => {
            let schema = make(req).to_value();
            o.insert("requestBody".into(), json!({ "required": true, "content": { "application/json": { "schema": schema } } }));
        }
        Input::Query(make, extra) => {
            if let Some(make) = make {
                let schema = inline(make(req).to_value(), req);
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (name, s) in props {
                        params.push(json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": s.get("description").cloned().unwrap_or(Value::Null) }));
                    }
                }
            }
            for (name, description) in extra {
                params.push(
                    json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": description }),
                );
            }
            for p in &mut params {
                if p.get("description").is_some_and(Value::is_null) {
                    p.as_object_mut().map(|m| m.remove("description"));
                }
            }
        }
    }
    if route.body == BodyKind::Import {
        let text = json!({ "schema": { "type": "string" } });
        let content = json!({
            "application/json": { "schema": { "type": "array", "description": "`manage.py dumpdata auth.user auth.group`", "items": { "type": "object" } } },
            "text/csv": text,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": { "type": "string", "contentMediaType": "application/octet-stream" } }
        });
        o.insert("requestBody".into(), json!({ "required": true, "content": content }));
    }
    if route.body == BodyKind::Image {
        let image = json!({ "schema": { "type": "string", "contentMediaType": "application/octet-stream" } });
        o.insert("requestBody".into(), json!({ "required": true, "content": { "image/jpeg": image, "image/png": image } }));
    }
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    let mut responses = Map::new();
    match op.reply {
        Reply::Json(status, make) => {
            let schema = make(resp).to_value();
            responses.insert(status.to_string(), json!({ "description": "Done", "content": { "application/json": { "schema": schema } } }));
        }
        Reply::Empty => {
            responses.insert("204".into(), json!({ "description": "Done" }));
        }
    }
    for (status, description) in refusals(route, op) {
        let mut r = json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } });
        if status == 429 {
            r["headers"] = json!({ "Retry-After": { "schema": { "type": "integer" } } });
        }
        responses.insert(status.to_string(), r);
    }
    o.insert("responses".into(), Value::Object(responses));
    if !matches!(route.access, Access::Anyone) {
        o.insert("security".into(), json!([{ "session": [] }]));
    }
    Value::Object(o)
}

/// A `$ref` into the generator's definitions, replaced by what it names (for query parameters,
/// which are listed one by one).
fn inline(schema: Value, g: &SchemaGenerator) -> Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => g.definitions().get(name).cloned().unwrap_or(schema),
        None => schema,
    }
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect()
}

fn tag(path: &str) -> &'static str {
    match path.split('/').nth(2).unwrap_or("") {
        "auth" => "sign-in",
        "me" => "cabinet",
        "users" | "audit" => "users",
        "org" => "organisation",
        _ => "service",
    }
}

/// `"PATCH /api/org/groups/{id}"` → `patch_org_groups_id`.
fn operation_id(key: &str) -> String {
    let (method, path) = key.split_once(' ').unwrap_or((key, ""));
    let parts: Vec<String> =
        path.split('/').filter(|s| !s.is_empty() && *s != "api").map(|s| s.trim_matches(['{', '}']).replace(['-', '.'], "_")).collect();
    format!("{}_{}", method.to_ascii_lowercase(), parts.join("_"))
}

/// The document as a JSON value.
pub fn document() -> Value {
    // Requests are described as serde reads them (optional fields, defaults, unknown fields
    // refused); answers as serde writes them (every field present unless skipped).
    let mut req = generator(Contract::Deserialize, "/components/schemas");
    let mut resp = generator(Contract::Serialize, ANSWERS);
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for route in ROUTES {
        let Some(op) = OPS.iter().find(|o| o.key == route.key) else { continue };
        let o = operation(route, op, &mut req, &mut resp);
        paths.entry(route.path()).or_default().insert(route.method().to_ascii_lowercase(), o);
    }
    // A type both read and written has two schemas when the contracts differ (a field with a
    // default is optional to send but always answered): the answer's keeps the name with `Out`.
    let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
    schemas.insert("Problem".into(), problem_schema());
    schemas.extend(req.definitions().iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut renames = vec![];
    for (name, s) in resp.definitions() {
        let target = match schemas.get(name) {
            Some(same) if same == s => name.clone(),
            Some(_) => format!("{name}Out"),
            None => name.clone(),
        };
        renames.push((format!("\"#{ANSWERS}/{name}\""), format!("\"#/components/schemas/{target}\"")));
        schemas.insert(target, s.clone());
    }
    let doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SecBoard Accounts",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "User invitations and account management. Every route of the route table; a session is the cookie that sign-in sets. Writes from a browser must come from the console's origin. Every refusal is problem+json with a stable `code`.",
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "servers": [{ "url": "/" }],
        "tags": [
            { "name": "sign-in" }, { "name": "cabinet" }, { "name": "users" }, { "name": "organisation" }, { "name": "service" }
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": "__Host-secboard_session", "description": "Set by sign-in (`secboard_session` when served over plain HTTP locally)." }
            }
        }
    });
    let mut text = doc.to_string();
    for (from, to) in renames {
        text = text.replace(&from, &to);
    }
    serde_json::from_str(&text).unwrap_or(doc)
}

/// The document as written to `docs/openapi.json`.
pub fn render() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_route_is_documented_and_nothing_else() {
        let routes: BTreeSet<_> = ROUTES.iter().map(|r| r.key).collect();
        let documented: BTreeSet<_> = documented_keys().into_iter().collect();
        let missing: Vec<_> = routes.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&routes).collect();
        assert!(missing.is_empty() && extra.is_empty(), "not documented: {missing:?}; documented but not routed: {extra:?}");
        assert_eq!(documented_keys().len(), documented.len(), "a route documented twice");
    }

    #[test]
    fn the_committed_document_is_what_the_generator_writes() {
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        assert!(committed == render(), "docs/openapi.json is stale: run `cargo run -p secboard-openapi`");
    }

    #[test]
    fn operation_ids_are_unique_and_every_reference_resolves() {
        let doc = document();
        let mut ids = BTreeSet::new();
        for (_, item) in doc["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                assert!(ids.insert(op["operationId"].as_str().unwrap().to_owned()), "duplicate {}", op["operationId"]);
            }
        }
        let text = doc.to_string();
        for r in text.split("\"$ref\":\"").skip(1) {
            let name = r.split('"').next().unwrap().strip_prefix("#/components/schemas/").expect("refs point into components");
            assert!(doc["components"]["schemas"].get(name).is_some(), "dangling $ref {name}");
        }
    }

    #[test]
    fn requests_refuse_unknown_fields_as_the_handlers_do() {
        let doc = document();
        let login = &doc["components"]["schemas"]["LoginInput"];
        assert_eq!(login["additionalProperties"], json!(false), "{login}");
        assert!(login["required"].as_array().is_some_and(|r| r.contains(&json!("email"))), "{login}");
    }
}
