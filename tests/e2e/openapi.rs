//! The OpenAPI document (issue 11): served by the API, equal to the committed file the generator
//! writes (secboard-openapi's own tests hold that file equal to the code), and covering every
//! route of the route table with the method it is routed under. The routes' answers are held to
//! it by schemathesis in the test command (infra/schemathesis.sh).

use secboard_http::routes::ROUTES;
use secboard_tests::*;
use serde_json::Value;

#[tokio::test]
async fn the_api_serves_the_committed_openapi_document_covering_every_route() {
    let t = TestApp::spawn().await;
    let r = t.get("/api/openapi.json").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/json");
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json")).expect("docs/openapi.json");
    let committed: Value = serde_json::from_str(&file).expect("the committed document is JSON");
    assert_eq!(r.body, committed, "the served document is not the committed one");
    assert_eq!(r.body["openapi"], "3.1.0");
    for route in ROUTES {
        let op = &r.body["paths"][route.path()][route.method().to_ascii_lowercase()];
        assert!(op.is_object(), "{} is not in the document", route.key);
        assert_eq!(op["x-secboard-function"], route.function.name(), "{}", route.key);
        let problem = &op["responses"]["503"]["content"]["application/problem+json"]["schema"]["$ref"];
        assert_eq!(problem, "#/components/schemas/Problem", "{}: refusals are problem+json", route.key);
    }
    let operations: usize = r.body["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(operations, ROUTES.len(), "the document has operations the route table does not");
}
