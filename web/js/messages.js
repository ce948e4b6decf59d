// The messages half of the app's state: each conversation's loaded history
// (pages, catching up after a disconnect, read marks, typing) and the
// changes the server tells about (edits, deletions, reactions). Installed
// onto the Store class in state.js, so `this` is the store.

import { api } from "./api.js";

const PAGE = 50;

export class History {
  entry(id) {
    if (!this.messages.has(id)) this.messages.set(id, { list: [], hasMore: false, loaded: false });
    return this.messages.get(id);
  }

  /** Adds server messages (by seq, without duplicates). */
  merge(id, messages, { front = false } = {}) {
    const entry = this.entry(id);
    const last = entry.list.at(-1)?.seq ?? 0;
    const bySeq = new Map(entry.list.map((m) => [m.seq, m]));
    for (const m of messages) bySeq.set(m.seq, m);
    entry.list = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    // seq counts 1, 2, 3… without gaps: older messages exist unless we hold seq 1.
    entry.hasMore = (entry.list[0]?.seq ?? 1) > 1;
    // A gap after what we had means we missed something: catch up.
    if (!front && last && messages.length && messages[0].seq > last + 1) this.sync(id);
  }

  /** The newest page, joined to what this device has when they meet. */
  async loadLatest(id) {
    const entry = this.entry(id);
    try {
      const page = await api("GET", `/api/conversations/${encodeURIComponent(id)}/messages?limit=${PAGE}`);
      const last = entry.list.at(-1)?.seq ?? 0;
      if (page.messages.length && page.messages[0].seq > last + 1) entry.list = [];
      entry.loaded = true;
      this.merge(id, page.messages);
    } catch (error) {
      if (error.status === 404) this.messages.delete(id);
    }
    this.emit("messages", id);
    this.saveCache();
  }

  /** Loads older pages until `seq` is in the list (a search hit or a
   *  quoted message); resolves true when it is. */
  async loadUntil(id, seq) {
    const entry = this.entry(id);
    if (!entry.loaded) await this.loadLatest(id);
    while (entry.list.length && entry.list[0].seq > seq && entry.hasMore) {
      const before = entry.list[0].seq;
      await this.loadOlder(id, 100);
      if (entry.list[0].seq === before) break;
    }
    return entry.list.some((m) => m.seq === seq);
  }

  async loadOlder(id, limit = PAGE) {
    const entry = this.entry(id);
    const first = entry.list[0]?.seq;
    if (!first || !entry.hasMore) return;
    const path = `/api/conversations/${encodeURIComponent(id)}/messages?beforeSeq=${first}&limit=${limit}`;
    const page = await api("GET", path);
    this.merge(id, page.messages, { front: true });
    this.emit("messages", id);
  }

  /** Fetches what was missed while disconnected. */
  async sync(id) {
    const entry = this.entry(id);
    if (entry.syncing || !this.socket?.connected) return;
    entry.syncing = true;
    try {
      for (;;) {
        const after = contiguousEnd(entry.list);
        const ack = await this.socket.request("message:sync", { conversationId: id, afterSeq: after, limit: 500 });
        if (!ack.ok) break;
        this.merge(id, ack.messages);
        if (!ack.hasMore || !ack.messages.length) break;
      }
      const conversation = this.conversations.get(id);
      const newest = entry.list.at(-1);
      if (conversation && newest && (!conversation.lastMessage || conversation.lastMessage.seq < newest.seq))
        conversation.lastMessage = newest;
      if (this.viewing === id) this.markRead(id);
      this.emit("messages", id);
      this.emit("conversations");
      this.saveCache();
    } catch {
      // disconnected again: the next connect syncs.
    } finally {
      entry.syncing = false;
    }
  }

  markRead(id) {
    const conversation = this.conversations.get(id);
    const newest = this.messages.get(id)?.list.at(-1)?.seq ?? conversation?.lastMessage?.seq ?? 0;
    if (!conversation || document.visibilityState !== "visible") return;
    if ((conversation.lastReadSeq ?? 0) >= newest && !conversation.unreadCount) return;
    conversation.lastReadSeq = newest;
    conversation.unreadCount = 0;
    this.emit("conversations");
    this.socket?.request("message:read", { conversationId: id, upToSeq: newest }).catch(() => {});
  }

  setTyping(id, isTyping) {
    clearTimeout(this.typingTimers.get(id));
    this.typingTimers.delete(id);
    if (isTyping) this.typingTimers.set(id, setTimeout(() => this.setTyping(id, false), 8000));
    this.emit("typing", id);
  }

  isTyping(id) {
    return this.typingTimers.has(id);
  }

  /** Tells the other person we are typing (at most every few seconds). */
  typing(id, active) {
    if (!this.socket?.connected) return;
    const sent = this.typingSent.get(id);
    if (active) {
      clearTimeout(sent?.stop);
      const stop = setTimeout(() => this.typing(id, false), 4000);
      if (!sent) this.socket.request("typing:start", { conversationId: id }).catch(() => {});
      this.typingSent.set(id, { stop });
    } else if (sent) {
      clearTimeout(sent.stop);
      this.typingSent.delete(id);
      this.socket.request("typing:stop", { conversationId: id }).catch(() => {});
    }
  }

  // -- changes to messages, from the server ---------------------------------

  /** Finds a loaded message by id. */
  findMessage(id, messageId) {
    return this.messages.get(id)?.list.find((m) => m.id === messageId);
  }

  /** Replaces a message (an edit, or a changed reply preview) where it is loaded. */
  replaceMessage(m) {
    const id = m.conversationId;
    const list = this.messages.get(id)?.list;
    const at = list?.findIndex((x) => x.seq === m.seq) ?? -1;
    if (at >= 0) list[at] = m;
    const conversation = this.conversations.get(id);
    if (conversation?.lastMessage?.seq === m.seq) conversation.lastMessage = m;
    this.emit("messages", id);
    this.emit("conversations");
    this.saveCache();
  }

  /** A message deleted for everyone (by its sender or its timer): a
   *  tombstone keeps its place, and replies to it lose their preview. */
  onDeleted({ conversationId: id, messageId, seq }) {
    const tomb = (m) => ({ ...m, content: "", reactions: [], attachment: null, deletedAt: m.deletedAt ?? new Date().toISOString() });
    const list = this.messages.get(id)?.list ?? [];
    for (let i = 0; i < list.length; i++) {
      if (list[i].id === messageId || list[i].seq === seq) list[i] = tomb(list[i]);
      else if (list[i].replyTo?.id === messageId) list[i] = { ...list[i], replyTo: { ...list[i].replyTo, preview: "", deleted: true } };
    }
    const conversation = this.conversations.get(id);
    if (conversation?.lastMessage?.seq === seq) conversation.lastMessage = tomb(conversation.lastMessage);
    this.emit("messages", id);
    this.emit("conversations");
    this.saveCache();
  }

  onReaction({ conversationId: id, messageId, reactions }) {
    const m = this.findMessage(id, messageId);
    if (m) this.replaceMessage({ ...m, reactions });
  }

  onSettings({ conversationId: id, autoDeleteSecs }) {
    const conversation = this.conversations.get(id);
    if (!conversation) return;
    conversation.autoDeleteSecs = autoDeleteSecs;
    this.emit("conversations");
    this.saveCache();
  }

  // -- changing messages ------------------------------------------------------

  /** Sends a request over the socket; resolves with the ack or throws an
   *  Error with a message fit to show. */
  async command(event, payload) {
    if (!this.socket?.connected) throw new Error("You are not connected right now. Please try again in a moment.");
    const ack = await this.socket.request(event, payload);
    if (!ack.ok) throw new Error(REFUSALS[ack.error?.code] ?? ack.error?.message ?? "That did not work. Please try again.");
    return ack;
  }

  async editMessage(id, messageId, content) {
    const ack = await this.command("message:edit", { conversationId: id, messageId, content });
    this.replaceMessage(ack.message);
  }

  async deleteMessage(id, messageId) {
    const ack = await this.command("message:delete", { conversationId: id, messageId });
    this.onDeleted({ conversationId: id, messageId, seq: ack.seq });
  }

  /** Adds or takes back this user's `emoji` on a message. */
  async react(id, messageId, emoji) {
    const ack = await this.command("message:react", { conversationId: id, messageId, emoji });
    this.onReaction({ conversationId: id, messageId, reactions: ack.reactions });
  }

  /** Sets the chat's disappearing-messages timer (null: off, 0: view once). */
  async setTimer(id, autoDeleteSecs) {
    await this.command("conversation:settings", { conversationId: id, autoDeleteSecs });
    this.onSettings({ conversationId: id, autoDeleteSecs });
  }

  /** Full-text search over this user's chats, or one chat. */
  search(q, conversationId) {
    const params = new URLSearchParams({ q, limit: "30" });
    if (conversationId) params.set("conversationId", conversationId);
    return api("GET", `/api/search?${params}`);
  }
}

const REFUSALS = {
  conversation_ended: "This chat has ended, so that can no longer be changed.",
  not_found: "That message is no longer there.",
  forbidden: "You cannot do that in this chat.",
};

/** The last seq before the first hole (what `message:sync` continues from). */
function contiguousEnd(list) {
  let end = list[0]?.seq ?? 0;
  for (const m of list) {
    if (m.seq > end + 1) break;
    end = m.seq;
  }
  return end;
}
