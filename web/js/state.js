// The app's state and everything that talks to the server: the socket, the
// conversations and their messages, the offline outbox, the seeker's
// request and the volunteer's offers. Views subscribe with `store.on(topic)`.
//
// Kept on this device (localStorage, per user): the outbox (messages written
// but not yet acknowledged, so they survive a reload), a cache of the
// conversation list and the last messages of each conversation (so the app
// opens instantly and works offline), and the volunteer's availability.

import { Socket } from "./socket.js";
import { api } from "./api.js";
import { notice, announce, go } from "./dom.js";
import { requestMethods } from "./requests.js";
import { Calls } from "./calls.js";

const CACHED_MESSAGES = 60;
const PAGE = 50;

class Store {
  constructor() {
    this.listeners = new Map();
    this.calls = new Calls(this);
  }

  on(topic, fn) {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic).add(fn);
    return () => this.listeners.get(topic)?.delete(fn);
  }

  emit(topic, detail) {
    for (const fn of [...(this.listeners.get(topic) ?? [])]) fn(detail);
  }

  /** Signs in: restores what this device kept, then connects. */
  start(session) {
    this.user = session.user;
    this.token = session.token;
    this.prefix = `helpline:${this.user.id}:`;
    this.conversations = new Map();
    this.messages = new Map();
    this.offers = new Map();
    this.typingTimers = new Map();
    this.typingSent = new Map();
    this.request = null;
    this.acceptedHere = new Set();
    this.viewing = null;
    this.flushing = false;
    this.archived = [];
    this.outbox = this.load("outbox") ?? [];
    this.otherRead = this.load("read") ?? {};
    this.availability = this.load("availability") ?? "available";
    const cache = this.load("cache");
    for (const c of cache?.conversations ?? []) this.conversations.set(c.id, c);
    for (const [id, list] of Object.entries(cache?.messages ?? {}))
      this.messages.set(id, { list, hasMore: (list[0]?.seq ?? 1) > 1, loaded: false });
    // receipts: this app acknowledges message:new, which tells senders it was delivered.
    this.socket = new Socket(() => ({ token: this.token, receipts: true }));
    this.bind();
    this.socket.connect();
    this.refreshConversations();
  }

  stop() {
    clearTimeout(this.cacheTimer);
    this.calls.reset();
    this.socket?.close();
    this.socket = null;
    this.user = null;
  }

  get connection() {
    return this.socket?.state ?? "closed";
  }

  load(name) {
    try {
      return JSON.parse(localStorage.getItem(this.prefix + name));
    } catch {
      return null;
    }
  }

  save(name, value) {
    try {
      localStorage.setItem(this.prefix + name, JSON.stringify(value));
    } catch {
      // storage full or unavailable: the app still works, it just forgets.
    }
  }

  saveCache() {
    clearTimeout(this.cacheTimer);
    this.cacheTimer = setTimeout(() => {
      const messages = {};
      for (const [id, entry] of this.messages) messages[id] = entry.list.slice(-CACHED_MESSAGES);
      this.save("cache", { conversations: [...this.conversations.values()], messages });
    }, 300);
  }

  // -- socket events ----------------------------------------------------------

  bind() {
    const s = this.socket;
    s.on("state", (state) => {
      this.emit("connection", state);
      if (state === "unauthorized") this.emit("signedout", "Please sign in again.");
    });
    s.on("connect", () => this.onConnect());
    s.on("message:new", (m) => this.onMessage(m));
    s.on("typing", ({ conversationId, isTyping }) => this.setTyping(conversationId, isTyping));
    s.on("message:read", ({ conversationId, userId, upToSeq }) => {
      this.otherRead[conversationId] = Math.max(this.otherRead[conversationId] ?? 0, upToSeq);
      this.save("read", this.otherRead);
      this.raiseMark(conversationId, userId, "readSeq", upToSeq);
      this.emit("messages", conversationId);
    });
    s.on("message:delivered", ({ conversationId, userId, upToSeq }) => {
      this.raiseMark(conversationId, userId, "deliveredSeq", upToSeq);
      this.emit("messages", conversationId);
    });
    s.on("conversation:archived", () => this.refreshConversations());
    s.on("chat:ended", ({ conversationId, endedBy }) => this.onEnded(conversationId, endedBy));
    s.on("session:started", (session) => this.onSession(session));
    s.on("seeker:incoming", (offer) => {
      if (this.availability !== "available") return;
      const fresh = !this.offers.has(offer.requestId);
      this.offers.set(offer.requestId, offer);
      this.emit("offers");
      if (fresh) this.emit("incoming", offer);
    });
    s.on("request:claimed", ({ requestId }) => this.dropOffer(requestId, "claimed"));
    s.on("request:cancelled", ({ requestId, reason }) => {
      if (this.user.role === "volunteer") this.dropOffer(requestId, reason ?? "cancelled");
      else this.requestEnded(requestId, "cancelled");
    });
    s.on("seeker:queued", ({ requestId }) => {
      if (this.request?.requestId === requestId) this.setRequest({ queued: true });
    });
    s.on("request:rejected", ({ requestId }) => this.requestEnded(requestId, "declined"));
    s.on("request:expired", ({ requestId }) => this.requestEnded(requestId, "expired"));
    s.on("conversation:started", () => this.refreshConversations());
    s.on("support:changed", (change) => this.emit("support", change));
    this.calls.bind(s);
  }

  async onConnect() {
    if (this.user.role === "volunteer") {
      // The server offers every waiting request again on connect.
      this.offers.clear();
      this.emit("offers");
      if (this.availability === "away")
        this.socket.request("volunteer:availability", { status: "away" }).catch(() => {});
    }
    if (this.user.role === "seeker") this.checkRequest();
    this.calls.resync();
    this.flush();
    await this.refreshConversations();
    for (const id of this.messages.keys()) this.sync(id);
  }

  onMessage(m) {
    const id = m.conversationId;
    this.merge(id, [m]);
    const mine = m.senderId === this.user.id;
    if (mine) this.unqueue(m.clientMessageId, id);
    const conversation = this.conversations.get(id);
    if (!conversation) return void this.refreshConversations();
    if (!conversation.lastMessage || conversation.lastMessage.seq < m.seq) conversation.lastMessage = m;
    if (!mine) {
      this.setTyping(id, false);
      if (this.viewing === id) this.markRead(id);
      else {
        conversation.unreadCount = (conversation.unreadCount ?? 0) + 1;
        announce(`New message from ${this.other(conversation).displayName}`);
      }
    }
    this.sortConversations();
    this.emit("conversations");
    this.emit("messages", id);
    this.saveCache();
  }

  onEnded(id, endedBy) {
    const conversation = this.conversations.get(id);
    if (conversation?.status === "ended") return;
    if (conversation) {
      conversation.status = "ended";
      conversation.endedAt ??= new Date().toISOString();
    }
    this.emit("conversations");
    this.emit("messages", id);
    this.emit("ended", { conversationId: id, endedBy, conversation });
    this.saveCache();
  }

  async onSession(session) {
    const { conversationId, requestId, callId } = session;
    const mine = this.request && (!this.request.requestId || this.request.requestId === requestId);
    if (this.user.role === "seeker" && mine) this.setRequest({ phase: "connecting", requestId });
    await this.refreshConversations();
    // A voice or video request: the call screen takes over from the overlay
    // on the seeker's asking device and the volunteer's accepting device.
    const calling = callId && (this.user.role === "seeker" ? mine : this.acceptedHere.has(requestId));
    if (calling) {
      if (this.user.role === "seeker") {
        this.setRequest(null);
        go(`/chats/${conversationId}`);
      }
      this.calls.fromSession(session, this.user.role === "seeker");
    } else if (this.user.role === "seeker" && mine) this.setRequest({ phase: "connected", conversationId });
    this.emit("session", session);
  }

  // -- conversations and messages ---------------------------------------------

  /** Raises a participant's read or delivered mark (never lowers it). */
  raiseMark(id, userId, field, seq) {
    const p = this.conversations.get(id)?.participants?.find((x) => x.id === userId);
    if (p) p[field] = Math.max(p[field] ?? 0, seq);
    if (field === "readSeq" && p) p.deliveredSeq = Math.max(p.deliveredSeq ?? 0, seq);
    this.saveCache();
  }

  /** The other person's marks: { seen, delivered } (reading implies delivery). */
  marks(id) {
    const p = this.other(this.conversations.get(id));
    const seen = Math.max(this.otherRead[id] ?? 0, p.readSeq ?? 0);
    return { seen, delivered: Math.max(seen, p.deliveredSeq ?? 0) };
  }

  /** Archives (or brings back) a conversation for this user. */
  async archive(id, archived) {
    await api("POST", `/api/conversations/${encodeURIComponent(id)}/${archived ? "archive" : "unarchive"}`, {});
    await this.refreshConversations();
  }

  /** Opens (or finds) a direct conversation with `participantId`; resolves with its id. */
  async startConversation(participantId) {
    const ack = await this.socket.request("conversation:start", { participantId });
    if (!ack.ok) throw new Error(ack.error?.message ?? "Something went wrong.");
    await this.refreshConversations();
    return ack.conversation.id;
  }

  async refreshConversations() {
    try {
      const [list, archived] = await Promise.all([
        api("GET", "/api/conversations", undefined, this.token),
        api("GET", "/api/conversations?archived=true", undefined, this.token),
      ]);
      this.conversations = new Map(list.map((c) => [c.id, c]));
      this.archived = archived;
      this.emit("conversations");
      this.saveCache();
    } catch (error) {
      if (error.status === 401) this.emit("signedout", "Please sign in again.");
    }
  }

  sortConversations() {
    const activity = (c) => c.lastMessage?.createdAt ?? c.endedAt ?? c.createdAt;
    this.conversations = new Map(
      [...this.conversations.values()].sort((a, b) => activity(b).localeCompare(activity(a))).map((c) => [c.id, c]),
    );
  }

  other(conversation) {
    return (
      conversation?.participants?.find((p) => p.id !== this.user.id) ?? { displayName: "Someone", role: "volunteer" }
    );
  }

  get unread() {
    let total = 0;
    for (const c of this.conversations.values()) total += c.unreadCount ?? 0;
    return total;
  }

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

  async loadOlder(id) {
    const entry = this.entry(id);
    const first = entry.list[0]?.seq;
    if (!first || !entry.hasMore) return;
    const path = `/api/conversations/${encodeURIComponent(id)}/messages?beforeSeq=${first}&limit=${PAGE}`;
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

  // -- sending, with the offline outbox ---------------------------------------

  send(conversationId, content) {
    const clientMessageId = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    this.outbox.push({ clientMessageId, conversationId, content, createdAt: new Date().toISOString(), status: "pending" });
    this.save("outbox", this.outbox);
    this.typing(conversationId, false);
    this.emit("messages", conversationId);
    this.flush();
  }

  pending(id) {
    return this.outbox.filter((item) => item.conversationId === id);
  }

  unqueue(clientMessageId, id) {
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((i) => !(i.clientMessageId === clientMessageId && i.conversationId === id));
    if (this.outbox.length !== before) this.save("outbox", this.outbox);
  }

  discard(clientMessageId) {
    const item = this.outbox.find((i) => i.clientMessageId === clientMessageId);
    this.outbox = this.outbox.filter((i) => i !== item);
    this.save("outbox", this.outbox);
    if (item) this.emit("messages", item.conversationId);
  }

  /** Sends every pending message, oldest first, each with its clientMessageId
   *  (so a retry after a lost ack is stored once). Stops at the first failure
   *  of the connection; the next connect continues. */
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let item;
      while (this.socket?.connected && (item = this.outbox.find((i) => i.status === "pending"))) {
        const { conversationId, content, clientMessageId } = item;
        let ack;
        try {
          ack = await this.socket.request("message:send", { conversationId, content, clientMessageId }, 15_000);
        } catch {
          break;
        }
        if (ack.ok) {
          this.unqueue(clientMessageId, conversationId);
          this.onMessage(ack.message);
        } else {
          item.status = "failed";
          item.error =
            ack.error?.code === "conversation_ended" ? "Not sent: this chat has ended." : "Not sent: it was refused.";
          this.save("outbox", this.outbox);
          this.emit("messages", conversationId);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  async endChat(id) {
    const ack = await this.socket.request("chat:end", { conversationId: id });
    if (!ack.ok && ack.error?.code !== "conversation_ended") throw new Error(ack.error?.message);
    if (this.conversations.get(id)?.status !== "ended") this.onEnded(id, this.user.id);
  }

  async rate(requestId, rating, feedback) {
    const body = feedback ? { rating, feedback } : { rating };
    return api("POST", `/api/requests/${encodeURIComponent(requestId)}/feedback`, body);
  }
}

/** The last seq before the first hole (what `message:sync` continues from). */
function contiguousEnd(list) {
  let end = list[0]?.seq ?? 0;
  for (const m of list) {
    if (m.seq > end + 1) break;
    end = m.seq;
  }
  return end;
}

Object.assign(Store.prototype, requestMethods);

export const store = new Store();
