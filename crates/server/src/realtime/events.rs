//! The names of the events clients send. One constant per event; handlers
//! are registered by these names only.

/// A seeker asks for help.
pub const SEEKER_REQUEST: &str = "seeker:request";
/// A seeker withdraws a pending request.
pub const REQUEST_CANCEL: &str = "request:cancel";
/// A seeker asks for the state of a request.
pub const REQUEST_STATUS: &str = "request:status";
/// A volunteer accepts a request.
pub const VOLUNTEER_ACCEPT: &str = "volunteer:accept";
/// A volunteer declines a request.
pub const VOLUNTEER_REJECT: &str = "volunteer:reject";
/// A volunteer says whether they take requests.
pub const VOLUNTEER_AVAILABILITY: &str = "volunteer:availability";
/// A participant sends a message.
pub const MESSAGE_SEND: &str = "message:send";
/// The sender edits a message's text.
pub const MESSAGE_EDIT: &str = "message:edit";
/// The sender deletes a message for everyone.
pub const MESSAGE_DELETE: &str = "message:delete";
/// A participant toggles a reaction.
pub const MESSAGE_REACT: &str = "message:react";
/// A participant catches up on missed messages.
pub const MESSAGE_SYNC: &str = "message:sync";
/// A participant started typing.
pub const TYPING_START: &str = "typing:start";
/// A participant stopped typing.
pub const TYPING_STOP: &str = "typing:stop";
/// A participant read up to a seq.
pub const MESSAGE_READ: &str = "message:read";
/// Start (or reopen the active) direct conversation with someone.
pub const CONVERSATION_START: &str = "conversation:start";
/// A participant sets the conversation's disappearing-message timer.
pub const CONVERSATION_SETTINGS: &str = "conversation:settings";
/// A participant ends the conversation.
pub const CHAT_END: &str = "chat:end";
/// A participant calls the other participant of a conversation.
pub const CALL_INVITE: &str = "call:invite";
/// A callee device answers a ringing call.
pub const CALL_ACCEPT: &str = "call:accept";
/// The callee declines a ringing call.
pub const CALL_REJECT: &str = "call:reject";
/// The caller withdraws a ringing call.
pub const CALL_CANCEL: &str = "call:cancel";
/// Either participant ends an active call.
pub const CALL_HANGUP: &str = "call:hangup";
/// A participant reports the call's quality.
pub const CALL_STATS: &str = "call:stats";
/// WebRTC offer to the other device of the call (relayed as the same event).
pub const WEBRTC_OFFER: &str = "webrtc:offer";
/// WebRTC answer to the other device of the call (relayed as the same event).
pub const WEBRTC_ANSWER: &str = "webrtc:answer";
/// An ICE candidate for the other device of the call (relayed as the same event).
pub const WEBRTC_ICE: &str = "webrtc:ice";
