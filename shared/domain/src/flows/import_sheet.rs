//! Bulk import from a spreadsheet (CSV, or .xlsx read by the function): one row per user with the
//! creation form's columns, headers in English, Ukrainian or Russian (the export's own columns
//! too, so an export can be edited and imported back), company, department and position named by
//! name. Each row goes through "Create User" itself (`create_user::create_user`), so it is
//! validated with the same rules and messages and created whole or not at all; the report names
//! the row (as the spreadsheet numbers it, the header being row 1) and the field of each problem.
//! `dry_run` checks every row the same way and writes nothing.
//!
//! Platform roles, access groups and quizzes are named by name within the row's company (access
//! groups also among the global ones), several in one cell separated by commas, as the export
//! writes them; a cell that is one name whole (a name with a comma in it) is taken as that name.
//! `send_links` sends each user a row created a first-access link through the mail queue (its
//! mailer sends at its own pace); a dry run sends nothing.

use super::Deps;
use super::authorize::Principal;
use super::create_user::{self, CreateUserInput, Mode};
use crate::email::Email;
use crate::ids::{CompanyId, GroupId, OrgItemId};
use crate::mail::MailConfig;
use crate::model::ItemKind;
use crate::ports::Store;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Most rows one import takes (a request's time is bounded; larger files wait for the job path).
pub const ROWS_MAX: usize = 2000;

/// The columns a row may have, by the creation form's field names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Column {
    Email,
    FirstName,
    LastName,
    FullName,
    Company,
    Department,
    Position,
    Phone,
    Colour,
    StartDate,
    EndDate,
    Roles,
    /// Access groups of the company (or global ones).
    Groups,
    /// The export's "Other Groups": global access groups (or the company's).
    GlobalGroups,
    Quizzes,
    /// The export's columns that creating does not take (status): read and ignored.
    Ignored,
}

/// Header names in English, Ukrainian and Russian, and the export's own, in lower case.
fn column(header: &str) -> Option<Column> {
    let h = header.trim().to_lowercase().replace('_', " ");
    let c = match h.as_str() {
        "email" | "e-mail" | "електронна пошта" | "ел. пошта" | "пошта" | "электронная почта" | "эл. почта" | "почта" => {
            Column::Email
        }
        "first name" | "ім'я" | "ім’я" | "имя" => Column::FirstName,
        "last name" | "прізвище" | "фамилия" => Column::LastName,
        "full name" | "повне ім'я" | "повне ім’я" | "полное имя" | "піб" | "фио" => Column::FullName,
        "company" | "компанія" | "компания" => Column::Company,
        "department" | "відділ" | "отдел" => Column::Department,
        "position" | "посада" | "должность" => Column::Position,
        "phone" | "телефон" => Column::Phone,
        "colour" | "color" | "user colour" | "колір" | "цвет" => Column::Colour,
        "start date" | "дата початку" | "дата начала" => Column::StartDate,
        "end date" | "дата закінчення" | "дата завершення" | "дата окончания" => Column::EndDate,
        "platform roles" | "roles" | "ролі платформи" | "ролі" | "роли платформы" | "роли" => {
            Column::Roles
        }
        "access groups" | "cabinet groups" | "groups" | "групи доступу" | "групи" | "группы доступа" | "группы" => {
            Column::Groups
        }
        "other groups" | "global groups" | "інші групи" | "глобальні групи" | "другие группы" | "глобальные группы" => {
            Column::GlobalGroups
        }
        "quizzes" | "тести" | "тесты" => Column::Quizzes,
        "account status" | "status" | "статус" => Column::Ignored,
        _ => return None,
    };
    Some(c)
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SheetRow {
    /// The spreadsheet's row number (the header is row 1).
    pub row: usize,
    pub email: Option<String>,
    /// `created`, `would_create`, `skipped`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The creation form's field at fault, and the message "Create User" gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// With `send_links`, for a row created: `queued` (the mail queue sends it) or `not_sent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<&'static str>,
    /// Why a first-access link was not sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_message: Option<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SheetReport {
    pub dry_run: bool,
    pub created: usize,
    pub skipped: usize,
    /// First-access links queued (`send_links`).
    pub links_queued: usize,
    pub rows: Vec<SheetRow>,
}

/// The options of a spreadsheet import (query parameters of `POST /api/users/import`).
#[derive(Clone, Copy, Debug)]
pub struct SheetOptions {
    /// Check every row, write nothing, send nothing.
    pub dry_run: bool,
    /// Send each user a row created a first-access link (24 hours) through the mail queue.
    pub send_links: bool,
    /// The creation form's "Apply groups from roles": the roles' access groups are given too.
    pub apply_role_groups: bool,
    /// Most rows taken ([`ROWS_MAX`] in a request; more in a job).
    pub rows_max: usize,
}

impl Default for SheetOptions {
    fn default() -> Self {
        SheetOptions { dry_run: false, send_links: false, apply_role_groups: false, rows_max: ROWS_MAX }
    }
}

/// Parses CSV (RFC 4180: quoted fields with doubled quotes and line breaks, `,` or `;` as the
/// header line shows) into rows of text cells.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    CsvRows::new(bytes).collect()
}

/// CSV rows read one at a time (what [`parse_csv`] reads, from any reader): memory holds a row,
/// never the file. UTF-8 (a BOM is skipped); the separator is `;` when the first line has more of
/// them than commas, else `,`.
pub struct CsvRows<R> {
    input: R,
    line: String,
    sep: Option<char>,
    done: bool,
}

impl<R: std::io::BufRead> CsvRows<R> {
    pub fn new(input: R) -> Self {
        CsvRows { input, line: String::new(), sep: None, done: false }
    }

    fn row(&mut self) -> Result<Option<Vec<String>>> {
        let mut row = vec![];
        let mut cell = String::new();
        let mut quoted = false;
        loop {
            self.line.clear();
            let n = self.input.read_line(&mut self.line).map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidData => Error::invalid("file", "the CSV file must be UTF-8"),
                _ => Error::unexpected(e),
            })?;
            if n == 0 {
                if quoted {
                    return Err(Error::invalid("file", "a quoted CSV field is not closed"));
                }
                if !cell.is_empty() || !row.is_empty() {
                    row.push(cell);
                    return Ok(Some(row));
                }
                return Ok(None);
            }
            let sep = match self.sep {
                Some(sep) => sep,
                None => {
                    if let Some(rest) = self.line.strip_prefix('\u{FEFF}') {
                        self.line = rest.to_owned();
                    }
                    let sep = if self.line.matches(';').count() > self.line.matches(',').count() { ';' } else { ',' };
                    self.sep = Some(sep);
                    sep
                }
            };
            let mut chars = self.line.chars().peekable();
            while let Some(c) = chars.next() {
                match (quoted, c) {
                    (true, '"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        cell.push('"');
                    }
                    (true, '"') => quoted = false,
                    (true, c) => cell.push(c),
                    (false, '"') if cell.is_empty() => quoted = true,
                    (false, c) if c == sep => row.push(std::mem::take(&mut cell)),
                    (false, '\r') => {}
                    (false, '\n') => {
                        row.push(cell);
                        return Ok(Some(row));
                    }
                    (false, c) => cell.push(c),
                }
            }
            // A line ends inside quotes (the field goes on) or the file ends without a newline.
        }
    }
}

impl<R: std::io::BufRead> Iterator for CsvRows<R> {
    type Item = Result<Vec<String>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let row = self.row().transpose();
        self.done = !matches!(row, Some(Ok(_)));
        row
    }
}

fn problem(e: Error) -> std::result::Result<(String, String), Error> {
    match e {
        Error::Invalid { field, message } | Error::NotPermitted { field, message } => Ok((field, message)),
        Error::Conflict { field, message, .. } => Ok((field.unwrap_or_else(|| "email".into()), message)),
        Error::Forbidden { module, action } => Ok(("company".into(), format!("you lack the right {module}.{action} in this company"))),
        Error::UnknownId { field, what } => Ok((field.into(), format!("no such {what}"))),
        Error::NotFound(what) => Ok(("company".into(), format!("{what} not found"))),
        other => Err(other),
    }
}

/// The form's field names as the spreadsheet's columns call them (`roles[2]` is the column
/// `roles`).
fn column_field(field: &str) -> String {
    let field = field.split_once('[').map_or(field, |(f, _)| f);
    match field {
        "company_id" => "company".into(),
        "department_id" => "department".into(),
        "position_id" => "position".into(),
        f => f.to_owned(),
    }
}

/// Imports rows (the first being the header) through "Create User".
pub async fn import_rows<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    p: &Principal,
    rows: Vec<Vec<String>>,
    opts: SheetOptions,
) -> Result<SheetReport> {
    import_stream(deps, cfg, p, rows.into_iter().map(Ok), opts).await
}

/// [`import_rows`] over rows as they are read ([`CsvRows`] over a file): a row is decided before
/// the next is read, so the file is never held whole. A row that cannot be read ends the import
/// there (the rows before it stay decided).
pub async fn import_stream<I, S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    p: &Principal,
    rows: I,
    opts: SheetOptions,
) -> Result<SheetReport>
where
    I: IntoIterator<Item = Result<Vec<String>>>,
    I::IntoIter: Send,
{
    let dry_run = opts.dry_run;
    let mut it = rows.into_iter();
    let header = it.next().transpose()?.ok_or_else(|| Error::invalid("file", "the file is empty: the first row names the columns"))?;
    let mut columns: Vec<Option<Column>> = vec![];
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            columns.push(None);
            continue;
        }
        let c = column(h).ok_or_else(|| Error::invalid("file", format!("column {}: unknown header \"{}\"", i + 1, h.trim())))?;
        columns.push(Some(c));
    }
    let has = |c: Column| columns.contains(&Some(c));
    if !has(Column::Email) || !has(Column::Company) || !(has(Column::FullName) || (has(Column::FirstName) && has(Column::LastName))) {
        return Err(Error::invalid("file", "the columns Email, First Name, Last Name (or Full Name) and Company are needed"));
    }
    let companies = deps.store.list_companies().await?;
    let mut names = Names::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut report = SheetReport { dry_run, created: 0, skipped: 0, links_queued: 0, rows: vec![] };
    for (i, cells) in it.enumerate() {
        let cells = cells?;
        let row = i + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if report.rows.len() >= opts.rows_max {
            return Err(Error::invalid("file", format!("at most {} rows in one import", opts.rows_max)));
        }
        // Every cell of a column (a header may repeat), joined as one list.
        let get = |c: Column| -> Option<String> {
            let found: Vec<&str> = columns
                .iter()
                .enumerate()
                .filter(|(_, x)| **x == Some(c))
                .filter_map(|(i, _)| cells.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect();
            (!found.is_empty()).then(|| found.join(", "))
        };
        let email = get(Column::Email);
        let mut line = SheetRow {
            row,
            email: email.clone(),
            outcome: "skipped",
            user_id: None,
            field: None,
            message: None,
            link: None,
            link_message: None,
        };
        match build(deps, &companies, &mut names, &get, opts).await {
            Err(e) => {
                let (field, message) = problem(e)?;
                line.field = Some(column_field(&field));
                line.message = Some(message);
            }
            Ok(input) => {
                let normalized = email.as_deref().and_then(|e| Email::parse("email", e).ok()).map(|e| e.normalized());
                if let Some(n) = &normalized
                    && !seen.insert(n.clone())
                {
                    line.field = Some("email".into());
                    line.message = Some("an earlier row of the file has this email".into());
                } else {
                    let done = if dry_run {
                        create_user::check_new(deps, p, input).await.map(|_| None)
                    } else {
                        create_user::create_user(deps, p, input).await.map(|v| Some(v.user.id))
                    };
                    match done {
                        Ok(id) => {
                            line.outcome = if dry_run { "would_create" } else { "created" };
                            if let (Some(id), true) = (&id, opts.send_links) {
                                send_link(deps, cfg, p, id, &mut line).await?;
                                report.links_queued += usize::from(line.link == Some("queued"));
                            }
                            line.user_id = id.map(|id| id.to_string());
                        }
                        Err(e) => {
                            let (field, message) = problem(e)?;
                            line.field = Some(column_field(&field));
                            line.message = Some(message);
                        }
                    }
                }
            }
        }
        if line.outcome == "skipped" {
            report.skipped += 1;
        } else {
            report.created += 1;
        }
        report.rows.push(line);
    }
    Ok(report)
}

/// Queues a first-access link for a user a row has just created (only then: never on a dry
/// run, never for a row skipped). The user stays created if the link cannot be sent; the
/// report says why, and the user's record can send one later.
async fn send_link<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    p: &Principal,
    id: &crate::ids::UserId,
    line: &mut SheetRow,
) -> Result<()> {
    let user = deps.store.get_user(id).await?.ok_or_else(|| Error::unexpected("a user just created is not found"))?;
    match super::reset::send_first_access(deps, cfg, p, &user).await {
        Ok(_) => line.link = Some("queued"),
        Err(Error::Conflict { message, .. }) => {
            line.link = Some("not_sent");
            line.link_message = Some(message);
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Names of organisation items and access groups, read once per company and kind.
#[derive(Default)]
struct Names {
    items: HashMap<(CompanyId, ItemKind), Vec<(String, OrgItemId)>>,
    /// By company, `None` for the global groups.
    groups: HashMap<Option<CompanyId>, Vec<(String, GroupId)>>,
}

/// The names a cell lists: the whole cell if it is one name (names may hold commas), else its
/// comma-separated parts.
fn listed(cell: &str, is_name: impl Fn(&str) -> bool) -> Vec<String> {
    let cell = cell.trim();
    if is_name(&cell.to_lowercase()) {
        return vec![cell.to_owned()];
    }
    cell.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl Names {
    async fn items<S: Store + ?Sized>(&mut self, deps: &Deps<S>, company: &CompanyId, kind: ItemKind) -> Result<&[(String, OrgItemId)]> {
        let key = (company.clone(), kind);
        if !self.items.contains_key(&key) {
            let list = deps.store.list_items(company, kind).await?;
            self.items.insert(key.clone(), list.into_iter().map(|i| (i.name.as_str().to_lowercase(), i.id)).collect());
        }
        Ok(&self.items[&key])
    }

    async fn item<S: Store + ?Sized>(
        &mut self,
        deps: &Deps<S>,
        company: &CompanyId,
        kind: ItemKind,
        field: &str,
        name: Option<String>,
    ) -> Result<Option<String>> {
        let Some(name) = name else { return Ok(None) };
        let known = self.items(deps, company, kind).await?;
        known
            .iter()
            .find(|(n, _)| *n == name.to_lowercase())
            .map(|(_, id)| Some(id.to_string()))
            .ok_or_else(|| Error::invalid(field, format!("no {} is named \"{name}\" in this company", kind.as_str())))
    }

    /// The ids of the items a cell names; the first unknown name is refused naming the column.
    async fn item_list<S: Store + ?Sized>(
        &mut self,
        deps: &Deps<S>,
        company: &CompanyId,
        kind: ItemKind,
        field: &str,
        cell: Option<String>,
    ) -> Result<Vec<String>> {
        let Some(cell) = cell else { return Ok(vec![]) };
        let what = match kind {
            ItemKind::Role => "platform role",
            other => other.as_str(),
        };
        let known = self.items(deps, company, kind).await?;
        let mut out = vec![];
        for name in listed(&cell, |n| known.iter().any(|(k, _)| k == n)) {
            let id = known
                .iter()
                .find(|(n, _)| *n == name.to_lowercase())
                .map(|(_, id)| id.to_string())
                .ok_or_else(|| Error::invalid(field, format!("no {what} is named \"{name}\" in this company")))?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    async fn groups_of<S: Store + ?Sized>(&mut self, deps: &Deps<S>, company: Option<&CompanyId>) -> Result<Vec<(String, GroupId)>> {
        let key = company.cloned();
        if !self.groups.contains_key(&key) {
            let list = deps.store.list_groups(company).await?;
            self.groups.insert(key.clone(), list.into_iter().map(|g| (g.name.as_str().to_lowercase(), g.id)).collect());
        }
        Ok(self.groups[&key].clone())
    }

    /// Access groups by name, looked for in the company's then the global ones (`global_first`:
    /// the other way round, for the export's "Other Groups").
    async fn group_list<S: Store + ?Sized>(
        &mut self,
        deps: &Deps<S>,
        company: &CompanyId,
        cell: Option<String>,
        global_first: bool,
    ) -> Result<Vec<String>> {
        let Some(cell) = cell else { return Ok(vec![]) };
        let (own, global) = (self.groups_of(deps, Some(company)).await?, self.groups_of(deps, None).await?);
        let order = if global_first { [&global, &own] } else { [&own, &global] };
        let find = |n: &str| order.iter().flat_map(|l| l.iter()).find(|(k, _)| k == n).map(|(_, id)| id.to_string());
        let mut out = vec![];
        for name in listed(&cell, |n| find(n).is_some()) {
            let id = find(&name.to_lowercase()).ok_or_else(|| {
                Error::invalid("groups", format!("no access group is named \"{name}\" in this company or among the global ones"))
            })?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }
}

/// The creation form's input for a row, with names resolved to ids within the row's company.
async fn build<S: Store + ?Sized>(
    deps: &Deps<S>,
    companies: &[crate::model::Company],
    names: &mut Names,
    get: &(dyn Fn(Column) -> Option<String> + Sync),
    opts: SheetOptions,
) -> Result<CreateUserInput> {
    let company_name = get(Column::Company).ok_or_else(|| Error::invalid("company", "is required"))?;
    let company = companies
        .iter()
        .find(|c| c.name.as_str().to_lowercase() == company_name.to_lowercase())
        .ok_or_else(|| Error::invalid("company", format!("no company is named \"{company_name}\"")))?;
    let department_id = names.item(deps, &company.id, ItemKind::Department, "department", get(Column::Department)).await?;
    let position_id = names.item(deps, &company.id, ItemKind::Position, "position", get(Column::Position)).await?;
    let roles = names.item_list(deps, &company.id, ItemKind::Role, "roles", get(Column::Roles)).await?;
    let quizzes = names.item_list(deps, &company.id, ItemKind::Quiz, "quizzes", get(Column::Quizzes)).await?;
    let mut groups = names.group_list(deps, &company.id, get(Column::Groups), false).await?;
    for g in names.group_list(deps, &company.id, get(Column::GlobalGroups), true).await? {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let (first_name, last_name) = match (get(Column::FirstName), get(Column::LastName), get(Column::FullName)) {
        (Some(f), Some(l), _) => (f, l),
        (f, l, Some(full)) => {
            let (a, b) = full.split_once(' ').map(|(a, b)| (a.to_owned(), b.trim().to_owned())).unwrap_or((full.clone(), String::new()));
            (f.unwrap_or(a), l.unwrap_or(b))
        }
        (f, l, None) => (f.unwrap_or_default(), l.unwrap_or_default()),
    };
    Ok(CreateUserInput {
        mode: Mode::New,
        user_id: None,
        email: get(Column::Email),
        first_name,
        last_name,
        company_id: company.id.to_string(),
        phone: get(Column::Phone),
        colour: get(Column::Colour),
        department_id,
        position_id,
        start_date: get(Column::StartDate),
        end_date: get(Column::EndDate),
        apply_role_groups: opts.apply_role_groups && !roles.is_empty(),
        roles,
        groups,
        quizzes,
        staff: false,
        require_2fa: false,
        active: None,
        language: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_keeps_quotes_separators_and_line_breaks_inside_fields_and_formulas_as_text() {
        let rows = parse_csv(b"\xEF\xBB\xBFEmail,Full Name\r\n\"a@x.test\",\"Lovelace, \"\"Ada\"\"\nline\"\r\n=1+1,+cmd\n").unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["Email".to_owned(), "Full Name".to_owned()],
                vec!["a@x.test".to_owned(), "Lovelace, \"Ada\"\nline".to_owned()],
                vec!["=1+1".to_owned(), "+cmd".to_owned()],
            ]
        );
        assert_eq!(parse_csv(b"a;b\n1;2").unwrap()[1], vec!["1".to_owned(), "2".to_owned()]);
        assert!(parse_csv(b"a\n\"open").is_err());
        assert!(matches!(parse_csv(b"a\n\xff\n"), Err(Error::Invalid { field, .. }) if field == "file"));
        assert_eq!(
            parse_csv(b"a\n\n\"\"").unwrap(),
            vec![vec!["a".to_owned()], vec!["".to_owned()]],
            "a last field of nothing, quoted, with no newline after it, is no row"
        );
    }

    /// The reader hands out a row at a time: one small buffer, whatever the file's size.
    #[test]
    fn csv_rows_come_one_at_a_time_from_a_small_buffer() {
        let mut file = String::from("Email;Name\n");
        for i in 0..1000 {
            file.push_str(&format!("u{i}@x.test;\"long\nname {i}\"\r\n"));
        }
        let mut rows = CsvRows::new(std::io::BufReader::with_capacity(64, file.as_bytes()));
        assert_eq!(rows.next().unwrap().unwrap(), vec!["Email", "Name"]);
        assert_eq!(rows.next().unwrap().unwrap(), vec!["u0@x.test", "long\nname 0"]);
        assert_eq!(rows.count(), 999);
        assert_eq!(parse_csv(file.as_bytes()).unwrap().len(), 1001);
    }

    #[test]
    fn headers_are_read_in_three_languages_and_the_exports_own() {
        for h in ["Email", "E-mail", "Електронна пошта", "Почта"] {
            assert_eq!(column(h), Some(Column::Email), "{h}");
        }
        assert_eq!(column("Прізвище"), Some(Column::LastName));
        assert_eq!(column("Должность"), Some(Column::Position));
        assert_eq!(column("Full Name"), Some(Column::FullName));
        assert_eq!(column("Cabinet Groups"), Some(Column::Groups));
        assert_eq!(column("Other Groups"), Some(Column::GlobalGroups));
        assert_eq!(column("Account Status"), Some(Column::Ignored));
        for (h, c) in [
            ("Platform roles", Column::Roles),
            ("Ролі платформи", Column::Roles),
            ("Роли платформы", Column::Roles),
            ("Access groups", Column::Groups),
            ("Групи доступу", Column::Groups),
            ("Группы доступа", Column::Groups),
            ("Quizzes", Column::Quizzes),
            ("Тести", Column::Quizzes),
            ("Тесты", Column::Quizzes),
            ("Ел. пошта", Column::Email),
            ("Эл. почта", Column::Email),
            ("Дата завершення", Column::EndDate),
        ] {
            assert_eq!(column(h), Some(c), "{h}");
        }
        assert_eq!(column("start_date"), Some(Column::StartDate));
        assert_eq!(column("Shoe size"), None);
    }

    #[test]
    fn a_cell_lists_names_separated_by_commas_unless_it_is_one_name_with_a_comma() {
        let known = |n: &str| ["phishing", "a, b"].contains(&n);
        assert_eq!(listed(" Phishing , Passwords,, ", known), vec!["Phishing".to_owned(), "Passwords".to_owned()]);
        assert_eq!(listed("A, B", known), vec!["A, B".to_owned()]);
        assert_eq!(listed("Phishing", known), vec!["Phishing".to_owned()]);
    }
}
