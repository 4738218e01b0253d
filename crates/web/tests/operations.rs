//! What operations see: `/metrics` on its own address only, in Prometheus's text format, with
//! route templates for labels (never a path, a query, a token or an id), the pool, the survey
//! writer and the outbox; and each response's request id.

mod common;

use common::Backend;

backends!(metrics_are_served_apart_and_name_no_path);

async fn metrics_are_served_apart_and_name_no_path(backend: Backend) {
    let dir = pacesetter_store::testkit::TempDir::new();
    let mut config = pacesetter_web::Config::new("127.0.0.1:0", dir.path.clone());
    config.demo_password = Some(common::PASSWORD.into());
    config.demo_size = common::SIZE;
    config.metrics_addr = Some("127.0.0.1:0".into());
    if backend == Backend::Postgres {
        let Some(base) = pacesetter_store::testkit::postgres_url() else {
            assert!(!pacesetter_store::testkit::postgres_required(), "CI=true but PACESETTER_TEST_POSTGRES is not set");
            return;
        };
        config.database_url = Some(pacesetter_store::testkit::postgres_database(&base).await.unwrap());
    }
    let app = pacesetter_web::Application::build(config).await.unwrap();
    let metrics_at = app.metrics_address.expect("a metrics address");
    let addr = app.spawn();
    let t = common::TestApp::at(&format!("http://{addr}"));
    // The application's own address does not serve them.
    let anon = common::client(&t.base);
    assert_eq!(anon.get(t.url("/metrics")).send().await.unwrap().status(), 404);

    // Some traffic: pages with ids and queries, a survey link that does not exist.
    let office = t.login("office").await;
    let r = office.get(t.url("/people?q=%E5%BC%A0&page=2")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let id = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(id.len(), 16, "each response names its request");
    let r = office.get(t.url("/tasks/1")).header("x-request-id", "nginx-0123456789abcdef").send().await.unwrap();
    assert_eq!(r.headers().get("x-request-id").unwrap(), "nginx-0123456789abcdef", "the proxy's id is kept, so both logs name the request");
    let secret = "0123456789abcdef0123456789abcdef";
    assert_eq!(anon.get(t.url(&format!("/s/{secret}"))).send().await.unwrap().status(), 404);

    let text = reqwest::get(format!("http://{metrics_at}/metrics")).await.unwrap().text().await.unwrap();
    for needle in [
        "# TYPE pacesetter_http_request_duration_seconds histogram",
        "pacesetter_http_request_duration_seconds_count{route=\"/people\",method=\"GET\",status=\"200\"} 1",
        "route=\"/tasks/{id}\"",
        "route=\"/s/{token}\",method=\"GET\",status=\"404\"",
        "pacesetter_db_pool_connections ",
        "pacesetter_survey_writer_queue 0",
        "pacesetter_survey_writer_batches_total ",
        "pacesetter_outbox_pending ",
        "pacesetter_database_up 1",
        "process_resident_memory_bytes ",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    assert!(!text.contains(secret) && !text.contains("q=") && !text.contains("page=2") && !text.contains("/tasks/1\""), "no path, query or token in a label");
    // Every line is a comment or `name{labels} number`.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok() || value == "+Inf", "{line}");
    }
}
