//! Tests of [`super`]: layering of the sources, validation, redaction and
//! the attachment settings.

use super::*;

#[test]
fn later_sources_win() {
    let dir = std::env::temp_dir().join(format!("helpline-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("helpline.toml");
    std::fs::write(
        &file,
        "request_timeout_secs = 10\naddr = \"127.0.0.1:9000\"\n",
    )
    .expect("write");
    let args = SettingsArgs {
        config: Some(file),
        addr: Some("127.0.0.1:9100".parse().expect("addr")),
        ..Default::default()
    };
    let s = Settings::resolve(&args).expect("valid");
    assert_eq!(s.request_timeout_secs, 10, "file beats default");
    assert_eq!(s.addr.port(), 9100, "flag/env beats file");
    assert_eq!(s.token_ttl_secs, 86_400, "default stays");
    assert_eq!(s.attachment_max_bytes, DEFAULT_ATTACHMENT_MAX_BYTES);
    assert_eq!(
        s.attachments_dir(),
        PathBuf::from("./data/attachments"),
        "beside the default database"
    );
}

#[test]
fn refuses_bad_values_and_hides_secrets() {
    let args = SettingsArgs {
        sqlite_synchronous: Some("off".into()),
        ..Default::default()
    };
    assert!(Settings::resolve(&args).is_err());
    let args = SettingsArgs {
        jwt_secret: Some("short".into()),
        ..Default::default()
    };
    assert!(Settings::resolve(&args).is_err());
    let args = SettingsArgs {
        jwt_secret: Some("x".repeat(40)),
        ..Default::default()
    };
    let shown = format!("{:?}", Settings::resolve(&args).expect("valid"));
    assert!(!shown.contains(&"x".repeat(40)));
    assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
    let args = SettingsArgs {
        attachment_max_bytes: Some(0),
        ..Default::default()
    };
    assert!(Settings::resolve(&args).is_err());
    let args = SettingsArgs {
        database_url: Some("postgres://h/db".into()),
        ..Default::default()
    };
    let s = Settings::resolve(&args).expect("valid");
    assert_eq!(s.attachments_dir(), PathBuf::from("./data/attachments"));
}

fn file_with(text: &str) -> (tempfile::TempDir, SettingsArgs) {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("helpline.toml");
    std::fs::write(&file, text).expect("write");
    let args = SettingsArgs {
        config: Some(file),
        ..Default::default()
    };
    (dir, args)
}

#[test]
fn the_file_takes_every_kind_of_value_and_refuses_unknown_keys() {
    let (_dir, mut args) = file_with(
        "sqlite_synchronous = \"NORMAL\"\nlog_format = \"json\"\njwt_secret = \"0123456789abcdef0123456789abcdef\"\n\
         rate_events_per_sec = 2.5\nattachments_dir = \"/tmp/files\"\nstun_urls = \"stun:a:3478, stun:b:3478\"\n\
         call_ring_timeout_secs = 20\n",
    );
    args.calls.call_ring_timeout_secs = Some(25);
    let s = Settings::resolve(&args).expect("valid");
    assert!(!s.sqlite_synchronous_full);
    assert_eq!(s.log_format, LogFormat::Json);
    assert!(s.jwt_secret.is_some());
    assert!((s.rate_events_per_sec - 2.5).abs() < f64::EPSILON);
    assert_eq!(s.attachments_dir(), PathBuf::from("/tmp/files"));
    assert_eq!(s.calls.stun_urls, ["stun:a:3478", "stun:b:3478"]);
    assert_eq!(s.calls.ring_timeout_secs, 25, "flag/env beats file");

    let (_dir, args) = file_with("adress = \"127.0.0.1:1\"\n");
    let error = Settings::resolve(&args).expect_err("a misspelt key");
    assert!(error.contains("unknown setting \"adress\""), "{error}");
    let (_dir, args) = file_with("request_timeout_secs = \"soon\"\n");
    let error = Settings::resolve(&args).expect_err("a wrong type");
    assert!(error.contains("request_timeout_secs"), "{error}");
    let (_dir, args) = file_with("log_format = \"xml\"\n");
    assert!(Settings::resolve(&args).is_err());
    let (_dir, args) = file_with("jwt_secret = 123456789\n");
    let error = Settings::resolve(&args).expect_err("a number");
    assert!(!error.contains("123456789"), "{error}");
    let (_dir, args) = file_with("jwt_secret = \"\"\n");
    assert_eq!(
        Settings::resolve(&args).expect("valid").jwt_secret,
        None,
        "empty is unset"
    );
}
