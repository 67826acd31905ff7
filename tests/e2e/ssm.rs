//! The deployment key read from SSM as a function reads it at cold start (`secboard_wiring::ssm`,
//! a signed GetParameters without the SDK's SSM client), against moto (the test command runs these
//! in its moto phase only).

use secboard_tests::*;

fn moto() -> String {
    ses_endpoint().expect("SSM tests need moto: run them through infra/test-all.sh, which starts it and sets SECBOARD_TEST_SES")
}

/// Puts a parameter the way the admin tool does (moto checks no signature).
async fn put(endpoint: &str, name: &str, value: &str, secure: bool) {
    let body =
        serde_json::json!({ "Name": name, "Value": value, "Type": if secure { "SecureString" } else { "String" }, "Overwrite": true });
    let r = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AmazonSSM.PutParameter")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=test/20261201/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "PutParameter {name}: {}", r.text().await.unwrap());
}

#[tokio::test]
async fn the_key_and_the_console_url_are_read_decrypted_in_one_call_and_a_missing_one_is_named() {
    let endpoint = moto();
    let sdk = secboard_infra::embedded::local_sdk_config(&endpoint);
    let key = "ab".repeat(32);
    put(&endpoint, "/wiring-test/key", &key, true).await;
    put(&endpoint, "/wiring-test/console-url", "https://console.example.com", false).await;
    let values =
        secboard_wiring::ssm::parameter_values(&sdk, &["/wiring-test/console-url", "/wiring-test/key"]).await.expect("read from moto");
    assert_eq!(values, ["https://console.example.com".to_owned(), key], "in the order named, the SecureString decrypted");
    let missing = secboard_wiring::ssm::parameter_values(&sdk, &["/wiring-test/key", "/wiring-test/absent"]).await.unwrap_err();
    assert!(missing.to_string().contains("/wiring-test/absent"), "{missing:#}");
}
