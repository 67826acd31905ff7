//! An .xlsx upload's first sheet as rows of text, read with calamine: cells are values, never
//! formulas (a formula's cached result is what is read; text that looks like one stays text),
//! and dates, whether Excel dates or text, become `YYYY-MM-DD`.

use calamine::{Data, Reader, Xlsx};
use secboard_domain::Error;
use std::io::Cursor;

pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, Error> {
    let bad = |e: &dyn std::fmt::Display| Error::invalid("file", format!("is not an .xlsx workbook: {e}"));
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| bad(&e))?;
    let range = wb.worksheet_range_at(0).ok_or_else(|| Error::invalid("file", "the workbook has no sheet"))?.map_err(|e| bad(&e))?;
    Ok(range.rows().map(|r| r.iter().map(text).collect()).collect())
}

fn text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => excel_date(d.as_f64()),
    }
}

/// Excel's serial day (1900 system: day 0 is 1899-12-30) as a calendar date.
fn excel_date(serial: f64) -> String {
    let base = jiff::civil::date(1899, 12, 30);
    base.checked_add(jiff::Span::new().days(serial.floor() as i64)).map(|d| d.to_string()).unwrap_or_default()
}
