//! Writes the OpenAPI document: `cargo run -p secboard-openapi` (to `docs/openapi.json`), or
//! `secboard-openapi PATH`. A test fails while the committed file differs from what this writes.

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| secboard_openapi::COMMITTED.to_owned());
    std::fs::write(&path, secboard_openapi::render())?;
    eprintln!("wrote {path}");
    Ok(())
}
