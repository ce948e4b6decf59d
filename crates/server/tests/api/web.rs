//! The embedded web app: the shell at `/` and on app routes, files with their
//! types, the security headers, `ETag` revalidation, the service worker with
//! its build written in, and the API's JSON 404 left alone.

use crate::common::{Backend, TestApp};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_app_with_strict_headers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let get = |path: &str| app.http.get(format!("{}{path}", app.base)).send();

    let shell = get("/").await.expect("GET /");
    assert_eq!(shell.status(), 200);
    let headers = shell.headers().clone();
    assert_eq!(headers[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[CACHE_CONTROL], "no-cache");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    let body = shell.text().await.expect("body");
    assert!(body.contains("/js/main.js"));

    // App routes get the shell; a missing file does not.
    let route = get("/chats/some-id").await.expect("route");
    assert_eq!(route.status(), 200);
    assert_eq!(route.text().await.expect("body"), body);
    assert_eq!(get("/js/missing.js").await.expect("missing").status(), 404);

    let script = get("/js/main.js").await.expect("script");
    assert_eq!(
        script.headers()[CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    let manifest = get("/manifest.webmanifest").await.expect("manifest");
    assert_eq!(
        manifest.headers()[CONTENT_TYPE],
        "application/manifest+json"
    );

    // Revalidation.
    let etag = headers[ETAG].clone();
    let again = app
        .http
        .get(format!("{}/", app.base))
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .expect("revalidate");
    assert_eq!(again.status(), 304);

    // The service worker carries the build and the shell list, and skips the API.
    let worker = get("/sw.js").await.expect("sw").text().await.expect("body");
    assert!(!worker.contains("__HELPLINE_BUILD__") && !worker.contains("__HELPLINE_SHELL__"));
    assert!(worker.contains("\"/js/main.js\""));
    assert!(worker.contains("socket\\.io"));

    // The API keeps its own 404.
    let (status, body) = app.get("/api/nothing", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let posted = app
        .http
        .post(format!("{}/chats", app.base))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 404);
    app.stop().await;
}
