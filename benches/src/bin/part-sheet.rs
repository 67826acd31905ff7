//! `floor-direct` plus the .xlsx reader (calamine), as the spreadsheet import links it. Its size
//! over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move { import_users::sheet::xlsx_rows(&body).map_or(0, |rows| rows.len()) })
}
