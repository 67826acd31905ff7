//! Bulk import from a spreadsheet (CSV, or .xlsx read by the function): one row per user with the
//! creation form's columns, headers in English, Ukrainian or Russian (the export's own columns
//! too, so an export can be edited and imported back), company, department and position named by
//! name. Each row goes through "Create User" itself (`create_user::create_user`), so it is
//! validated with the same rules and messages and created whole or not at all; the report names
//! the row (as the spreadsheet numbers it, the header being row 1) and the field of each problem.
//! `dry_run` checks every row the same way and writes nothing.

use super::Deps;
use super::authorize::Principal;
use super::create_user::{self, CreateUserInput, Mode};
use crate::email::Email;
use crate::ids::{CompanyId, OrgItemId};
use crate::model::ItemKind;
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
    /// The export's columns that creating does not take (status, groups): read and ignored.
    Ignored,
}

/// Header names in English, Ukrainian and Russian, and the export's own, in lower case.
fn column(header: &str) -> Option<Column> {
    let h = header.trim().to_lowercase().replace('_', " ");
    let c = match h.as_str() {
        "email" | "e-mail" | "електронна пошта" | "пошта" | "электронная почта" | "почта" => {
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
        "end date" | "дата закінчення" | "дата окончания" => Column::EndDate,
        "account status" | "cabinet groups" | "other groups" | "статус" | "групи" | "группы" => Column::Ignored,
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
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SheetReport {
    pub dry_run: bool,
    pub created: usize,
    pub skipped: usize,
    pub rows: Vec<SheetRow>,
}

/// Parses CSV (RFC 4180: quoted fields with doubled quotes and line breaks, `,` or `;` as the
/// header line shows) into rows of text cells.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| Error::invalid("file", "the CSV file must be UTF-8"))?;
    let first = text.lines().next().unwrap_or_default();
    let sep = if first.matches(';').count() > first.matches(',').count() { ';' } else { ',' };
    let mut rows = vec![];
    let mut row = vec![];
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
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
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err(Error::invalid("file", "a quoted CSV field is not closed"));
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    Ok(rows)
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

/// The form's field names as the spreadsheet's columns call them.
fn column_field(field: &str) -> String {
    match field {
        "company_id" => "company".into(),
        "department_id" => "department".into(),
        "position_id" => "position".into(),
        f => f.to_owned(),
    }
}

/// Imports rows (the first being the header) through "Create User".
pub async fn import_rows(deps: &Deps, p: &Principal, rows: Vec<Vec<String>>, dry_run: bool) -> Result<SheetReport> {
    let mut it = rows.into_iter();
    let header = it.next().ok_or_else(|| Error::invalid("file", "the file is empty: the first row names the columns"))?;
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
    let mut items: HashMap<(CompanyId, ItemKind), Vec<(String, OrgItemId)>> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut report = SheetReport { dry_run, created: 0, skipped: 0, rows: vec![] };
    for (i, cells) in it.enumerate() {
        let row = i + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if report.rows.len() >= ROWS_MAX {
            return Err(Error::invalid("file", format!("at most {ROWS_MAX} rows in one import")));
        }
        let get = |c: Column| -> Option<String> {
            columns.iter().position(|x| *x == Some(c)).and_then(|i| cells.get(i)).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
        };
        let email = get(Column::Email);
        let mut line = SheetRow { row, email: email.clone(), outcome: "skipped", user_id: None, field: None, message: None };
        match build(deps, &companies, &mut items, &get).await {
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
                        create_user::create_user(deps, p, input).await.map(|v| Some(v.user.id.to_string()))
                    };
                    match done {
                        Ok(id) => {
                            line.outcome = if dry_run { "would_create" } else { "created" };
                            line.user_id = id;
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

/// The creation form's input for a row, with names resolved to ids within the row's company.
async fn build(
    deps: &Deps,
    companies: &[crate::model::Company],
    items: &mut HashMap<(CompanyId, ItemKind), Vec<(String, OrgItemId)>>,
    get: &(dyn Fn(Column) -> Option<String> + Sync),
) -> Result<CreateUserInput> {
    let company_name = get(Column::Company).ok_or_else(|| Error::invalid("company", "is required"))?;
    let company = companies
        .iter()
        .find(|c| c.name.as_str().to_lowercase() == company_name.to_lowercase())
        .ok_or_else(|| Error::invalid("company", format!("no company is named \"{company_name}\"")))?;
    let mut by_name = async |kind: ItemKind, field: &str, name: Option<String>| -> Result<Option<String>> {
        let Some(name) = name else { return Ok(None) };
        let key = (company.id.clone(), kind);
        if !items.contains_key(&key) {
            let list = deps.store.list_items(&company.id, kind).await?;
            items.insert(key.clone(), list.into_iter().map(|i| (i.name.as_str().to_lowercase(), i.id)).collect());
        }
        items[&key]
            .iter()
            .find(|(n, _)| *n == name.to_lowercase())
            .map(|(_, id)| Some(id.to_string()))
            .ok_or_else(|| Error::invalid(field, format!("no {} is named \"{name}\" in this company", kind.as_str())))
    };
    let department_id = by_name(ItemKind::Department, "department", get(Column::Department)).await?;
    let position_id = by_name(ItemKind::Position, "position", get(Column::Position)).await?;
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
        roles: vec![],
        apply_role_groups: false,
        groups: vec![],
        quizzes: vec![],
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
    }

    #[test]
    fn headers_are_read_in_three_languages_and_the_exports_own() {
        for h in ["Email", "E-mail", "Електронна пошта", "Почта"] {
            assert_eq!(column(h), Some(Column::Email), "{h}");
        }
        assert_eq!(column("Прізвище"), Some(Column::LastName));
        assert_eq!(column("Должность"), Some(Column::Position));
        assert_eq!(column("Full Name"), Some(Column::FullName));
        assert_eq!(column("Cabinet Groups"), Some(Column::Ignored));
        assert_eq!(column("start_date"), Some(Column::StartDate));
        assert_eq!(column("Shoe size"), None);
    }
}
