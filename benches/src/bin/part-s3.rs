//! `floor-direct` plus the blob store (an S3 client: put, delete, presigned get and put, size,
//! download), the second SDK client of the functions that keep photos, exports or uploads. Its
//! size over `floor-direct` is the part's (every operation the port has: a function links fewer).

#[path = "../floor.rs"]
mod floor;
use secboard_domain::ports::BlobStore;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let sdk = secboard_wiring::sdk_from_env().await;
    let blobs = secboard_blobs::S3Blobs::new(&sdk, std::env::var("BUCKET_NAME").unwrap_or_default());
    let blobs = &blobs;
    floor::serve_with(
        sdk.clone(),
        Some(|body: Vec<u8>| async move {
            let key = String::from_utf8_lossy(&body).into_owned();
            let valid = jiff::SignedDuration::from_secs(60);
            let mut n = usize::from(blobs.put(&key, body.clone(), "image/png", None).await.is_ok());
            n += blobs.size(&key).await.ok().flatten().unwrap_or(0) as usize;
            n += blobs.presign_get(&key, valid).await.map_or(0, |u| u.len());
            n += blobs.presign_put(&key, "image/png", 10, valid).await.map_or(0, |u| u.len());
            n += usize::from(blobs.download(&key, std::path::Path::new("/tmp/part-s3")).await.is_ok_and(|b| b));
            n += usize::from(blobs.delete(&key).await.is_ok());
            n
        }),
    )
    .await
}
