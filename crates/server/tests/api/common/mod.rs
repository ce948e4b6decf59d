//! Test harness: the real server on port 0 (in-process, or as the real
//! `helpline` binary), on SQLite or on a fresh PostgreSQL database, with a
//! real Socket.IO client and an HTTP client.
#![allow(dead_code)]

pub mod attachments;
pub mod calls;
#[macro_use]
pub mod cluster;
pub mod postgres;
pub mod push_service;

use helpline_client::Client;
use helpline_server::config::Settings;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server.
pub struct TestApp {
    pub base: String,
    /// The server's clock: `clock.advance(…)` makes time pass at once.
    pub clock: helpline_core::ManualClock,
    pub http: reqwest::Client,
    pub settings: Settings,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _data: Option<tempfile::TempDir>,
    _database: Option<postgres::TestDatabase>,
}

/// A registered user with a token.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub token: String,
    pub user: Value,
}

static NAMES: AtomicUsize = AtomicUsize::new(0);

/// A fresh username.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", NAMES.fetch_add(1, Ordering::Relaxed))
}

impl TestApp {
    /// Starts a server on `backend` with `tweak` applied to the settings.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings {
            sweep_interval_ms: 50,
            ..Settings::default()
        };
        let (data, database) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                settings.database_url =
                    format!("sqlite://{}", dir.path().join("helpline.db").display());
                (Some(dir), None)
            }
            Backend::Postgres => {
                let database = postgres::TestDatabase::create().await;
                settings.database_url = database.url.clone();
                let dir = tempfile::tempdir().expect("tempdir");
                settings.attachments_dir = Some(dir.path().join("attachments"));
                (Some(dir), Some(database))
            }
        };
        tweak(&mut settings);
        Self::start(
            settings,
            helpline_core::ManualClock::default(),
            data,
            database,
        )
        .await
    }

    /// Starts a server on `backend` with test defaults.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts another server process-equivalent on the same database.
    pub async fn sibling(&self) -> Self {
        Self::start(self.settings.clone(), self.clock.clone(), None, None).await
    }

    async fn start(
        settings: Settings,
        clock: helpline_core::ManualClock,
        data: Option<tempfile::TempDir>,
        database: Option<postgres::TestDatabase>,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let run_settings = settings.clone();
        let run_clock = clock.clone();
        let task = tokio::spawn(async move {
            let clock = std::sync::Arc::new(run_clock);
            helpline_server::serve_with_clock(listener, run_settings, clock, async move {
                let _ = stopped.await;
            })
            .await
            .expect("server ran");
        });
        let app = Self {
            base,
            clock,
            http: reqwest::Client::new(),
            settings,
            stop: Some(stop),
            task: Some(task),
            _data: data,
            _database: database,
        };
        app.wait_healthy().await;
        app
    }

    async fn wait_healthy(&self) {
        for _ in 0..200 {
            if let Ok(response) = self.http.get(format!("{}/healthz", self.base)).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("server did not become healthy");
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
    }

    /// Stops the server gracefully and starts it again on the same
    /// database and clock (on a new port).
    pub async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task");
        }
        let mut fresh = Self::start(self.settings.clone(), self.clock.clone(), None, None).await;
        self.base = fresh.base.clone();
        self.stop = fresh.stop.take();
        self.task = fresh.task.take();
    }

    /// Any method with a JSON body, returning status and body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// POST JSON, returning status and body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// GET, returning status and body.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// POSTs a multipart body of `parts` (field name, file name, content
    /// type, bytes), returning status and body.
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        parts: &[(&str, Option<&str>, &str, &[u8])],
    ) -> (u16, Value) {
        let boundary = "helpline-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, file_name, content_type, bytes) in parts {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes(),
            );
            if let Some(file_name) = file_name {
                body.extend(format!("; filename=\"{file_name}\"").bytes());
            }
            body.extend(format!("\r\nContent-Type: {content_type}\r\n\r\n").bytes());
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// GET raw bytes: status, headers and body.
    pub async fn get_bytes(
        &self,
        path: &str,
        token: &str,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (
            status,
            headers,
            response.bytes().await.expect("body").to_vec(),
        )
    }

    /// Every file under the attachments directory.
    pub fn attachment_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.settings.attachments_dir(), &mut found);
        found
    }

    /// Registers a fresh account of `role`.
    pub async fn register(&self, role: &str) -> Account {
        self.register_speaking(role, &[]).await
    }

    /// Registers a fresh account of `role` who speaks `languages`.
    pub async fn register_speaking(&self, role: &str, languages: &[&str]) -> Account {
        let username = unique(&role[..3]);
        let (status, body) = self
            .post(
                "/api/auth/register",
                None,
                json!({"username": username, "password": "password123", "displayName": format!("{role} {username}"), "role": role, "languages": languages}),
            )
            .await;
        assert_eq!(status, 201, "register: {body}");
        Account {
            id: body["user"]["id"].as_str().expect("id").to_owned(),
            token: body["token"].as_str().expect("token").to_owned(),
            user: body["user"].clone(),
        }
    }

    /// Creates an account of any role the way `helpline user create` does
    /// (support accounts cannot register), then logs it in.
    pub async fn create_account(&self, role: helpline_core::user::Role) -> Account {
        let username = unique(&role.as_str()[..3]);
        let account = helpline_core::user::NewAccount::new(
            &username,
            "password123",
            &format!("Staff {username}"),
            role,
            vec![],
        )
        .expect("valid account");
        let store = helpline_server::open_store(&self.settings)
            .await
            .expect("open store");
        helpline_server::auth::create_account(store.as_ref(), &account)
            .await
            .expect("create account");
        store.close().await;
        let (status, body) = self
            .post(
                "/api/auth/login",
                None,
                json!({"username": username, "password": "password123"}),
            )
            .await;
        assert_eq!(status, 200, "login: {body}");
        Account {
            id: body["user"]["id"].as_str().expect("id").to_owned(),
            token: body["token"].as_str().expect("token").to_owned(),
            user: body["user"].clone(),
        }
    }

    /// Connects a Socket.IO client as `account`.
    pub async fn connect(&self, account: &Account) -> Client {
        Client::connect(
            &self.base,
            json!({"token": account.token, "receipts": true}),
        )
        .await
        .expect("connect")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A seeker and a volunteer in a freshly accepted conversation:
/// (seeker, volunteer, seeker's client, volunteer's client, conversation id).
/// Its first message (seq 1) is the server's "… accepted the request",
/// already taken off both clients' `message:new` queues.
pub async fn session(app: &TestApp) -> (Account, Account, Client, Client, Value) {
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .expect("ack"));
    let accepted = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .expect("ack"));
    // The conversation opens with the server's "… accepted the request"
    // (seq 1); both sides hear it before anything a test does.
    for client in [&mut s, &mut v] {
        let notice = client
            .event("message:new")
            .await
            .expect("the accepted notice");
        assert_eq!(
            (notice["type"].clone(), notice["seq"].clone()),
            (json!("system"), json!(1)),
            "{notice}"
        );
    }
    (seeker, volunteer, s, v, accepted["conversationId"].clone())
}

/// Asserts an ack is `{"ok":true}` and returns it.
#[track_caller]
pub fn ok(ack: Value) -> Value {
    assert_eq!(ack["ok"], json!(true), "expected ok, got {ack}");
    ack
}

/// Asserts an ack failed with `code`.
#[track_caller]
pub fn refused(ack: &Value, code: &str) {
    assert_eq!(ack["ok"], json!(false), "expected {code}, got {ack}");
    assert_eq!(
        ack["error"]["code"],
        json!(code),
        "expected {code}, got {ack}"
    );
    assert!(ack["error"]["message"].is_string(), "{ack}");
}

/// Generates a `sqlite::name` and a `postgres::name` test from
/// `async fn name(backend)`. In scope in every test module through
/// `#[macro_use] mod common;`, declared first in `main.rs`.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(crate::common::Backend::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(crate::common::Backend::Postgres).await })+
        }
    };
}
