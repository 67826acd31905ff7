//! The HTTPS client a function's SDK clients share, and the TLS roots it trusts.
//!
//! The SDK's default gives each client (DynamoDB, S3, SES) its own HTTPS client, and each builds
//! a rustls root store from the system's roots: `rustls-native-certs` reads the bundle, then every
//! file of the certificate directory, which on Debian and Amazon Linux holds the same roots again.
//! That was most of a cold start (benches/README.md). Here one client is shared, and it trusts the
//! system's bundle file alone when there is one: the same roots, read once.

use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::{HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The system's bundle of trusted roots, by where distributions keep it: Amazon Linux (Lambda's
/// `provided.al2023`) and the Fedora family first, then Debian, Ubuntu and Alpine.
pub const BUNDLES: &[&str] = &["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"];

/// Where the roots come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Roots {
    /// This bundle file's certificates (`pem`, as read), decoded by the SDK when it builds a
    /// connector.
    Bundle { path: String, pem: Vec<u8> },
    /// `rustls-native-certs` (the SDK's default): `SSL_CERT_FILE` and `SSL_CERT_DIR` when set,
    /// else the system's bundle and certificate directory, skipping what does not parse.
    Native,
}

/// The roots to trust: the operator's `SSL_CERT_FILE`/`SSL_CERT_DIR` if set (through
/// [`Roots::Native`], which honours them), else the first bundle of `bundles` that exists and
/// holds a certificate, else the native loader. The bundle is not decoded here: the SDK decodes it
/// when it builds a connector, and decoding it twice was a tenth of a cold start
/// (benches/README.md). A bundle with a certificate rustls refuses is caught there ([`build`]).
pub fn roots(var: impl Fn(&str) -> Option<String>, bundles: &[&str]) -> Roots {
    if var("SSL_CERT_FILE").is_some() || var("SSL_CERT_DIR").is_some() {
        return Roots::Native;
    }
    let Some((path, pem)) = bundles.iter().find_map(|path| Some((*path, std::fs::read(Path::new(path)).ok()?))) else {
        return Roots::Native;
    };
    if !pem.windows(CERTIFICATE.len()).any(|w| w == CERTIFICATE) {
        tracing::warn!(bundle = path, "the system's bundle holds no certificate; using the native root loader");
        return Roots::Native;
    }
    Roots::Bundle { path: path.to_owned(), pem }
}

const CERTIFICATE: &[u8] = b"-----BEGIN CERTIFICATE-----";

/// The TLS context over `roots` (as [`roots`] answers).
pub fn context_over(roots: Roots) -> TlsContext {
    let store = match roots {
        Roots::Bundle { pem, .. } => TrustStore::empty().with_pem_certificate(pem),
        Roots::Native => TrustStore::default(),
    };
    TlsContext::builder().with_trust_store(store).build().unwrap_or_default()
}

/// Set once the SDK has refused the bundle: from then on every connector trusts the native loader.
static BUNDLE_REFUSED: AtomicBool = AtomicBool::new(false);

/// The TLS context of every HTTPS connection a function makes to AWS, decided once.
fn context() -> TlsContext {
    static BUNDLE: OnceLock<TlsContext> = OnceLock::new();
    if BUNDLE_REFUSED.load(Ordering::Relaxed) {
        return native();
    }
    BUNDLE.get_or_init(|| context_over(roots(crate::env, BUNDLES))).clone()
}

/// The native loader's context, built once.
fn native() -> TlsContext {
    static NATIVE: OnceLock<TlsContext> = OnceLock::new();
    NATIVE.get_or_init(|| context_over(Roots::Native)).clone()
}

/// One HTTPS client for all the SDK clients of a function: rustls with aws-lc, proxies from the
/// environment, as the SDK's default client, over [`context`]'s roots. The SDK builds its
/// connector (and so the root store) once per distinct timeout settings, when a client is built.
pub fn https_client() -> SharedHttpClient {
    Builder::new()
        .build_with_connector_fn(|settings, components| build(context(), settings.cloned(), components.and_then(|c| c.sleep_impl())))
}

/// A connector over the same roots, for the one call made before the SDK's clients exist (the
/// deployment key from SSM).
pub fn connector(settings: &HttpConnectorSettings, sleep: SharedAsyncSleep) -> SharedHttpConnector {
    connector_with(context(), settings, sleep)
}

/// A connector over `context`.
pub fn connector_with(context: TlsContext, settings: &HttpConnectorSettings, sleep: SharedAsyncSleep) -> SharedHttpConnector {
    SharedHttpConnector::new(build(context, Some(settings.clone()), Some(sleep)))
}

/// The connector over `context`. The SDK decodes a custom trust store's certificates here and
/// panics on one rustls refuses ("valid PEM certificate", "cert parsable"): that panic is caught
/// (it leaves nothing half-built: the builder is dropped) and the connector is built over the
/// native loader instead, which skips such a certificate, as are all later ones.
fn build(context: TlsContext, settings: Option<HttpConnectorSettings>, sleep: Option<SharedAsyncSleep>) -> Connector {
    let over = |context: TlsContext| {
        let mut builder = ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).tls_context(context);
        builder.set_connector_settings(settings.clone());
        builder.set_sleep_impl(sleep.clone());
        builder.set_proxy_config(Some(ProxyConfig::from_env()));
        builder.build()
    };
    match std::panic::catch_unwind(AssertUnwindSafe(|| over(context))) {
        Ok(connector) => connector,
        Err(_) => {
            BUNDLE_REFUSED.store(true, Ordering::Relaxed);
            tracing::warn!("a certificate in the system's bundle does not parse; using the native root loader");
            over(native())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::http::HttpConnector as _;
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_types::body::SdkBody;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    use std::collections::HashMap;
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    const CA: &str = include_str!("../testdata/ca.pem");
    const SERVER_CERT: &str = include_str!("../testdata/server.pem");
    const SERVER_KEY: &str = include_str!("../testdata/server.key");

    fn no_vars(_: &str) -> Option<String> {
        None
    }

    /// An HTTPS server on loopback with a certificate for `localhost` signed by the test CA:
    /// answers each connection's first request 200.
    async fn https_server() -> u16 {
        use rustls_pki_types::PrivateKeyDer;
        let certs = CertificateDer::pem_slice_iter(SERVER_CERT.as_bytes()).collect::<Result<Vec<_>, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut buf = vec![0; 4096];
                    let mut read = 0;
                    while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf[read..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => read += n,
                        }
                    }
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        port
    }

    async fn get(context: TlsContext, port: u16) -> Result<u16, String> {
        let settings = HttpConnectorSettings::builder().connect_timeout(std::time::Duration::from_secs(2)).build();
        let sleep = aws_smithy_async::rt::sleep::default_async_sleep().unwrap();
        let connector = connector_with(context, &settings, sleep);
        let request = http::Request::builder().uri(format!("https://localhost:{port}/")).body(SdkBody::empty()).unwrap();
        match connector.call(HttpRequest::try_from(request).unwrap()).await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(e) => Err(format!("{e:?}")),
        }
    }

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn the_first_bundle_that_exists_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = write(dir.path(), "bundle.crt", CA);
        let missing = dir.path().join("missing.crt").to_string_lossy().into_owned();
        assert_eq!(roots(no_vars, &[&missing, &bundle]), Roots::Bundle { path: bundle, pem: CA.as_bytes().to_vec() });
        assert_eq!(roots(no_vars, &[&missing]), Roots::Native, "no bundle: the native loader");
    }

    #[test]
    fn the_operators_ssl_cert_file_or_dir_wins() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = write(dir.path(), "bundle.crt", CA);
        for var in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
            let vars = HashMap::from([(var, "/somewhere".to_owned())]);
            assert_eq!(roots(|n| vars.get(n).cloned(), &[&bundle]), Roots::Native, "{var}");
        }
    }

    #[tokio::test]
    async fn a_bundle_with_a_certificate_rustls_refuses_goes_to_the_native_loader() {
        // The SDK's trust store panics on such a certificate ("valid PEM certificate", "cert
        // parsable") when it builds a connector; the connector is then built over the native
        // loader, which skips it.
        let port = https_server().await;
        let dir = tempfile::tempdir().unwrap();
        let empty = write(dir.path(), "empty.crt", "no certificate here\n");
        assert_eq!(roots(no_vars, &[&empty]), Roots::Native, "a bundle with no certificate");
        let broken_base64 = format!("{CA}-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        let not_a_certificate = format!("{CA}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        for (name, text) in [("base64.crt", broken_base64), ("der.crt", not_a_certificate)] {
            let bundle = write(dir.path(), name, &text);
            let roots = roots(no_vars, &[&bundle]);
            assert_eq!(roots, Roots::Bundle { path: bundle, pem: text.into_bytes() }, "{name}: left to the SDK to decode");
            BUNDLE_REFUSED.store(false, Ordering::Relaxed);
            // The server's CA is in the bundle, but the SDK refuses the bundle as a whole: the
            // connector trusts the native roots, which do not hold that CA.
            let refused = get(context_over(roots), port).await.unwrap_err();
            assert!(refused.to_lowercase().contains("certificate") || refused.contains("Tls"), "{name}: {refused}");
            assert!(BUNDLE_REFUSED.load(Ordering::Relaxed), "{name}: later connectors go to the native loader");
        }
    }

    #[test]
    fn this_systems_bundle_is_one_the_sdk_accepts() {
        let Roots::Bundle { path, pem } = roots(no_vars, BUNDLES) else {
            panic!("one of {BUNDLES:?} should exist on this machine (ca-certificates)")
        };
        // What the SDK does with it (aws-smithy-http-client's `rustls_root_certs`), which panics
        // on what this refuses.
        let mut store = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            store.add(cert.unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        assert!(store.len() > 10, "{path}: {} roots", store.len());
    }

    #[tokio::test]
    async fn a_connection_trusts_the_bundle_and_nothing_else() {
        let port = https_server().await;
        let dir = tempfile::tempdir().unwrap();
        let bundle = write(dir.path(), "bundle.crt", CA);
        assert_eq!(get(context_over(roots(no_vars, &[&bundle])), port).await, Ok(200));
        // The system's roots do not hold the test CA: the handshake is refused.
        let refused = get(context_over(roots(no_vars, BUNDLES)), port).await.unwrap_err();
        assert!(refused.to_lowercase().contains("certificate") || refused.contains("Tls"), "{refused}");
        // Nor does the native loader, without SSL_CERT_FILE.
        assert!(get(context_over(Roots::Native), port).await.is_err());
    }
}
