//! The spreadsheet writer: rust_xlsxwriter in constant-memory mode (rows stream to a temporary
//! file, so memory stays flat whatever the row count). Every cell is a typed value: text is
//! written as text (a leading `=`, `+`, `-` or `@` stays text, quote-prefixed), dates as real
//! Excel dates; never a formula.

use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};
use secboard_domain::flows::export::{COLUMNS, ExportRow, SheetSink};
use secboard_domain::{Error, Result};
use std::collections::HashMap;

const SHEET: &str = "Users";
const WIDTHS: [f64; 11] = [26.0, 32.0, 17.0, 22.0, 22.0, 22.0, 15.0, 30.0, 30.0, 12.0, 12.0];

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Cell {
    Text,
    /// Text that a spreadsheet would otherwise read as a formula.
    Quoted,
    Date,
}

/// A row's fill and the kind of cell: one format each, made once.
type FormatKey = (Option<(u8, u8, u8)>, Cell);

pub struct XlsxSink {
    workbook: Workbook,
    next_row: u32,
    formats: HashMap<FormatKey, Format>,
}

fn fault(e: XlsxError) -> Error {
    Error::unexpected(format!("writing the spreadsheet: {e}"))
}

fn rgb((r, g, b): (u8, u8, u8)) -> Color {
    Color::RGB(((r as u32) << 16) | ((g as u32) << 8) | b as u32)
}

impl XlsxSink {
    pub fn new() -> Result<Self> {
        let mut workbook = Workbook::new();
        let ws = workbook.add_worksheet_with_constant_memory().map_err(fault)?;
        ws.set_name(SHEET).map_err(fault)?;
        let header = Format::new().set_bold().set_border_bottom(FormatBorder::Thin);
        for (i, (title, width)) in COLUMNS.iter().zip(WIDTHS).enumerate() {
            ws.set_column_width(i as u16, width).map_err(fault)?;
            ws.write_string_with_format(0, i as u16, *title, &header).map_err(fault)?;
        }
        ws.set_freeze_panes(1, 0).map_err(fault)?;
        Ok(XlsxSink { workbook, next_row: 1, formats: HashMap::new() })
    }

    fn format(&mut self, fill: Option<(u8, u8, u8)>, font: (u8, u8, u8), cell: Cell) -> Format {
        self.formats
            .entry((fill, cell))
            .or_insert_with(|| {
                let mut f = Format::new();
                if let Some(c) = fill {
                    f = f.set_background_color(rgb(c)).set_font_color(rgb(font));
                }
                match cell {
                    Cell::Text => f,
                    Cell::Quoted => f.set_quote_prefix(),
                    Cell::Date => f.set_num_format("yyyy-mm-dd"),
                }
            })
            .clone()
    }
}

impl SheetSink for XlsxSink {
    fn row(&mut self, row: &ExportRow) -> Result<()> {
        let r = self.next_row;
        let text = self.format(row.fill, row.font, Cell::Text);
        let quoted = self.format(row.fill, row.font, Cell::Quoted);
        let date = self.format(row.fill, row.font, Cell::Date);
        let ws = self.workbook.worksheet_from_index(0).map_err(fault)?;
        for (c, value) in row.text.iter().enumerate() {
            let c = c as u16;
            if value.is_empty() {
                ws.write_blank(r, c, &text).map_err(fault)?;
            } else if value.starts_with(['=', '+', '-', '@']) {
                ws.write_string_with_format(r, c, value, &quoted).map_err(fault)?;
            } else {
                ws.write_string_with_format(r, c, value, &text).map_err(fault)?;
            }
        }
        for (c, d) in [(9u16, row.start_date), (10, row.end_date)] {
            match d {
                Some(d) => {
                    let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(fault)?;
                    ws.write_datetime_with_format(r, c, dt, &date).map_err(fault)?;
                }
                None => {
                    ws.write_blank(r, c, &date).map_err(fault)?;
                }
            }
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Vec<u8>> {
        let last = self.next_row.saturating_sub(1).max(1);
        let ws = self.workbook.worksheet_from_index(0).map_err(fault)?;
        ws.autofilter(0, 0, last, (COLUMNS.len() - 1) as u16).map_err(fault)?;
        self.workbook.save_to_buffer().map_err(fault)
    }
}
