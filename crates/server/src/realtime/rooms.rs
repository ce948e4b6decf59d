//! Who is in which room, in this process: every socket by its id, each
//! user's sockets, each active conversation's sockets, the support
//! agents' sockets and the sockets of seekers who asked to hear
//! `volunteer:presence` (`volunteers:watch`; support always hear it).
//!
//! A socket joins its user's room when admitted and its conversations'
//! rooms then and whenever one of its user's conversations starts; it
//! leaves all of them when it disconnects, and a conversation's room is
//! emptied when the conversation ends. The registry keeps, per socket, the
//! rooms it is in, so leaving costs only those rooms.

use super::SocketRef;
use helpline_core::user::Role;
use helpline_core::{ConversationId, UserId};
use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// One socket's entry: the handle and the rooms it is in.
struct Member {
    socket: SocketRef,
    user: UserId,
    conversations: Vec<ConversationId>,
    role: Role,
}

#[derive(Default)]
struct Registry {
    sockets: HashMap<String, Member>,
    users: HashMap<UserId, Vec<SocketRef>>,
    conversations: HashMap<ConversationId, Vec<SocketRef>>,
    support: Vec<SocketRef>,
    /// Seekers' sockets watching volunteers' presence, by socket id: there
    /// can be many, and leaving must stay cheap.
    seekers: HashMap<String, SocketRef>,
}

/// The rooms of this process.
#[derive(Default)]
pub struct Rooms {
    registry: RwLock<Registry>,
}

/// Removes `socket` from `list`.
fn without(list: &mut Vec<SocketRef>, socket: &SocketRef) {
    list.retain(|s| !s.same(socket));
}

impl Rooms {
    fn read(&self) -> RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `socket` as one of `user`'s (and a support agent's or a
    /// seeker's, by `role`).
    pub fn enter(&self, socket: &SocketRef, user: &UserId, role: Role) {
        let mut registry = self.write();
        registry
            .users
            .entry(user.clone())
            .or_default()
            .push(socket.clone());
        match role {
            Role::Support => registry.support.push(socket.clone()),
            // Seekers hear `volunteer:presence` only once they ask
            // (`volunteers:watch`, [`Rooms::watch`]).
            Role::Seeker | Role::Volunteer => {}
            // Refused at admission; nothing to hear if one got here.
            Role::Caregiver => {}
        }
        registry.sockets.insert(
            socket.id().to_owned(),
            Member {
                socket: socket.clone(),
                user: user.clone(),
                conversations: Vec::new(),
                role,
            },
        );
    }

    /// Puts `socket` (registered) into each of `conversations`' rooms.
    pub fn join(&self, socket: &SocketRef, conversations: &[ConversationId]) {
        let mut registry = self.write();
        let registry = &mut *registry;
        let Some(member) = registry.sockets.get_mut(socket.id()) else {
            return;
        };
        for conversation in conversations {
            if member.conversations.contains(conversation) {
                continue;
            }
            member.conversations.push(conversation.clone());
            registry
                .conversations
                .entry(conversation.clone())
                .or_default()
                .push(socket.clone());
        }
    }

    /// Puts every socket of `users` into `conversation`'s room.
    pub fn join_users(&self, users: &[UserId], conversation: &ConversationId) {
        let sockets: Vec<SocketRef> = {
            let registry = self.read();
            users
                .iter()
                .filter_map(|user| registry.users.get(user))
                .flatten()
                .cloned()
                .collect()
        };
        for socket in &sockets {
            self.join(socket, std::slice::from_ref(conversation));
        }
    }

    /// Empties `conversation`'s room.
    pub fn close(&self, conversation: &ConversationId) {
        let mut registry = self.write();
        let Some(sockets) = registry.conversations.remove(conversation) else {
            return;
        };
        for socket in sockets {
            if let Some(member) = registry.sockets.get_mut(socket.id()) {
                member.conversations.retain(|c| c != conversation);
            }
        }
    }

    /// Adds (or removes) a seeker's socket to those that hear
    /// `volunteer:presence`. A socket that has left is not added.
    pub fn watch(&self, socket: &SocketRef, watching: bool) {
        let mut registry = self.write();
        if !registry.sockets.contains_key(socket.id()) {
            return;
        }
        if watching {
            registry
                .seekers
                .insert(socket.id().to_owned(), socket.clone());
        } else {
            registry.seekers.remove(socket.id());
        }
    }

    /// Takes `socket` out of every room.
    pub fn leave(&self, socket: &SocketRef) {
        let mut registry = self.write();
        let Some(member) = registry.sockets.remove(socket.id()) else {
            return;
        };
        if let Some(list) = registry.users.get_mut(&member.user) {
            without(list, &member.socket);
            if list.is_empty() {
                registry.users.remove(&member.user);
            }
        }
        for conversation in &member.conversations {
            if let Some(list) = registry.conversations.get_mut(conversation) {
                without(list, &member.socket);
                if list.is_empty() {
                    registry.conversations.remove(conversation);
                }
            }
        }
        match member.role {
            Role::Support => without(&mut registry.support, &member.socket),
            Role::Seeker => {
                registry.seekers.remove(member.socket.id());
            }
            Role::Volunteer | Role::Caregiver => {}
        }
    }

    /// The socket with id `id`.
    pub fn socket(&self, id: &str) -> Option<SocketRef> {
        self.read().sockets.get(id).map(|m| m.socket.clone())
    }

    /// Runs `f` on every socket of each of `users`.
    pub fn each_of_users(&self, users: &[UserId], mut f: impl FnMut(&SocketRef)) {
        let registry = self.read();
        for socket in users.iter().filter_map(|u| registry.users.get(u)).flatten() {
            f(socket);
        }
    }

    /// Runs `f` on every socket in `conversation`'s room.
    pub fn each_in_conversation(
        &self,
        conversation: &ConversationId,
        mut f: impl FnMut(&SocketRef),
    ) {
        let registry = self.read();
        for socket in registry
            .conversations
            .get(conversation)
            .into_iter()
            .flatten()
        {
            f(socket);
        }
    }

    /// Runs `f` on every support agent's socket.
    pub fn each_support(&self, mut f: impl FnMut(&SocketRef)) {
        for socket in &self.read().support {
            f(socket);
        }
    }

    /// Runs `f` on every seeker's and every support agent's socket.
    pub fn each_seeker_and_support(&self, mut f: impl FnMut(&SocketRef)) {
        let registry = self.read();
        for socket in registry.seekers.values().chain(&registry.support) {
            f(socket);
        }
    }
}
