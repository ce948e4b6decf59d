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
