//! Periodic work runs once however many servers share the database: two servers on one
//! database, both with a mail relay, deliver every message of the outbox exactly once, each
//! under a Message-ID of its own; a message leased to a server that died goes again under the
//! same Message-ID; and a job's lease goes to one server at a time and lapses when its holder
//! stops.

mod common;

use common::{Backend, TestApp};
use pacesetter_store::{OpenOptions, Store, lease, outbox};
use pacesetter_web::scheduler::{self, Job};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

backends!(two_servers_deliver_each_message_once, a_lease_goes_to_one_server_at_a_time);

/// A second server on the first one's database, with the same relay.
async fn second_server(app: &TestApp, smtp: &str) -> std::net::SocketAddr {
    let dir = pacesetter_store::testkit::TempDir::new();
    let mut config = pacesetter_web::Config::new("127.0.0.1:0", dir.path.clone());
    config.database_url = Some(app.db_url.clone());
    config.demo_password = Some(common::PASSWORD.into());
    config.demo_size = common::SIZE;
    config.smtp_url = Some(smtp.to_string());
    let second = pacesetter_web::Application::build(config).await.expect("a second server on the same database");
    std::mem::forget(dir);
    second.spawn()
}

async fn two_servers_deliver_each_message_once(backend: Backend) {
    let sink = common::smtp_sink().await;
    let smtp = format!("smtp://{}", sink.addr);
    let Some(app) = common::spawn_with(backend, |c| c.smtp_url = Some(smtp.clone())).await else { return };
    second_server(&app, &smtp).await;
    let store = Store::open(&app.db_url, &OpenOptions::default()).await.unwrap();
    const N: usize = 40;
    // Messages become due in four waves, so both servers have several turns at them.
    for wave in 0..4 {
        let mut w = store.write().await.unwrap();
        for i in 0..N / 4 {
            outbox::enqueue(&mut w, "someone@csust.edu.cn", &format!("msg-{wave}-{i}"), "body").await.unwrap();
        }
        w.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sink.messages.lock().unwrap().iter().filter(|m| m.subject().contains("msg-")).count() < N && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both servers keep running for a few more turns: nothing may go twice.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut subjects: Vec<String> = sink.messages.lock().unwrap().iter().map(|m| m.subject()).filter(|s| s.contains("msg-")).collect();
    subjects.sort();
    let total = subjects.len();
    subjects.dedup();
    assert_eq!((total, subjects.len()), (N, N), "every message delivered, and once");
    let mut ids: Vec<String> = sink.messages.lock().unwrap().iter().filter(|m| m.subject().contains("msg-")).map(|m| m.message_id()).collect();
    assert!(ids.iter().all(|i| i.starts_with("<outbox.") && i.ends_with("@localhost>")), "{ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N, "a Message-ID each");

    // A server claimed a message and died before sending it: once its lease lapses another
    // server sends it, under the Message-ID it would have had.
    let mut w = store.write().await.unwrap();
    let id = outbox::enqueue(&mut w, "someone@csust.edu.cn", "leased-then-died", "body").await.unwrap();
    let now = pacesetter_domain::dates::now_ms();
    let claimed = outbox::claim(&mut w, "a-dead-server", now, 100).await.unwrap();
    assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id]);
    let expected = outbox::message_id(&claimed[0], "localhost");
    w.commit().await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!sink.messages.lock().unwrap().iter().any(|m| m.subject().contains("leased-then-died")), "a leased message waits for its lease");
    let mut w = store.write().await.unwrap();
    w.execute(pacesetter_store::Sql::new("UPDATE outbox SET lease_until_ms = $1 WHERE id = $2").bind(now - 1).bind(id)).await.unwrap();
    w.commit().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !sink.messages.lock().unwrap().iter().any(|m| m.subject().contains("leased-then-died")) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent: Vec<String> = sink.messages.lock().unwrap().iter().filter(|m| m.subject().contains("leased-then-died")).map(|m| m.message_id()).collect();
    assert_eq!(sent, vec![expected], "sent once, under its Message-ID");
}

async fn a_lease_goes_to_one_server_at_a_time(backend: Backend) {
    let Some(app) = common::spawn(backend).await else { return };
    let store = Store::open(&app.db_url, &OpenOptions::default()).await.unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let job = Job::new("test-job", Duration::from_secs(3600), move |_store: Store| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok("ran".to_string())
        }
    });
    // Eight servers try the hourly job at once: one runs it.
    let mut hs = Vec::new();
    for i in 0..8 {
        let (store, job) = (Store::open(&app.db_url, &OpenOptions::default()).await.unwrap(), job.clone());
        hs.push(tokio::spawn(async move { scheduler::run_once(&store, &format!("server-{i}"), &job).await.unwrap() }));
    }
    let mut ran = 0;
    for h in hs {
        ran += usize::from(h.await.unwrap());
    }
    assert_eq!((ran, runs.load(Ordering::SeqCst)), (1, 1), "one server ran the job");
    // Until its next turn no one runs it again, the holder included.
    assert!(!scheduler::run_once(&store, "server-9", &job).await.unwrap());
    let mut c = store.read().await.unwrap();
    let l = lease::list(&mut c).await.unwrap().into_iter().find(|l| l.name == "test-job").unwrap();
    assert_eq!((l.runs, l.last_note.as_deref()), (1, Some("ran")));
    drop(c);
    // A holder that died mid-run loses the lease when it lapses; then another server runs it.
    let mut w = store.write().await.unwrap();
    assert!(!lease::take(&mut w, "test-job", "server-9", pacesetter_domain::dates::now_ms(), 1000).await.unwrap());
    w.execute(pacesetter_store::Sql::new("UPDATE job_leases SET until_ms = 0 WHERE name = 'test-job'")).await.unwrap();
    w.commit().await.unwrap();
    assert!(scheduler::run_once(&store, "server-9", &job).await.unwrap());
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}
