//! SSM `GetParameters`, the one SSM call a function makes (at cold start), without the SDK's SSM
//! client: that client linked about 0.4 MB of generated code and endpoint rules into every
//! function for one request. The request is the same one the SDK sends (`awsJson1_1`, SigV4 by
//! `aws-sigv4`, the credentials of the function's SDK configuration) over the SDK's own HTTPS
//! connector (`aws-smithy-http-client`, rustls with aws-lc, the same timeouts), retried as the
//! SDK's standard mode retries: throttling, 5xx and transport errors, three attempts.

use anyhow::{Context as _, bail};
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_smithy_async::rt::sleep::AsyncSleep as _;
use aws_smithy_runtime_api::client::http::{HttpConnector as _, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use serde::Deserialize;
use std::time::Duration;

const TARGET: &str = "AmazonSSM.GetParameters";
const ATTEMPTS: u32 = 3;

/// Where SSM answers: `AWS_ENDPOINT_URL_SSM`, else the configuration's endpoint
/// (`AWS_ENDPOINT_URL`), else the region's (FIPS and dual-stack as the configuration asks).
pub fn endpoint(sdk: &aws_config::SdkConfig, service_url: Option<String>) -> anyhow::Result<String> {
    if let Some(url) = service_url.or_else(|| sdk.endpoint_url().map(str::to_owned)) {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let region = sdk.region().context("no AWS region is configured (AWS_REGION)")?.as_ref();
    let fips = if sdk.use_fips() == Some(true) { "-fips" } else { "" };
    let china = region.starts_with("cn-");
    let domain = match (sdk.use_dual_stack() == Some(true), china) {
        (false, false) => "amazonaws.com",
        (false, true) => "amazonaws.com.cn",
        (true, false) => "api.aws",
        (true, true) => "api.amazonwebservices.com.cn",
    };
    Ok(format!("https://ssm{fips}.{region}.{domain}"))
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Parameters", default)]
    parameters: Vec<Parameter>,
    #[serde(rename = "InvalidParameters", default)]
    invalid: Vec<String>,
}

#[derive(Deserialize)]
struct Parameter {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Value")]
    value: Option<String>,
}

/// An error answer (`{"__type": "...#Code", "message": "..."}`).
#[derive(Deserialize)]
struct Fault {
    #[serde(rename = "__type", default)]
    kind: String,
    #[serde(alias = "Message", default)]
    message: String,
}

/// The request body: the names, decrypted.
pub fn body(names: &[&str]) -> String {
    serde_json::json!({ "Names": names, "WithDecryption": true }).to_string()
}

/// The values of the parameters named (decrypted), in their order; an error names any missing.
pub async fn parameter_values(sdk: &aws_config::SdkConfig, names: &[&str]) -> anyhow::Result<Vec<String>> {
    let endpoint = endpoint(sdk, crate::env("AWS_ENDPOINT_URL_SSM"))?;
    let region = sdk.region().context("no AWS region is configured (AWS_REGION)")?.to_string();
    let credentials = sdk.credentials_provider().context("no AWS credentials are configured")?;
    let settings =
        HttpConnectorSettings::builder().connect_timeout(Duration::from_millis(3100)).read_timeout(Duration::from_secs(5)).build();
    let sleep = aws_smithy_async::rt::sleep::default_async_sleep().context("no async sleep is compiled in")?;
    let connector = crate::tls::connector(&settings, sleep.clone());
    let body = body(names);
    let mut last = None;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            sleep.sleep(Duration::from_millis(50 << attempt)).await;
        }
        let identity = credentials.provide_credentials().await.context("reading AWS credentials")?.into();
        let request = signed(&endpoint, &region, &identity, &body)?;
        let (status, text) = match connector.call(request).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let bytes = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
                    .collect()
                    .await
                    .map_err(|e| anyhow::anyhow!("reading SSM's answer: {e}"))?
                    .into_bytes();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            }
            Err(e) => {
                last = Some(anyhow::anyhow!("calling SSM at {endpoint}: {e}"));
                continue;
            }
        };
        if status == 200 {
            return values(names, &text);
        }
        let fault: Fault = serde_json::from_str(&text).unwrap_or(Fault { kind: String::new(), message: text.clone() });
        let code = fault.kind.rsplit('#').next().unwrap_or_default().to_owned();
        let error = anyhow::anyhow!("SSM GetParameters answered {status} {code}: {}", fault.message);
        if status >= 500 || code.contains("Throttl") || code == "TooManyUpdates" {
            last = Some(error);
            continue;
        }
        return Err(error);
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("SSM GetParameters failed")))
}

/// The values of an answer, in the order named.
pub fn values(names: &[&str], answer: &str) -> anyhow::Result<Vec<String>> {
    let answer: Answer = serde_json::from_str(answer).context("SSM's answer is not GetParameters' JSON")?;
    if !answer.invalid.is_empty() {
        bail!("SSM parameters not found: {:?}", answer.invalid);
    }
    names
        .iter()
        .map(|n| {
            answer
                .parameters
                .iter()
                .find(|p| p.name == *n)
                .and_then(|p| p.value.clone())
                .with_context(|| format!("SSM parameter {n} has no value"))
        })
        .collect()
}

/// The POST of `body` to `endpoint`, signed with SigV4 for `ssm` in `region`.
fn signed(
    endpoint: &str,
    region: &str,
    identity: &aws_smithy_runtime_api::client::identity::Identity,
    body: &str,
) -> anyhow::Result<HttpRequest> {
    let uri = format!("{endpoint}/");
    let host =
        uri.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or(rest)).context("the SSM endpoint is not a URL")?.to_owned();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(&uri)
        .header("host", &host)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", TARGET)
        .body(body.to_owned())
        .context("building the SSM request")?;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name("ssm")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .context("SigV4 parameters")?
        .into();
    let headers = request.headers().iter().filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
    let signable = SignableRequest::new("POST", uri.as_str(), headers, SignableBody::Bytes(body.as_bytes())).context("signing")?;
    let (instructions, _) = sign(signable, &params).context("signing the SSM request")?.into_parts();
    instructions.apply_to_request_http1x(&mut request);
    let (parts, body) = request.into_parts();
    HttpRequest::try_from(http::Request::from_parts(parts, SdkBody::from(body))).context("the SSM request")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk(region: &str, fips: bool, dual: bool) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder().region(aws_config::Region::new(region.to_owned())).use_fips(fips).use_dual_stack(dual).build()
    }

    #[test]
    fn the_endpoint_is_the_services_then_the_configurations_then_the_regions() {
        assert_eq!(endpoint(&sdk("eu-central-1", false, false), None).unwrap(), "https://ssm.eu-central-1.amazonaws.com");
        assert_eq!(endpoint(&sdk("us-gov-west-1", true, false), None).unwrap(), "https://ssm-fips.us-gov-west-1.amazonaws.com");
        assert_eq!(endpoint(&sdk("cn-north-1", false, false), None).unwrap(), "https://ssm.cn-north-1.amazonaws.com.cn");
        assert_eq!(endpoint(&sdk("eu-west-1", false, true), None).unwrap(), "https://ssm.eu-west-1.api.aws");
        let local = aws_config::SdkConfig::builder().endpoint_url("http://127.0.0.1:5000/").build();
        assert_eq!(endpoint(&local, None).unwrap(), "http://127.0.0.1:5000");
        assert_eq!(endpoint(&local, Some("http://127.0.0.1:6000".into())).unwrap(), "http://127.0.0.1:6000");
    }

    #[test]
    fn an_answer_gives_the_values_in_the_order_named_and_names_what_is_missing() {
        let answer = r#"{"Parameters":[{"Name":"/b","Value":"2","Type":"String"},{"Name":"/a","Value":"1","Type":"SecureString"}],"InvalidParameters":[]}"#;
        assert_eq!(values(&["/a", "/b"], answer).unwrap(), ["1", "2"]);
        let missing = values(&["/a", "/c"], r#"{"Parameters":[{"Name":"/a","Value":"1"}],"InvalidParameters":["/c"]}"#);
        assert!(missing.unwrap_err().to_string().contains("/c"));
        assert!(values(&["/a"], "<html>").is_err());
    }

    #[test]
    fn the_request_is_signed_for_ssm_with_the_target_and_json_type() {
        let creds = aws_credential_types::Credentials::new("AKID", "SECRET", Some("TOKEN".into()), None, "test");
        let req = signed("https://ssm.eu-central-1.amazonaws.com", "eu-central-1", &creds.into(), &body(&["/k"])).unwrap();
        let h = req.headers();
        assert_eq!(h.get("x-amz-target"), Some(TARGET));
        assert_eq!(h.get("content-type"), Some("application/x-amz-json-1.1"));
        assert_eq!(h.get("x-amz-security-token"), Some("TOKEN"));
        let auth = h.get("authorization").expect("signed");
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/"), "{auth}");
        assert!(auth.contains("/eu-central-1/ssm/aws4_request"), "{auth}");
        assert!(auth.contains("x-amz-target"), "the target is signed: {auth}");
        assert_eq!(req.body().bytes(), Some(br#"{"Names":["/k"],"WithDecryption":true}"#.as_slice()));
    }
}
