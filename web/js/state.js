// The app's state and everything that talks to the server: the socket, the
// conversations and their messages, the offline outbox, the seeker's
// request and the volunteer's offers. Views subscribe with `store.on(topic)`.
//
// Kept on this device (localStorage, per user): the outbox (messages written
// but not yet acknowledged, so they survive a reload), a cache of the
// conversation list and the last messages of each conversation (so the app
// opens instantly and works offline), and the volunteer's availability.
// Whom this user blocked is not kept: it comes from the server on connect.
//
// The messages (history, edits, reactions), the outbox, the help request,
// blocking/reporting, safety alerts, check-ins and welfare checks live in
// their own modules, installed onto the Store.

import { Socket } from "./socket.js";
import { api, tokenExpired } from "./api.js";
import { notice, announce, go, serverClock } from "./dom.js";
import { requestMethods } from "./requests.js";
import { History } from "./messages.js";
import { Outbox } from "./outbox.js";
import { Safety } from "./safety.js";
import { SafetyAlerts } from "./safety-alerts.js";
import { Checkins } from "./checkins.js";
import { Welfare } from "./welfare.js";
import { Calls } from "./calls.js";

const CACHED_MESSAGES = 60;

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
    this.blocked = new Set();
    this.myAlerts = [];
    this.checkins = new Map();
    this.checkinsSupported = false;
    this.expired = false;
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
    this.myAlerts = [];
    this.emit("help", { alert: null, why: "stopped" });
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
      if (state === "unauthorized") this.emit("signedout", this.signedOutMessage());
    });
    // The server sends this just before it disconnects a socket whose token
    // expired; the reconnect that follows is refused ("unauthorized").
    s.on("auth:expired", () => (this.expired = true));
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
    s.on("message:edited", (m) => this.replaceMessage(m));
    s.on("message:deleted", (change) => this.onDeleted(change));
    s.on("message:reaction", (change) => this.onReaction(change));
    s.on("conversation:settings", (change) => this.onSettings(change));
    s.on("conversation:archived", () => this.refreshConversations());
    s.on("chat:ended", ({ conversationId, endedBy }) => this.onEnded(conversationId, endedBy));
    s.on("session:started", (session) => this.onSession(session));
    s.on("seeker:incoming", (offer) => {
      serverClock(offer.serverTime);
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
    // Newer servers: the request waited long enough that staff were told.
    s.on("request:escalated", ({ requestId }) => {
      if (this.request?.requestId === requestId) this.setRequest({ escalated: true });
    });
    // Newer servers: where the seeker's request stands in the waiting line.
    s.on("request:position", ({ requestId, position, estimatedWaitSecs }) => {
      if (this.request?.requestId === requestId) this.setRequest({ position, estimate: estimatedWaitSecs ?? null });
    });
    s.on("volunteer:auto_away", ({ missedOffers }) => this.onAutoAway(missedOffers));
    // Newer servers: a hard session ended; the volunteer may talk it over.
    s.on("wellbeing:debrief", (offer) => this.emit("debrief", offer));
    s.on("request:rejected", ({ requestId }) => this.requestEnded(requestId, "declined"));
    s.on("request:expired", ({ requestId }) => this.requestEnded(requestId, "expired"));
    s.on("conversation:started", () => this.refreshConversations());
    s.on("support:changed", (change) => this.emit("support", change));
    // Newer servers: a volunteer came online, went away or left (seekers
    // and support). Older servers send nothing, and the screens poll.
    s.on("volunteer:presence", (presence) => {
      this.presenceLive = true;
      this.emit("presence", presence);
    });
    s.on("report:new", (report) => this.emit("reports", report));
    // Newer servers: a request waited too long (support only).
    s.on("support:escalation", (escalation) => this.emit("escalation", escalation));
    this.bindAlerts(s);
    this.bindCheckins(s);
    this.bindWelfare(s);
    this.calls.bind(s);
  }

  /** What the sign-in screen says when the server refuses this session. */
  signedOutMessage() {
    return this.expired || tokenExpired(this.token)
      ? "Your session has expired. Please sign in again."
      : "Please sign in again.";
  }

  async onConnect() {
    if (this.user.role === "volunteer") {
      // The server offers every waiting request again on connect.
      this.offers.clear();
      this.emit("offers");
      this.adoptAvailability();
    }
    if (this.user.role === "seeker") this.checkRequest();
    this.calls.resync();
    this.flush();
    this.refreshBlocks();
    this.refreshMyAlerts();
    this.refreshCheckins();
    await this.refreshConversations();
    for (const id of this.messages.keys()) this.sync(id);
  }

  /** Newer servers remember a volunteer's availability, also while they are
   *  offline (GET /api/volunteers then has `onCall`): the server's is the
   *  latest choice made on any device, so this one shows it. Older servers
   *  forget it on disconnect, so a local "away" is sent again. */
  async adoptAvailability() {
    let me;
    try {
      me = (await api("GET", "/api/volunteers", undefined, this.token)).find((v) => v.id === this.user?.id);
    } catch {
      me = null;
    }
    const remembered = me && "onCall" in me && (me.availability === "away" || me.availability === "available");
    if (!remembered) {
      if (this.availability === "away")
        this.socket.request("volunteer:availability", { status: "away" }).catch(() => {});
      return;
    }
    if (me.availability === this.availability) return;
    this.availability = me.availability;
    this.save("availability", me.availability);
    if (me.availability === "away") {
      this.offers.clear();
      this.emit("offers");
    }
    this.emit("availability", me.availability);
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
      // Server notices ("… accepted the request") are never unread.
      else if (m.type !== "system") {
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
      if (error.status === 401) this.emit("signedout", this.signedOutMessage());
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

/** Copies a class's methods onto the Store (the store is split by topic). */
function mixin(source) {
  for (const name of Object.getOwnPropertyNames(source.prototype))
    if (name !== "constructor") Object.defineProperty(Store.prototype, name, Object.getOwnPropertyDescriptor(source.prototype, name));
}

Object.assign(Store.prototype, requestMethods);
mixin(History);
mixin(Outbox);
mixin(Safety);
mixin(SafetyAlerts);
mixin(Checkins);
mixin(Welfare);

export const store = new Store();
