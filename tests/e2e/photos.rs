//! Profile photos: by content, size and dimensions; stored privately, shown by presigned links.

use secboard_tests::*;
use serde_json::json;

#[tokio::test]
async fn a_photo_is_stored_privately_and_shown_through_a_short_lived_link() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, cookie) = t.member(&c, "pic@example.com", &[]).await;
    let r = t.upload(&format!("/api/users/{id}/avatar"), png(300, 240), "image/png", &t.admin_cookie.clone()).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!((r.body["width"].as_u64(), r.body["height"].as_u64()), (Some(300), Some(240)));
    let keys = t.blobs.keys(&format!("avatars/{id}/")).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].len() > format!("avatars/{id}/").len() + 30, "an unguessable key: {}", keys[0]);

    let shown = t.get(&format!("/api/users/{id}")).await.body["profile"]["avatar_url"].as_str().unwrap().to_owned();
    let (status, bytes, headers) = fetch(&shown).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(bytes, png(300, 240));
    let mine = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert!(mine.body["profile"]["avatar_url"].is_string(), "{mine:?}");
    // The object itself is not public (moto does not check signatures; s3s-fs and S3 do).
    if s3_endpoint().is_none() {
        let bare = shown.split('?').next().unwrap();
        assert_ne!(fetch(bare).await.0, 200);
    }
}

#[tokio::test]
async fn a_presigned_link_expires() {
    // moto never checks a presigned link's expiry (see ../shared/TESTING.md); s3s-fs does, so
    // the test command runs this one against the embedded engine only.
    assert!(s3_endpoint().is_none(), "run against the embedded S3 engine: moto does not check expiry");
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "exp@example.com", &[]).await;
    t.upload(&format!("/api/users/{id}/avatar"), png(200, 200), "image/png", &t.admin_cookie.clone()).await;
    let key = t.blobs.keys(&format!("avatars/{id}/")).await.unwrap().remove(0);
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(16 * 60);
    let old = t.blobs.presign_get_at(&key, past, jiff::SignedDuration::from_mins(15)).await.unwrap();
    assert_eq!(fetch(&old).await.0, 403, "signed 16 minutes ago for 15");
    let fresh = t.blobs.presign_get_at(&key, std::time::SystemTime::now(), jiff::SignedDuration::from_mins(15)).await.unwrap();
    assert_eq!(fetch(&fresh).await.0, 200);
}

#[tokio::test]
async fn anything_but_a_jpeg_or_png_of_200_pixels_under_2_mb_is_refused_with_the_faqs_reason() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, cookie) = t.member(&c, "self@example.com", &[]).await;
    let cases: Vec<(Vec<u8>, &str, u16, &str)> = vec![
        (png(199, 300), "image/png", 400, "200 x 200"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), "image/png", 400, "JPEG or PNG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(), "image/jpeg", 400, "JPEG or PNG"),
        ([png(400, 400), vec![0u8; 2 * 1024 * 1024]].concat(), "image/png", 400, "2 MB"),
        (png(300, 300), "text/plain", 415, "image/jpeg or image/png"),
        (png(300, 300), "multipart/form-data; boundary=x", 415, "image/jpeg or image/png"),
    ];
    for (bytes, ct, status, reason) in cases {
        let r = t.upload("/api/me/avatar", bytes, ct, &cookie).await;
        assert_eq!((r.status, r.field()), (status, Some("photo")), "{ct}: {r:?}");
        assert!(r.body["detail"].as_str().unwrap().contains(reason), "{r:?}");
    }
    assert!(t.blobs.keys("avatars/").await.unwrap().is_empty(), "nothing stored");
    // A JPEG whose name would say otherwise is recognised by its content.
    let ok = t.upload("/api/me/avatar", jpeg(320, 200), "image/png", &cookie).await;
    assert_eq!(ok.status, 201, "{ok:?}");
    let key = t.blobs.keys("avatars/").await.unwrap().remove(0);
    assert!(key.ends_with(".jpg"), "{key}");
}

#[tokio::test]
async fn replacing_or_removing_a_photo_deletes_the_old_object() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, cookie) = t.member(&c, "swap@example.com", &[]).await;
    assert_eq!(t.upload("/api/me/avatar", png(200, 200), "image/png", &cookie).await.status, 201);
    let first = t.blobs.keys("avatars/").await.unwrap();
    assert_eq!(t.upload("/api/me/avatar", jpeg(400, 400), "image/jpeg", &cookie).await.status, 201);
    let second = t.blobs.keys("avatars/").await.unwrap();
    assert_eq!(second.len(), 1);
    assert_ne!(first, second);
    assert_eq!(t.request("DELETE", "/api/me/avatar", None, Some(&cookie)).await.status, 204);
    assert!(t.blobs.keys("avatars/").await.unwrap().is_empty());
    // An administrator removes a photo from the edit dialog.
    assert_eq!(t.upload(&format!("/api/users/{id}/avatar"), png(200, 200), "image/png", &t.admin_cookie.clone()).await.status, 201);
    let v = t.get(&format!("/api/users/{id}")).await.body["profile"]["version"].as_u64().unwrap();
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": v, "remove_avatar": true })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body["profile"]["avatar_url"].is_null());
    assert!(t.blobs.keys("avatars/").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_photo_of_someone_outside_the_scope_cannot_be_set() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let editors = t.group(Some(&a), "Editors", json!({ "view": true, "edit": true })).await;
    let (_, editor) = t.member(&a, "ed@example.com", &[&editors]).await;
    let (in_b, _) = t.member(&b, "b@example.com", &[]).await;
    assert_eq!(t.upload(&format!("/api/users/{in_b}/avatar"), png(200, 200), "image/png", &editor).await.status, 404);
    assert!(t.blobs.keys("avatars/").await.unwrap().is_empty());
}
