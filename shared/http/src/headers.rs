//! The security headers, in one place: CloudFront's response-headers policy in template.yaml sends
//! exactly these on the console and the API (a test holds the template to this list), and the
//! local server sends them on everything it serves, so what a browser meets here is what it meets
//! on AWS.

/// The Content-Security-Policy, with the origin photos and exports are fetched from (the data
/// bucket on AWS, the embedded S3 engine locally). `data:` images are the 2FA set-up's QR code.
pub fn content_security_policy(image_origin: &str) -> String {
    format!(
        "default-src 'self'; img-src 'self' data: {image_origin}; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Every other security header, as (lower-case name, value).
pub const FIXED: &[(&str, &str)] = &[
    ("strict-transport-security", "max-age=63072000; includeSubDomains"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("x-xss-protection", "0"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// All of them, for a deployment whose images come from `image_origin`.
pub fn all(image_origin: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![("content-security-policy", content_security_policy(image_origin))];
    out.extend(FIXED.iter().map(|(k, v)| (*k, (*v).to_owned())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_codes_data_url_and_the_photos_origin_may_show_and_nothing_else() {
        let csp = content_security_policy("https://bucket.s3.eu-west-1.amazonaws.com");
        let img = csp.split(';').map(str::trim).find(|d| d.starts_with("img-src")).unwrap();
        assert_eq!(img, "img-src 'self' data: https://bucket.s3.eu-west-1.amazonaws.com");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe"), "no unsafe-inline or unsafe-eval");
    }
}
