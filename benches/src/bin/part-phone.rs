//! `floor-direct` plus phone number checking (`phonenumber` and its metadata), as the functions
//! that take a phone link it. Its size over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        secboard_domain::phone::Phone::parse("phone", &String::from_utf8_lossy(&body)).map_or(0, |p| p.as_str().len())
    })
}
