//! Tests of packet reading and writing.

#![allow(clippy::unwrap_used)]

use super::*;

fn whole(packet: &Packet) -> String {
    let mut text = String::from_utf8(packet.head().to_vec()).unwrap();
    text.push_str(std::str::from_utf8(packet.body()).unwrap());
    text
}

#[test]
fn outgoing_packets() {
    let body = encode_event("message:new", &serde_json::json!({"a": "é\""})).unwrap();
    assert_eq!(
        whole(&Packet::event(body.clone())),
        r#"42["message:new",{"a":"é\""}]"#
    );
    assert_eq!(
        whole(&Packet::event_with_ack(17, body)),
        r#"4217["message:new",{"a":"é\""}]"#
    );
    let ack = encode_ack_args(&serde_json::json!({"ok": true})).unwrap();
    assert_eq!(
        whole(&Packet::ack(u64::MAX, ack)),
        r#"4318446744073709551615[{"ok":true}]"#
    );
    assert_eq!(whole(&Packet::connected("abc")), r#"40{"sid":"abc"}"#);
    assert_eq!(
        whole(&Packet::connect_error("/", "unauthorized")),
        r#"44{"message":"unauthorized"}"#
    );
    assert_eq!(
        whole(&Packet::connect_error("/admin", "Invalid namespace")),
        r#"44/admin,{"message":"Invalid namespace"}"#
    );
    assert_eq!(whole(&Packet::ping()), "2");
    assert_eq!(whole(&Packet::disconnect()), "41");
    assert_eq!(Packet::ping().len(), 1);
    // Bodies from pieces already encoded.
    assert_eq!(
        &encode_event_json("message:new", r#"{"seq":1}"#).unwrap()[..],
        br#"["message:new",{"seq":1}]"#
    );
    assert_eq!(
        &encode_ack_json(&[r#"{"ok":true,"message":"#, r#"{"seq":1}"#, "}"])[..],
        br#"[{"ok":true,"message":{"seq":1}}]"#
    );
    // A big body, then a small one: the scratch buffer starts afresh.
    let big = encode_ack_args(&"y".repeat(300_000)).unwrap();
    assert_eq!(big.len(), 300_004);
    assert_eq!(&encode_ack_args(&1).unwrap()[..], b"[1]");
}

#[test]
fn engine_packets() {
    assert_eq!(parse_engine("2probe"), Some(EnginePacket::Ping("probe")));
    assert_eq!(parse_engine("3"), Some(EnginePacket::Pong));
    assert_eq!(
        parse_engine("42[\"x\"]"),
        Some(EnginePacket::Message("2[\"x\"]"))
    );
    assert_eq!(parse_engine("5"), Some(EnginePacket::Upgrade));
    assert_eq!(parse_engine("1"), Some(EnginePacket::Close));
    assert_eq!(parse_engine("6"), Some(EnginePacket::Noop));
    assert_eq!(parse_engine("9"), None);
    assert_eq!(parse_engine(""), None);
}

#[test]
fn socket_packets() {
    let p = parse_socket(r#"0{"token":"t"}"#).unwrap();
    assert_eq!(
        (p.kind, p.namespace, p.ack, p.data),
        (SocketKind::Connect, "/", None, r#"{"token":"t"}"#)
    );
    let p = parse_socket("0/admin,").unwrap();
    assert_eq!((p.namespace, p.data), ("/admin", ""));
    let p = parse_socket("0/admin").unwrap();
    assert_eq!((p.namespace, p.data), ("/admin", ""));
    let p = parse_socket(r#"212["a",1]"#).unwrap();
    assert_eq!(
        (p.kind, p.ack, p.data),
        (SocketKind::Event, Some(12), r#"["a",1]"#)
    );
    let p = parse_socket(r#"2/x,3["a"]"#).unwrap();
    assert_eq!((p.namespace, p.ack, p.data), ("/x", Some(3), r#"["a"]"#));
    let p = parse_socket(r#"37[]"#).unwrap();
    assert_eq!((p.kind, p.ack, p.data), (SocketKind::Ack, Some(7), "[]"));
    let p = parse_socket(r#"52-9["a",{"_placeholder":true,"num":0}]"#).unwrap();
    assert_eq!(
        (p.kind, p.attachments, p.ack),
        (SocketKind::BinaryEvent, 2, Some(9))
    );
    assert_eq!(parse_socket("1").unwrap().kind, SocketKind::Disconnect);
    assert!(parse_socket("5x-[]").is_none());
    assert!(parse_socket("4{}").is_none());
    assert!(parse_socket("").is_none());
    assert!(parse_socket("299999999999999999999999[]").is_none());
}

#[test]
fn event_arguments() {
    let args = parse_event_args(r#"["message:send",{"a":1},2]"#);
    assert_eq!(args.name, "message:send");
    assert_eq!(args.first.unwrap().unwrap().get(), r#"{"a":1}"#);
    let args = parse_event_args(r#"["typing:start"]"#);
    assert_eq!(args.name, "typing:start");
    assert!(args.first.unwrap().is_none());
    // Nesting is the application's to limit when it reads the argument;
    // skipping over it here must not exhaust the stack.
    let deep = format!(
        r#"["message:send",{}1{}]"#,
        "[".repeat(500_000),
        "]".repeat(500_000)
    );
    let args = parse_event_args(&deep);
    assert_eq!(args.name, "message:send");
    assert!(args.first.unwrap().is_some());
    // The name survives arguments that do not parse.
    let args = parse_event_args(r#"["message:send",[[[1]]"#);
    assert_eq!(args.name, "message:send");
    assert_eq!(args.first.unwrap_err(), BadArguments::Invalid);
    let args = parse_event_args(r#"[ "a\"b" , {]"#);
    assert_eq!(args.name, "a\"b");
    assert_eq!(args.first.unwrap_err(), BadArguments::Invalid);
    let args = parse_event_args("{}");
    assert_eq!(args.name, "");
    assert!(args.first.is_err());
}
