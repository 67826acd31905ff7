//! What a TLS root store costs at a cold start, step by step, in one fresh process (run it
//! several times: each run is a cold start's first and only load).
//!
//!   roots-bench [BUNDLE]     BUNDLE defaults to the first of the functions' bundle paths
//!                            (`secboard_wiring::tls::BUNDLES`)
//!
//! Prints, in microseconds: the system's roots as `rustls-native-certs` loads them (the SDK's
//! default: `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the bundle and every file of the certificate
//! directory), the bundle alone read and decoded from PEM, those certificates added to a rustls
//! root store, and a rustls client configuration over that store.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let bundle = match std::env::args().nth(1) {
        Some(b) => b,
        None => secboard_wiring::tls::BUNDLES
            .iter()
            .find(|b| std::path::Path::new(b).exists())
            .map(|b| b.to_string())
            .ok_or_else(|| anyhow::anyhow!("no bundle"))?,
    };
    let t = Instant::now();
    let native = rustls_native_certs::load_native_certs();
    let native_load = t.elapsed();

    let t = Instant::now();
    let pem = std::fs::read(&bundle)?;
    let ders: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok).collect();
    let bundle_load = t.elapsed();

    let t = Instant::now();
    let mut roots = rustls::RootCertStore::empty();
    let (added, refused) = roots.add_parsable_certificates(ders.clone());
    let store = t.elapsed();

    let t = Instant::now();
    let mut native_roots = rustls::RootCertStore::empty();
    let (native_added, _) = native_roots.add_parsable_certificates(native.certs.clone());
    let native_store = t.elapsed();

    let t = Instant::now();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let client_config = t.elapsed();
    std::hint::black_box(config);

    let us = |d: std::time::Duration| d.as_micros();
    println!(
        "native load {} us ({} certs, store {} us, {} added) | bundle {bundle}: load {} us ({} certs), store {} us ({added} added, {refused} refused) | client config {} us",
        us(native_load),
        native.certs.len(),
        us(native_store),
        native_added,
        us(bundle_load),
        ders.len(),
        us(store),
        us(client_config)
    );
    Ok(())
}
