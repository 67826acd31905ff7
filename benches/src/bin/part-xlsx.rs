//! `floor-direct` plus the spreadsheet writer (`rust_xlsxwriter` in constant-memory mode, each row
//! in its colour), as the export links it. Its size over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;
use secboard_domain::flows::export::{ExportRow, SheetSink, contrast_font};

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        let text = String::from_utf8_lossy(&body).into_owned();
        let fill = body.first().map(|&b| (b, b, b));
        let row =
            ExportRow { text: std::array::from_fn(|_| text.clone()), start_date: None, end_date: None, fill, font: contrast_font(fill) };
        let Ok(sink) = export_users::XlsxSink::new() else { return 0 };
        let mut sink: Box<dyn SheetSink> = Box::new(sink);
        if sink.row(&row).is_err() {
            return 0;
        }
        sink.finish().map_or(0, |bytes| bytes.len())
    })
}
