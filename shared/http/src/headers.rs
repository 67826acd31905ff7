//! The security headers, in one place: CloudFront's response-headers policy in template.yaml sends
//! exactly these on the console and the API (a test holds the template to this list), and the
//! local server sends them on everything it serves, so what a browser meets here is what it meets
//! on AWS.

/// The Content-Security-Policy, with the storage origin (the data bucket on AWS, the embedded S3
/// engine locally): photos are shown from it, and the console PUTs an import's file to it when
/// the file is over the API's body limit (see [`STORAGE_CORS`]). `data:` images are the 2FA
/// set-up's QR code.
pub fn content_security_policy(storage_origin: &str) -> String {
    format!(
        "default-src 'self'; img-src 'self' data: {storage_origin}; connect-src 'self' {storage_origin}; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// A CORS rule of the data bucket.
#[derive(Clone, Copy, Debug)]
pub struct CorsRule {
    pub methods: &'static [&'static str],
    /// The request headers a script may set (lower case).
    pub headers: &'static [&'static str],
    pub max_age_secs: u32,
}

/// The data bucket's only CORS rule, for the console's origin alone: a presigned PUT of an
/// import's file with the `Content-Type` the link signs (the browser sets `Content-Length`, the
/// other signed header, itself; it is never a CORS request header). Nothing else of the bucket is
/// readable by a script on any origin. template.yaml's rule and the local S3 engine's are this.
pub const STORAGE_CORS: CorsRule = CorsRule { methods: &["PUT"], headers: &["content-type"], max_age_secs: 600 };

impl CorsRule {
    /// Whether a preflight from `origin`, for `method` with `request_headers` (the
    /// `Access-Control-Request-Headers` list), is allowed when the console is at `allowed`.
    pub fn allows(&self, allowed: &[String], origin: &str, method: &str, request_headers: &str) -> bool {
        allowed.iter().any(|a| a.trim_end_matches('/') == origin)
            && self.methods.contains(&method)
            && request_headers
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .all(|h| self.headers.contains(&h.as_str()))
    }
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

/// All of them, for a deployment whose storage is at `storage_origin`.
pub fn all(storage_origin: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![("content-security-policy", content_security_policy(storage_origin))];
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
        let connect = csp.split(';').map(str::trim).find(|d| d.starts_with("connect-src")).unwrap();
        assert_eq!(connect, "connect-src 'self' https://bucket.s3.eu-west-1.amazonaws.com", "the API, and uploads to storage");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe"), "no unsafe-inline or unsafe-eval");
    }

    #[test]
    fn storage_takes_a_put_with_its_content_type_from_the_consoles_origin_only() {
        let console = ["https://d1.cloudfront.net".to_owned()];
        assert!(STORAGE_CORS.allows(&console, "https://d1.cloudfront.net", "PUT", "content-type"));
        assert!(STORAGE_CORS.allows(&console, "https://d1.cloudfront.net", "PUT", ""));
        assert!(!STORAGE_CORS.allows(&console, "https://evil.example", "PUT", "content-type"));
        assert!(!STORAGE_CORS.allows(&console, "https://d1.cloudfront.net", "GET", ""));
        assert!(!STORAGE_CORS.allows(&console, "https://d1.cloudfront.net", "DELETE", ""));
        assert!(!STORAGE_CORS.allows(&console, "https://d1.cloudfront.net", "PUT", "content-type, x-amz-acl"));
    }
}
