//! The route table: one list of (method, path template, function) that drives the local router,
//! is checked against `template.yaml` by a test, and names the owner of every route.
//!
//! Keys are API Gateway route keys (`"GET /api/users/{id}"`), so a handler dispatches on the same
//! string whether the request came through API Gateway or the local server.

use secboard_domain::session::{Access, Gate};
use std::collections::HashMap;

/// Every Lambda function of the product, by its crate (and binary) name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    Login,
    Logout,
    Profile,
    Org,
    CreateUser,
    /// Bringing users in: spreadsheets, Django dumps and the uploads of large files.
    ImportUsers,
    ListUsers,
    UpdateUser,
    DeleteUser,
    ExportUsers,
    ResetRequest,
    ResetConfirm,
    FirstLogin,
    MagicLink,
    TotpSetup,
    TotpVerify,
    /// The directory connection and Refresh from AD: the one HTTP function besides login that
    /// links the LDAP client.
    ActiveDirectory,
    /// Answers `GET /api/health` and API Gateway's `$default` route (unknown routes: 404).
    Fallback,
}

impl Function {
    pub const ALL: [Function; 18] = [
        Function::ResetRequest,
        Function::ResetConfirm,
        Function::FirstLogin,
        Function::MagicLink,
        Function::TotpSetup,
        Function::TotpVerify,
        Function::Login,
        Function::Logout,
        Function::Profile,
        Function::Org,
        Function::CreateUser,
        Function::ImportUsers,
        Function::ListUsers,
        Function::UpdateUser,
        Function::DeleteUser,
        Function::ExportUsers,
        Function::ActiveDirectory,
        Function::Fallback,
    ];

    /// The crate, binary and `functions/` folder name.
    pub fn name(self) -> &'static str {
        match self {
            Function::Login => "login",
            Function::Logout => "logout",
            Function::Profile => "profile",
            Function::Org => "org",
            Function::CreateUser => "create-user",
            Function::ImportUsers => "import-users",
            Function::ListUsers => "list-users",
            Function::UpdateUser => "update-user",
            Function::DeleteUser => "delete-user",
            Function::ExportUsers => "export-users",
            Function::ResetRequest => "reset-request",
            Function::ResetConfirm => "reset-confirm",
            Function::FirstLogin => "first-login",
            Function::MagicLink => "magic-link",
            Function::TotpSetup => "totp-setup",
            Function::TotpVerify => "totp-verify",
            Function::ActiveDirectory => "active-directory",
            Function::Fallback => "fallback",
        }
    }
}

#[derive(Debug)]
pub struct Route {
    /// `"METHOD /path/{param}"`, exactly as API Gateway's `routeKey`.
    pub key: &'static str,
    pub function: Function,
    /// Who may call it: anyone, any session, a session at a gate, or a signed-in one.
    pub access: Access,
    /// What its body is.
    pub body: BodyKind,
}

/// Bodies are JSON, but for photo uploads: the image itself (`image/jpeg` or `image/png`, types a
/// cross-site form cannot send), and for imports: the file itself (a Django dump as
/// `application/json`; `text/csv` and the .xlsx type are spreadsheets, none a form can send).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Image,
    Import,
}

impl Route {
    pub fn method(&self) -> &'static str {
        self.key.split_once(' ').map(|(m, _)| m).unwrap_or("")
    }
    pub fn path(&self) -> &'static str {
        self.key.split_once(' ').map(|(_, p)| p).unwrap_or("")
    }
}

use Access::{AnySession, Anyone, AtGate, Done, OnlyAtGate};

macro_rules! routes {
    ($($key:literal => $f:ident, $access:expr $(, $body:ident)?;)*) => {
        pub static ROUTES: &[Route] = &[$(Route { key: $key, function: Function::$f, access: $access, body: routes!(@body $($body)?) },)*];
    };
    (@body) => { BodyKind::Json };
    (@body $b:ident) => { BodyKind::$b };
}

routes! {
    "GET /api/health" => Fallback, Anyone;
    "GET /api/openapi.json" => Fallback, Anyone;
    "POST /api/auth/login" => Login, Anyone;
    "POST /api/auth/setup" => Login, Anyone;
    "POST /api/auth/logout" => Logout, Anyone;
    "GET /api/me/sessions" => Logout, Done;
    "DELETE /api/me/sessions" => Logout, Done;
    "DELETE /api/me/sessions/{id}" => Logout, Done;
    "POST /api/auth/password-reset" => ResetRequest, Anyone;
    "POST /api/auth/password-reset/confirm" => ResetConfirm, Anyone;
    "POST /api/auth/first-login" => FirstLogin, Anyone;
    "POST /api/auth/magic-link" => MagicLink, Anyone;
    "POST /api/auth/totp" => TotpVerify, OnlyAtGate(Gate::Totp);
    "GET /api/me" => Profile, AnySession;
    "PATCH /api/me" => Profile, Done;
    "POST /api/me/complete" => Profile, AtGate(Gate::CompleteProfile);
    "POST /api/me/password" => Profile, AtGate(Gate::PasswordChange);
    "POST /api/me/totp/setup" => TotpSetup, AtGate(Gate::TotpSetup);
    "POST /api/me/totp/confirm" => TotpSetup, AtGate(Gate::TotpSetup);
    "DELETE /api/me/totp" => TotpSetup, Done;
    "POST /api/me/backup-codes" => TotpSetup, Done;
    "POST /api/me/avatar" => Profile, Done, Image;
    "DELETE /api/me/avatar" => Profile, Done;
    "GET /api/users" => ListUsers, Done;
    "GET /api/users/{id}" => ListUsers, Done;
    "GET /api/users/{id}/sessions" => ListUsers, Done;
    "GET /api/audit" => ListUsers, Done;
    "POST /api/users" => CreateUser, Done;
    "PATCH /api/users/{id}" => UpdateUser, Done;
    "POST /api/users/{id}/avatar" => UpdateUser, Done, Image;
    "DELETE /api/users/{id}/avatar" => UpdateUser, Done;
    "POST /api/users/{id}/first-access-link" => UpdateUser, Done;
    "DELETE /api/users/{id}/sessions" => UpdateUser, Done;
    "DELETE /api/users/{id}/sessions/{sid}" => UpdateUser, Done;
    "DELETE /api/users/{id}" => DeleteUser, Done;
    "POST /api/users/export" => ExportUsers, Done;
    "POST /api/users/import" => ImportUsers, Done, Import;
    "POST /api/users/import/uploads" => ImportUsers, Done;
    "GET /api/users/import/jobs/{id}" => ImportUsers, Done;
    "GET /api/org/companies" => Org, Done;
    "POST /api/org/companies" => Org, Done;
    "GET /api/org/companies/{company_id}" => Org, Done;
    "PATCH /api/org/companies/{company_id}" => Org, Done;
    "DELETE /api/org/companies/{company_id}" => Org, Done;
    "GET /api/org/companies/{company_id}/settings" => Org, Done;
    "PUT /api/org/companies/{company_id}/settings" => Org, Done;
    "GET /api/org/companies/{company_id}/{kind}" => Org, Done;
    "POST /api/org/companies/{company_id}/{kind}" => Org, Done;
    "PATCH /api/org/companies/{company_id}/{kind}/{id}" => Org, Done;
    "DELETE /api/org/companies/{company_id}/{kind}/{id}" => Org, Done;
    "GET /api/org/groups" => Org, Done;
    "POST /api/org/groups" => Org, Done;
    "PATCH /api/org/groups/{id}" => Org, Done;
    "DELETE /api/org/groups/{id}" => Org, Done;
    "GET /api/org/directory" => ActiveDirectory, Done;
    "PUT /api/org/directory" => ActiveDirectory, Done;
    "DELETE /api/org/directory" => ActiveDirectory, Done;
    "POST /api/org/directory/test" => ActiveDirectory, Done;
    "POST /api/users/{id}/directory-refresh" => ActiveDirectory, Done;
}

/// A matched route and the values of its path parameters.
#[derive(Debug)]
pub struct Matched {
    pub route: &'static Route,
    pub params: HashMap<String, String>,
}

/// Finds the route for a method and a raw path, as API Gateway would: a literal segment beats a
/// parameter at the same position. `None` means API Gateway's `$default` (404).
pub fn match_route(method: &str, path: &str) -> Option<Matched> {
    best_match(method, path).map(|(_, m)| m)
}

/// The route for a method and path, with how many literal segments it matched.
fn best_match(method: &str, path: &str) -> Option<(usize, Matched)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, Matched)> = None;
    for route in ROUTES.iter().filter(|r| r.method() == method) {
        let template: Vec<&str> = route.path().split('/').collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut params = HashMap::new();
        let mut literals = 0;
        let mut ok = true;
        for (t, s) in template.iter().zip(&segments) {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                if s.is_empty() {
                    ok = false;
                    break;
                }
                params.insert(name.to_owned(), decode(s));
            } else if t == s {
                literals += 1;
            } else {
                ok = false;
                break;
            }
        }
        if ok && best.as_ref().is_none_or(|(l, _)| literals > *l) {
            best = Some((literals, Matched { route, params }));
        }
    }
    best
}

/// Whether any route has this path (to tell 405 from 404).
pub fn path_exists(path: &str) -> bool {
    !allowed_methods(path).is_empty()
}

/// The methods this path's own resource answers (a 405's `Allow`): those whose route is the most
/// specific template the path matches. (`/api/users/export` is the export's, answering POST,
/// though `GET /api/users/{id}` would also take it.)
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    let found: Vec<(&'static str, usize, &'static str)> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter_map(|m| best_match(m, path).map(|(literals, matched)| (m, literals, matched.route.path())))
        .collect();
    let Some(&(_, literals, template)) = found.iter().max_by_key(|(_, l, _)| *l) else { return vec![] };
    found.iter().filter(|(_, l, t)| *l == literals && *t == template).map(|(m, _, _)| *m).collect()
}

fn decode(segment: &str) -> String {
    form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_segment_beats_a_parameter() {
        let m = match_route("GET", "/api/org/companies/c1/settings").unwrap();
        assert_eq!(m.route.key, "GET /api/org/companies/{company_id}/settings");
        let m = match_route("GET", "/api/org/companies/c1/departments").unwrap();
        assert_eq!(m.route.key, "GET /api/org/companies/{company_id}/{kind}");
        assert_eq!(m.params["kind"], "departments");
        assert_eq!(m.params["company_id"], "c1");
    }

    #[test]
    fn unknown_paths_and_methods_do_not_match() {
        assert!(match_route("GET", "/api/nope").is_none());
        assert!(match_route("DELETE", "/api/me").is_none());
        assert!(path_exists("/api/me"));
        assert_eq!(allowed_methods("/api/me"), ["GET", "PATCH"]);
        assert_eq!(allowed_methods("/api/users/export"), ["POST"]);
        assert_eq!(allowed_methods("/api/org/companies/c1/settings"), ["GET", "PUT"]);
        assert_eq!(allowed_methods("/api/org/companies/c1/roles"), ["GET", "POST"]);
        assert!(match_route("GET", "/api/users//").is_some_and(|m| m.route.key == "GET /api/users"));
    }

    #[test]
    fn every_key_is_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(seen.insert(r.key), "duplicate route {}", r.key);
            assert!(r.path().starts_with("/api/"), "{}", r.key);
        }
    }
}
