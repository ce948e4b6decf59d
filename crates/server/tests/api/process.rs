//! The real `helpline` binary: `user create`, a restart that keeps every
//! piece of data (and the generated token secret), and graceful SIGTERM.

use crate::common::{ok, postgres::TestDatabase};
use helpline_client::Client;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Child, Command, Stdio};

/// A `helpline` process on a free port.
struct Process {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Process {
    async fn start(database_url: &str) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_helpline"))
            .arg("serve")
            .env("HELPLINE_ADDR", format!("127.0.0.1:{port}"))
            .env("HELPLINE_DATABASE_URL", database_url)
            .env_remove("HELPLINE_JWT_SECRET")
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("spawn helpline");
        let process = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if matches!(http.get(format!("{}/healthz", process.base)).send().await, Ok(r) if r.status().is_success())
            {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("helpline did not start");
    }

    /// SIGTERM, then wait: a graceful stop exits 0.
    fn terminate(mut self) {
        let pid = self.child.id() as i32;
        assert_eq!(send_sigterm(pid), 0);
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
    }
}

/// Sends SIGTERM with the system `kill` command (the crate forbids unsafe code).
fn send_sigterm(pid: i32) -> i32 {
    Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .map(|s| s.code().unwrap_or(1))
        .unwrap_or(1)
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn user_create(database_url: &str, args: &[&str], password: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_helpline"))
        .args(["user", "create"])
        .args(args)
        .env("HELPLINE_DATABASE_URL", database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(password.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn get(base: &str, path: &str, token: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_all_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("data/helpline.db").display());
    // A support account created before the first start, on a fresh database.
    let (created, stdout, stderr) = user_create(
        &url,
        &[
            "--username",
            "staff",
            "--password-stdin",
            "--role",
            "support",
            "--display-name",
            "Staff",
        ],
        "s3cret-pass\n",
    );
    assert!(created, "{stderr}");
    let support: Value = serde_json::from_str(stdout.trim()).expect("user json");
    assert_eq!(
        (support["role"].clone(), support["displayName"].clone()),
        (json!("support"), json!("Staff"))
    );
    let (again, _, stderr) = user_create(
        &url,
        &[
            "--username",
            "staff",
            "--password-stdin",
            "--role",
            "support",
        ],
        "other-pass\n",
    );
    assert!(!again && stderr.contains("taken"), "{stderr}");
    let (bad, _, _) = user_create(
        &url,
        &["--username", "x", "--password-stdin", "--role", "support"],
        "s3cret-pass\n",
    );
    assert!(!bad, "a bad username is refused");

    let first = Process::start(&url).await;
    let (status, staff) = post(
        &first.base,
        "/api/auth/login",
        None,
        json!({"username": "staff", "password": "s3cret-pass"}),
    )
    .await;
    assert_eq!(
        (status, staff["user"]["role"].clone()),
        (200, json!("support"))
    );
    // Created while the server runs on the same database.
    let (created, _, stderr) = user_create(
        &url,
        &[
            "--username",
            "live",
            "--password-stdin",
            "--role",
            "volunteer",
        ],
        "live-pass-1\n",
    );
    assert!(created, "{stderr}");
    let (_, seeker) = post(&first.base, "/api/auth/register", None, json!({"username": "sam", "password": "password123", "displayName": "Sam", "role": "seeker"})).await;
    let (_, volunteer) = post(
        &first.base,
        "/api/auth/login",
        None,
        json!({"username": "live", "password": "live-pass-1"}),
    )
    .await;
    let seeker_token = seeker["token"].as_str().expect("token").to_owned();
    let s = Client::connect(&first.base, json!({"token": seeker_token}))
        .await
        .expect("connect");
    let v = Client::connect(&first.base, json!({"token": volunteer["token"]}))
        .await
        .expect("connect");
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "note": "after restart?"}),
        )
        .await
        .expect("ack"));
    let conversation = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .expect("ack"))["conversationId"]
        .clone();
    for i in 0..20 {
        ok(s.ack("message:send", json!({"conversationId": conversation, "content": format!("m{i}"), "clientMessageId": format!("{i}")})).await.expect("ack"));
    }
    let pending_seeker = post(&first.base, "/api/auth/register", None, json!({"username": "pat", "password": "password123", "displayName": "Pat", "role": "seeker"})).await.1;
    let p = Client::connect(&first.base, json!({"token": pending_seeker["token"]}))
        .await
        .expect("connect");
    ok(v.ack("volunteer:availability", json!({"status": "away"}))
        .await
        .expect("ack"));
    let pending = ok(p
        .ack("seeker:request", json!({"requestType": "voice"}))
        .await
        .expect("ack"));
    drop((s, v, p));
    first.terminate();

    let second = Process::start(&url).await;
    // The old token still works: the generated secret was kept.
    let history = get(
        &second.base,
        &format!(
            "/api/conversations/{}/messages",
            conversation.as_str().expect("id")
        ),
        &seeker_token,
    )
    .await;
    // After the server's "… accepted the request" (seq 1).
    let contents: Vec<&str> = history["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["type"] == "text")
        .map(|m| m["content"].as_str().expect("text"))
        .collect();
    assert_eq!(contents.len(), 20);
    assert_eq!((contents[0], contents[19]), ("m0", "m19"));
    assert_eq!(history["messages"][0]["type"], "system");
    let requests = get(&second.base, "/api/requests", &seeker_token).await;
    assert_eq!(
        (requests[0]["status"].clone(), requests[0]["note"].clone()),
        (json!("accepted"), json!("after restart?"))
    );
    // The pending request survived and is offered to a volunteer who
    // becomes available now (their "away" was kept across the restart).
    let mut v = Client::connect(&second.base, json!({"token": volunteer["token"]}))
        .await
        .expect("connect");
    let listed = get(&second.base, "/api/volunteers", &seeker_token).await;
    assert_eq!(listed[0]["availability"], "away", "{listed}");
    assert_eq!(
        ok(
            v.ack("volunteer:availability", json!({"status": "available"}))
                .await
                .expect("ack")
        )["status"],
        "available"
    );
    assert_eq!(
        v.event("seeker:incoming").await.expect("offer")["requestId"],
        pending["requestId"]
    );
    // And the conversation is still open: the volunteer's socket rejoined its room.
    let s = Client::connect(&second.base, json!({"token": seeker_token}))
        .await
        .expect("connect");
    ok(s.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "back", "clientMessageId": "back"}),
    )
    .await
    .expect("ack"));
    let live = v.event("message:new").await.expect("message");
    assert_eq!(
        (live["seq"].clone(), live["content"].clone()),
        (json!(22), json!("back"))
    );
    drop((s, v));
    second.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgres() {
    let database = TestDatabase::create().await;
    let (a, b) = (
        Process::start(&database.url).await,
        Process::start(&database.url).await,
    );
    // Both processes agreed on one generated secret: a token from one works on the other.
    let (_, seeker) = post(&a.base, "/api/auth/register", None, json!({"username": "sue", "password": "password123", "displayName": "Sue", "role": "seeker"})).await;
    let s = Client::connect(&b.base, json!({"token": seeker["token"]}))
        .await
        .expect("token valid on the other node");
    let mut volunteers = Vec::new();
    for i in 0..50 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let (status, account) = post(base, "/api/auth/register", None, json!({"username": format!("vol{i}"), "password": "password123", "displayName": format!("V{i}"), "role": "volunteer"})).await;
        assert_eq!(status, 201);
        volunteers.push(
            Client::connect(base, json!({"token": account["token"]}))
                .await
                .expect("connect"),
        );
    }
    for round in 0..5 {
        let request = ok(s
            .ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .expect("ack"));
        let acks = futures::future::join_all(volunteers.iter().map(|v| {
            v.ack(
                "volunteer:accept",
                json!({"requestId": request["requestId"]}),
            )
        }))
        .await;
        let winners: Vec<&Value> = acks
            .iter()
            .map(|a| a.as_ref().expect("ack"))
            .filter(|a| a["ok"] == true)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {acks:?}");
        let losers = acks
            .iter()
            .map(|a| a.as_ref().expect("ack"))
            .filter(|a| a["ok"] != true);
        assert!(
            losers
                .into_iter()
                .all(|a| a["error"]["code"] == "already_claimed")
        );
        ok(s.ack(
            "chat:end",
            json!({"conversationId": winners[0]["conversationId"]}),
        )
        .await
        .expect("ack"));
    }
    drop((s, volunteers));
    a.terminate();
    b.terminate();
}
