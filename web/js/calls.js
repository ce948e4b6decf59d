// Calls: the lifecycle events (call:invite, incoming, accept, accepted,
// answered_elsewhere, reject, cancel, hangup, ended), the signaling relayed
// to this device's Peer (webrtc:offer / answer / ice), calls started by a
// voice or video help request (session:started with a callId), and the
// quality report (call:stats) at the end.
//
// State for the views: `calls.current` (this device's call: phase
// "calling" → "connecting" → "connected" → "ended"), `calls.incoming`
// (a call ringing here) and `calls.rejoinable` (a call of this person's
// that no device here is in, after a reload: it can be taken back with
// call:resume). Views follow the store topics "call", "call-incoming" and
// "call-rejoin". After a reconnect this device takes its own call back
// (call:resume) and renegotiates; the other device hears call:resumed and
// answers the fresh offer with a fresh connection.

import { Peer } from "./peer.js";
import { api } from "./api.js";
import { notice, announce } from "./dom.js";
import { startRinging, stopRinging, notify } from "./alerts.js";

const MEDIA = { voice: "voice call", video: "video call" };

/** How long a failed connection may try to recover before the call ends. */
const LOST_MS = 20_000;

/** What went wrong with the microphone or camera, in words. */
const MEDIA_ERRORS = {
  NotAllowedError: "We could not use your microphone. Please allow it in your browser and try again.",
  NotFoundError: "We could not find a microphone on this device.",
  NotReadableError: "Your microphone is being used by another program. Please close it and try again.",
  SecurityError: "Calls need a secure connection (an address starting with https).",
};

export class Calls {
  constructor(store) {
    this.store = store;
    this.current = null;
    this.incoming = null;
    this.rejoinable = null;
    // Lifecycle events that arrived before the invite's ack named the call.
    this.early = new Map();
    // Signaling that arrived before this device's Peer was set up.
    this.waiting = [];
  }

  bind(socket) {
    socket.on("call:incoming", (p) => this.onIncoming(p));
    socket.on("call:accepted", (p) => this.onAccepted(p));
    socket.on("call:answered_elsewhere", (p) => this.onAnsweredElsewhere(p));
    socket.on("call:ended", (p) => this.onEnded(p));
    socket.on("call:resumed", (p) => this.onResumed(p));
    socket.on("call:moved", (p) => this.onMoved(p));
    socket.on("webrtc:offer", (p) => this.signal("offer", p));
    socket.on("webrtc:answer", (p) => this.signal("answer", p));
    socket.on("webrtc:ice", (p) => this.signal("ice", p));
  }

  /** Forgets everything (signing out). */
  reset() {
    this.current?.peer?.close();
    this.current = null;
    this.incoming = null;
    this.rejoinable = null;
    this.linked = null;
    stopRinging();
    this.emit();
  }

  emit() {
    this.store.emit("call", this.current);
    this.store.emit("call-incoming", this.incoming);
    this.store.emit("call-rejoin", this.rejoinable);
  }

  nameIn(conversationId) {
    return this.store.other(this.store.conversations.get(conversationId)).displayName;
  }

  get busy() {
    return !!this.current && this.current.phase !== "ended";
  }

  // -- placing a call ---------------------------------------------------------

  /** Calls the other person in a conversation. */
  async invite(conversationId, media) {
    // They are calling us right now: pressing Call answers them.
    if (this.incoming?.conversationId === conversationId) return this.accept();
    if (this.busy) return void notice("You are already in a call.");
    const name = this.nameIn(conversationId);
    const placed = { id: null, conversationId, media, name, outgoing: true, phase: "calling", muted: false, camera: media === "video" };
    this.current = placed;
    this.emit();
    let ack;
    try {
      ack = await this.store.socket.request("call:invite", { conversationId, media });
    } catch {
      return this.finish({ status: "failed", reason: "offline" }, null, placed);
    }
    if (!ack.ok) return this.finish({ status: "failed", reason: ack.error?.code ?? "error", message: ack.error?.message }, null, placed);
    const call = ack.call;
    if (this.current !== placed || placed.phase !== "calling") {
      // Hung up before the server answered: end it there too.
      const event = { ringing: "call:cancel", active: "call:hangup" }[call.status];
      if (event) this.store.socket?.request(event, { callId: call.id }).catch(() => null);
      return;
    }
    if (["rejected", "missed", "cancelled", "failed", "ended"].includes(call.status)) {
      this.current.id = call.id;
      return this.finish({ status: call.status, reason: call.reason });
    }
    if (call.status === "active" && call.callerId !== this.store.user.id) {
      // Glare: the other person's call to us won, and this device answers it.
      return this.adopt(call);
    }
    this.current.id = call.id;
    this.startPeer(true);
    // Glare the other way: our call won and is already active.
    if (call.status === "active") this.onAccepted({ callId: call.id, call });
    const early = this.early.get(call.id);
    this.early.clear();
    if (early?.ended) this.onEnded(early.ended);
    else if (early?.accepted) this.onAccepted(early.accepted);
  }

  /** Takes over a call this device is the answering side of (glare). */
  adopt(call) {
    const current = this.current;
    current?.peer?.close();
    if (this.incoming?.conversationId === call.conversationId) {
      this.incoming = null;
      stopRinging();
    }
    this.current = { id: call.id, conversationId: call.conversationId, media: call.media, name: this.nameIn(call.conversationId), outgoing: false, phase: "connecting", muted: false, camera: call.media === "video" };
    this.startPeer(false);
    this.emit();
  }

  /** The call a voice or video help request started (already accepted). The
   *  seeker's device that asked makes the offer; the volunteer's device that
   *  accepted answers. */
  fromSession({ callId, conversationId, requestType }, offerer) {
    if (this.current?.id === callId) return;
    this.current?.peer?.close();
    const media = requestType === "video" ? "video" : "voice";
    this.current = { id: callId, conversationId, media, name: this.nameIn(conversationId), outgoing: offerer, phase: "connecting", muted: false, camera: media === "video" };
    this.startPeer(offerer);
    if (offerer) this.current.peer.begin();
    this.emit();
  }

  startPeer(offerer) {
    const call = this.current;
    // A call here replaces any offer to rejoin another.
    this.rejoinable = null;
    const peer = new Peer({ callId: call.id, media: call.media, offerer, signal: (event, payload) => this.store.socket.request(event, payload) });
    call.peer = peer;
    peer.on("state", (state) => {
      if (call.phase === "ended") return;
      if (state === "connected" && !call.connectedAt) call.connectedAt = Date.now();
      call.connection = state;
      if (state === "connected") call.phase = "connected";
      // A path that stays lost (the other device went away without a
      // hang-up, or the network changed for good) ends the call.
      clearTimeout(call.lostTimer);
      if (state === "failed") call.lostTimer = setTimeout(() => this.hangup("The call was cut off. Please call again."), LOST_MS);
      this.emit();
    });
    peer.on("tracks", () => this.emit());
    peer.on("local", () => this.emit());
    peer.on("error", (error) => {
      if (call.phase === "ended" || call !== this.current) return;
      console.warn("call set-up failed:", error?.name, error?.message);
      // The call is gone on the server (a glare loser, or ended meanwhile):
      // its call:ended says how.
      if (error?.status === 404) return;
      this.hangup(MEDIA_ERRORS[error?.name] ?? "The call could not be set up. Please try again.");
    });
    peer.start();
    const queued = this.waiting.filter((s) => s.payload.callId === call.id);
    this.waiting = [];
    for (const s of queued) this.signal(s.kind, s.payload);
  }

  signal(kind, payload) {
    const peer = this.current?.id === payload.callId ? this.current.peer : null;
    if (!peer) {
      // Kept for a Peer about to start; a bounded list, in case it never does.
      this.waiting.push({ kind, payload });
      if (this.waiting.length > 200) this.waiting.shift();
      return;
    }
    if (kind === "offer") peer.onOffer(payload.sdp);
    else if (kind === "answer") peer.onAnswer(payload.sdp);
    else peer.onIce(payload.candidate);
  }

  onAccepted(p) {
    const call = this.current;
    if (!call) return;
    if (call.outgoing && !call.id && call.phase === "calling") return void this.early.set(p.callId, { accepted: p });
    // Glare: the other person's call won, accepted by this (inviting) device.
    const glare = call.outgoing && (call.phase === "calling" || call.glare) && p.call && p.call.conversationId === call.conversationId && p.call.callerId !== this.store.user.id;
    if (glare && call.id !== p.callId) return this.adopt(p.call);
    if (call.id !== p.callId || !call.outgoing || call.phase !== "calling") return;
    call.phase = "connecting";
    call.peer.begin();
    announce(`${call.name} answered.`);
    this.emit();
  }

  // -- a call ringing here ----------------------------------------------------

  onIncoming(p, { fromLink = false } = {}) {
    if (this.current?.id === p.callId || this.incoming?.callId === p.callId) return;
    // Both calling each other: the server settles it (call:accepted follows).
    if (this.current?.outgoing && this.current.phase === "calling" && this.current.conversationId === p.conversationId) return;
    const name = this.nameIn(p.conversationId);
    this.incoming = { ...p, name };
    if (!this.store.conversations.has(p.conversationId))
      this.store.refreshConversations().then(() => {
        if (this.incoming?.callId === p.callId) this.incoming.name = this.nameIn(p.conversationId);
        this.emit();
      });
    startRinging();
    // Opened from the notification of this call: it need not notify again.
    if (!fromLink) notify(`${name} is calling`, `A ${MEDIA[p.media] ?? "call"} on Helpline`, p.callId);
    this.emit();
  }

  /** A notification's link to a call (/chats/{id}?call={callId}): if the
   *  call still rings for this person, it rings here so they can answer;
   *  if it is over, nothing happens (the chat shows it). Checked once
   *  connected, so that Accept can work at once. */
  fromLink(callId, conversationId) {
    this.linked = { callId, conversationId };
    if (this.store.connection === "connected") this.followLink();
  }

  async followLink() {
    const link = this.linked;
    this.linked = null;
    if (!link || this.current?.id === link.callId || this.incoming?.callId === link.callId) return;
    let calls = [];
    try {
      ({ calls } = await api("GET", "/api/calls/live"));
    } catch {
      return;
    }
    const call = calls.find((c) => c.id === link.callId);
    if (!call || call.status !== "ringing" || call.callerId === this.store.user.id) return;
    this.onIncoming({ callId: call.id, conversationId: call.conversationId, callerId: call.callerId, media: call.media }, { fromLink: true });
  }

  async accept() {
    const p = this.incoming;
    if (!p) return;
    if (this.busy) await this.hangup();
    this.incoming = null;
    stopRinging();
    this.emit();
    let ack;
    try {
      ack = await this.store.socket.request("call:accept", { callId: p.callId });
    } catch {
      return void notice("You are not connected, so the call could not be answered.");
    }
    if (!ack.ok) return void notice(ack.error?.code === "conflict" ? "This call was answered on another device." : "This call has already ended.");
    this.current = { id: p.callId, conversationId: p.conversationId, media: p.media, name: p.name, outgoing: false, phase: "connecting", muted: false, camera: p.media === "video" };
    this.startPeer(false);
    this.emit();
  }

  async decline() {
    const p = this.incoming;
    if (!p) return;
    this.incoming = null;
    stopRinging();
    this.emit();
    await this.store.socket.request("call:reject", { callId: p.callId }).catch(() => null);
    announce(`You declined the call from ${p.name}.`);
  }

  onAnsweredElsewhere({ callId }) {
    if (this.incoming?.callId !== callId) return;
    this.incoming = null;
    stopRinging();
    notice("You answered this call on another device.");
    this.emit();
  }

  // -- the end ----------------------------------------------------------------

  /** Hangs up (or cancels a call still ringing). `message` explains why
   *  when the app ends it itself. */
  async hangup(message) {
    const call = this.current;
    if (!call || call.phase === "ended") return;
    const stats = await this.quality(call);
    let ended = null;
    if (call.id) {
      const send = (event) => this.store.socket?.request(event, { callId: call.id }).catch(() => null);
      let ack = await send(call.phase === "calling" ? "call:cancel" : "call:hangup");
      // Answered just as we cancelled: hang up instead.
      if (call.phase === "calling" && ack?.error?.code === "conflict") ack = await send("call:hangup");
      if (ack?.ok) ended = ack.call;
    }
    const status = ended?.status ?? (call.phase === "calling" ? "cancelled" : "ended");
    this.finish({ status, reason: ended?.reason ?? "hangup", durationSecs: ended?.durationSecs ?? undefined, message, mine: true }, stats, call);
  }

  onEnded(p) {
    if (this.rejoinable?.id === p.callId) {
      this.rejoinable = null;
      this.emit();
    }
    if (this.incoming?.callId === p.callId) {
      const name = this.incoming.name;
      this.incoming = null;
      stopRinging();
      if (p.status !== "rejected") notice(`You missed a call from ${name}.`);
      this.emit();
    }
    const call = this.current;
    if (!call) return;
    if (!call.id && call.outgoing && call.phase === "calling") return void this.early.set(p.callId, { ended: p });
    if (call.id !== p.callId) return;
    if (p.reason === "glare" && call.outgoing) {
      // Our call lost to theirs: call:accepted brings the one that survives.
      call.glare = true;
      call.peer?.close();
      call.peer = null;
      return;
    }
    if (call.phase === "ended") {
      // Our own hang-up came back: take the server's duration.
      if (p.durationSecs != null) call.ended.durationSecs = p.durationSecs;
      return this.emit();
    }
    this.quality(call).then((stats) => this.finish(p, stats, call));
  }

  /** The quality summary, read before the connection closes. */
  async quality(call) {
    try {
      return (await call.peer?.stats()) ?? null;
    } catch {
      return null;
    }
  }

  /** Ends `call` here (if it is still this device's call). */
  finish(ended, stats = null, call = this.current) {
    if (!call || call !== this.current || call.phase === "ended") return;
    call.phase = "ended";
    clearTimeout(call.lostTimer);
    call.ended = { ...ended, durationSecs: ended.durationSecs ?? (call.connectedAt ? Math.round((Date.now() - call.connectedAt) / 1000) : 0) };
    call.peer?.close();
    if (stats && call.id && call.connectedAt) this.store.socket?.request("call:stats", { callId: call.id, ...stats }).catch(() => null);
    this.emit();
  }

  // -- taking a call back ----------------------------------------------------

  /** Takes `call` back on this device (after a reconnect, or a reload): its
   *  signaling moves to this connection. With `renegotiate` (the default)
   *  this device starts a fresh connection; without, its media connection
   *  survived and goes on. False when the server refuses (the call ended). */
  async resume(call, renegotiate = true) {
    let ack;
    try {
      ack = await this.store.socket.request("call:resume", { callId: call.id, renegotiate });
    } catch {
      return false;
    }
    if (!ack.ok) return false;
    this.rejoinable = null;
    if (!renegotiate) return true;
    const live = ack.call;
    const previous = this.current;
    previous?.peer?.close();
    if (previous) clearTimeout(previous.lostTimer);
    const answeredAt = live.answeredAt ? Date.parse(live.answeredAt) : undefined;
    this.current = {
      id: live.id,
      conversationId: live.conversationId,
      media: live.media,
      name: this.nameIn(live.conversationId),
      outgoing: live.callerId === this.store.user.id,
      phase: live.status === "ringing" ? "calling" : "connecting",
      muted: false,
      camera: live.media === "video",
      connectedAt: previous?.id === live.id ? previous.connectedAt : answeredAt,
    };
    this.startPeer(true);
    if (live.status === "active") this.current.peer.begin();
    this.emit();
    return true;
  }

  /** The other person's device took the call back: unless its connection
   *  survived, a fresh offer comes from it, answered here by a fresh
   *  connection. */
  onResumed({ callId, renegotiate }) {
    const call = this.current;
    if (!call || call.id !== callId || call.phase === "ended" || renegotiate === false) return;
    call.peer?.close();
    clearTimeout(call.lostTimer);
    call.phase = "connecting";
    this.startPeer(false);
    this.emit();
  }

  /** Another device of this person took this device's call over: it stops
   *  here without hanging up. */
  onMoved({ callId }) {
    const call = this.current;
    if (!call || call.id !== callId || call.phase === "ended") return;
    call.peer?.close();
    clearTimeout(call.lostTimer);
    this.current = null;
    notice("Your call continues on your other device.");
    this.emit();
  }

  /** A live call of this person's that no device here is in (the app was
   *  reloaded mid-call): offered as "Rejoin". */
  async checkRejoin() {
    if (this.busy) return;
    let calls = [];
    try {
      ({ calls } = await api("GET", "/api/calls/live"));
    } catch {
      return;
    }
    const me = this.store.user.id;
    const call = calls.find((c) => c.status === "active" || (c.status === "ringing" && c.callerId === me));
    this.rejoinable = call && !this.busy ? { ...call, name: this.nameIn(call.conversationId) } : null;
    this.emit();
  }

  /** Rejoins the call offered by checkRejoin (moving it here from any
   *  other device of this person's). */
  async rejoin() {
    const call = this.rejoinable;
    if (!call) return;
    if (this.busy) return void notice("You are already in a call.");
    if (!(await this.resume(call))) {
      this.rejoinable = null;
      this.emit();
      notice("This call has already ended.");
    }
  }

  /** Ends the call offered by checkRejoin without rejoining it. */
  async endRejoinable() {
    const call = this.rejoinable;
    if (!call) return;
    this.rejoinable = null;
    this.emit();
    const event = call.status === "ringing" ? "call:cancel" : "call:hangup";
    await this.store.socket?.request(event, { callId: call.id }).catch(() => null);
  }

  /** After a reconnect: this device's call moves to the new connection; call
   *  events are not replayed, so ask the server whether the call ringing
   *  here, or this device's call, ended meanwhile. */
  async resync() {
    const call = this.busy && this.current.id ? this.current : null;
    // A media connection that survived the reconnect goes on; only its
    // signaling moves to the new connection.
    if (call && (await this.resume(call, call.connection !== "connected"))) {
      await this.checkRejoin();
      await this.followLink();
      return;
    }
    const watched = [this.incoming && { id: this.incoming.callId, conversationId: this.incoming.conversationId }, this.busy && this.current.id && this.current];
    for (const c of watched.filter(Boolean)) {
      try {
        const { calls } = await api("GET", `/api/calls?conversationId=${encodeURIComponent(c.conversationId)}`);
        const call = calls.find((x) => x.id === c.id);
        if (call && !["ringing", "active"].includes(call.status))
          this.onEnded({ callId: call.id, status: call.status, reason: call.reason, durationSecs: call.durationSecs });
      } catch {
        // offline again: the next connect asks again.
      }
    }
    await this.checkRejoin();
    await this.followLink();
  }

  /** Closes the end screen. */
  dismiss() {
    if (this.current?.phase !== "ended") return;
    this.current = null;
    this.emit();
  }
}
