//! "Exporting the User Directory": every user the filter selects within the caller's scope (not
//! one page), paged from the index straight into a spreadsheet, one row per user in the user's
//! colour. The rows are typed values, never formulas. The file goes to private storage and the
//! answer is a presigned link valid [`EXPORT_LINK_LIFETIME`].

use super::Deps;
use super::authorize::Principal;
use crate::activation::Activation;
use crate::filter::RawFilter;
use crate::ids::EventId;
use crate::model::AuditTarget;
use crate::permissions::Action;
use crate::ports::Store;
use crate::ports::{BlobStore, Listed};
use crate::{Error, Result};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::json;

pub const EXPORT_LINK_LIFETIME: SignedDuration = SignedDuration::from_mins(15);
/// Users read from the index per store page while exporting.
pub const EXPORT_PAGE: usize = 1000;
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The manual's columns, in order.
pub const COLUMNS: [&str; 11] = [
    "Full Name",
    "Email",
    "Phone",
    "Company",
    "Department",
    "Position",
    "Account Status",
    "Cabinet Groups",
    "Other Groups",
    "Start Date",
    "End Date",
];

/// One row: the text columns, the two dates, and the row's colours.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRow {
    /// Full Name .. Other Groups (the first nine columns), as typed: always text.
    pub text: [String; 9],
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    /// The user's colour, `None` for no fill.
    pub fill: Option<(u8, u8, u8)>,
    /// Black or white, whichever reads better on the fill.
    pub font: (u8, u8, u8),
}

/// Where the rows go: the spreadsheet writer (an adapter) implements it.
pub trait SheetSink: Send {
    fn row(&mut self, row: &ExportRow) -> Result<()>;
    /// Finishes the file and answers its bytes.
    fn finish(self: Box<Self>) -> Result<Vec<u8>>;
}

/// WCAG relative luminance decides: dark text on light fills, white on dark ones.
pub fn contrast_font(fill: Option<(u8, u8, u8)>) -> (u8, u8, u8) {
    let Some((r, g, b)) = fill else { return (0, 0, 0) };
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    // Contrast against black (l + 0.05) / 0.05 versus white 1.05 / (l + 0.05): equal at l ≈ 0.179.
    if l > 0.179 { (0, 0, 0) } else { (255, 255, 255) }
}

pub fn row_of(l: &Listed, today: Date) -> ExportRow {
    let p = &l.profile;
    let names = |global: bool| p.groups.iter().filter(|g| g.global == global).map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ");
    let fill = p.colour.as_ref().map(|c| c.rgb());
    ExportRow {
        text: [
            format!("{} {}", p.first_name, p.last_name),
            l.email.to_string(),
            p.phone.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default(),
            p.company.name.clone(),
            p.department.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            p.position.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            Activation::of(l.active, p.start_date, p.end_date, today).label().to_owned(),
            names(false),
            names(true),
        ],
        start_date: p.start_date,
        end_date: p.end_date,
        fill,
        font: contrast_font(fill),
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ExportLink {
    pub url: String,
    pub expires_at: Timestamp,
    pub rows: usize,
    pub file_name: String,
}

pub async fn export<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    raw: &RawFilter,
    mut sink: Box<dyn SheetSink>,
    blobs: &dyn BlobStore,
) -> Result<ExportLink> {
    let mut filter = raw.parse()?;
    let company = super::list_users::scope_filter(p, &mut filter, Action::Export)?;
    let today = deps.today();
    let mut rows = 0usize;
    let mut start = None;
    loop {
        let page = deps.store.list_users(company.as_ref(), &filter, today, start, EXPORT_PAGE).await?;
        for l in &page.items {
            sink.row(&row_of(l, today))?;
            rows += 1;
        }
        match page.next {
            Some(n) => start = Some(n),
            None => break,
        }
    }
    let bytes = tokio::task::spawn_blocking(move || sink.finish()).await.map_err(|e| Error::unexpected(format!("export task: {e}")))??;

    let now = deps.now();
    let file_name = format!("secboard-users-{today}.xlsx");
    let key = format!("exports/{today}/{}.xlsx", EventId::new(deps.clock.as_ref(), deps.entropy.as_ref()));
    blobs.put(&key, bytes, CONTENT_TYPE, Some(&format!("attachment; filename=\"{file_name}\""))).await?;
    let url = blobs.presign_get(&key, EXPORT_LINK_LIFETIME).await?;
    let audit = deps.event(
        Some(p.id()),
        "users.exported",
        AuditTarget::User(p.id().clone()),
        json!({ "filter": filter, "rows": rows, "object": key }),
        Some(&p.source_ip),
    );
    deps.store.append(&audit).await?;
    Ok(ExportLink { url, expires_at: now.checked_add(EXPORT_LINK_LIFETIME).unwrap_or(now), rows, file_name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_colour_contrasts_with_the_fill() {
        assert_eq!(contrast_font(None), (0, 0, 0));
        assert_eq!(contrast_font(Some((255, 255, 255))), (0, 0, 0));
        assert_eq!(contrast_font(Some((0, 0, 0))), (255, 255, 255));
        assert_eq!(contrast_font(Some((0x33, 0x66, 0xFF))), (255, 255, 255), "royal blue");
        assert_eq!(contrast_font(Some((0xFF, 0xEB, 0x3B))), (0, 0, 0), "yellow");
    }
}
