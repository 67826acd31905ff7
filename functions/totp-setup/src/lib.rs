//! The user's own 2FA: `POST /api/me/totp/setup` (a new secret with its otpauth URI and QR code,
//! PNG and SVG), `POST /api/me/totp/confirm {code}` (turns 2FA on, answers the backup codes once),
//! `DELETE /api/me/totp {code} | {password}` and `POST /api/me/backup-codes`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use qrcode::{EcLevel, QrCode};
use secboard_domain::flows::{replies, two_factor};
use secboard_http::routes::Function;
use secboard_http::{Body, Problem, Request, Response, json, no_content, with_cookie};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

/// The QR code of `uri`: an SVG document and a PNG as a `data:` URL, each at least 240 px wide
/// with the quiet zone authenticator apps need.
pub fn qr_codes(uri: &str) -> anyhow::Result<(String, String)> {
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).build();
    let img = code.render::<image::Luma<u8>>().min_dimensions(240, 240).build();
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok((svg, format!("data:image/png;base64,{}", STANDARD.encode(png))))
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::TotpSetup, |call, p| async move {
        let (d, mail) = (&ctx.app.deps, &ctx.app.mail);
        match call.key() {
            "POST /api/me/totp/setup" => {
                let setup = two_factor::setup(d, &p, call.json()?).await?;
                let (svg, png) = qr_codes(&setup.otpauth_uri).map_err(|e| Problem::from(secboard_domain::Error::Unexpected(e)))?;
                let (secret, otpauth_uri, expires_at) = (setup.secret, setup.otpauth_uri, setup.expires_at);
                json(201, &replies::TotpSetup { secret, otpauth_uri, qr_svg: svg, qr_png: png, expires_at })
            }
            "POST /api/me/totp/confirm" => {
                let confirmed = two_factor::confirm(d, mail, &p, call.json()?).await?;
                let resp = json(200, &confirmed)?;
                Ok(match &confirmed.token {
                    Some(token) => with_cookie(resp, &ctx.web, Some(token)),
                    None => resp,
                })
            }
            "DELETE /api/me/totp" => {
                two_factor::disable(d, mail, &p, call.json()?).await?;
                no_content()
            }
            "POST /api/me/backup-codes" => {
                let codes = two_factor::regenerate_backup_codes(d, mail, &p, call.json()?).await?;
                json(200, &replies::BackupCodes { backup_codes: codes })
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_a_png_and_an_svg_that_read_back_as_the_uri() {
        let uri = "otpauth://totp/SecBoard:ada@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=SecBoard&algorithm=SHA1&digits=6&period=30";
        let (svg, png) = qr_codes(uri).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{}", &svg[..60]);
        let bytes = STANDARD.decode(png.strip_prefix("data:image/png;base64,").unwrap()).unwrap();
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap().to_luma8();
        assert!(img.width() >= 240 && img.width() == img.height());
        // Decoded by an independent reader, as a phone's camera would.
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(img.width() as usize, img.height() as usize, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri);
    }
}
