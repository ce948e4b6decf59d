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
