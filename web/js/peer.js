// One WebRTC peer connection for a call: the microphone (and camera), the
// ICE servers from GET /api/calls/{id}/ice-servers, offers and answers over
// webrtc:offer / webrtc:answer, trickle ICE over webrtc:ice, renegotiation
// when a camera is added, and a quality summary from getStats() at the end.
//
// Negotiation follows the "perfect negotiation" pattern: the side that made
// the first offer is impolite, the other polite, so two offers crossing
// (both turning on their camera at once) settle without a deadlock. The
// answering side adds its tracks only when the first offer arrives, so the
// first offer always comes from the caller (or, for a call started by a help
// request, from the seeker's device).
//
// Relay-only (TURN) can be forced for testing: the ice-servers response may
// carry `iceTransportPolicy`, and localStorage `helpline:iceTransportPolicy`
// set to "relay" overrides it on this device.

import { api } from "./api.js";

const POLICY_KEY = "helpline:iceTransportPolicy";

export class Peer {
  /**
   * @param {object} options
   * @param {string} options.callId
   * @param {"voice"|"video"} options.media what to capture at the start
   * @param {boolean} options.offerer whether this device makes the first offer
   * @param {(event: string, payload: object) => Promise<unknown>} options.signal sends a webrtc:* event
   */
  constructor({ callId, media, offerer, signal }) {
    this.callId = callId;
    this.media = media;
    this.offerer = offerer;
    this.polite = !offerer;
    this.signal = signal;
    this.listeners = new Map();
    this.remoteStream = new MediaStream();
    this.localStream = null;
    this.pc = null;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.tracksAdded = false;
    this.closed = false;
    this.early = [];
    // Every step (setup, each signaling message) runs in order.
    this.queue = Promise.resolve();
  }

  on(name, fn) {
    this.listeners.set(name, fn);
  }

  emit(name, detail) {
    this.listeners.get(name)?.(detail);
  }

  /** Runs `step` after everything queued before it. */
  enqueue(step) {
    this.queue = this.queue.then(() => (this.closed || this.failed ? undefined : step())).catch((error) => this.fail(error));
    return this.queue;
  }

  fail(error) {
    if (this.closed || this.failed) return;
    this.failed = true;
    this.emit("error", error);
  }

  /** Gets the microphone (and camera), the ICE servers, and the connection. */
  start() {
    return this.enqueue(async () => {
      // Browsers offer the microphone only to secure pages (https or localhost).
      if (!navigator.mediaDevices?.getUserMedia) throw new DOMException("Calls need a secure connection", "SecurityError");
      const [stream, ice] = await Promise.all([
        navigator.mediaDevices.getUserMedia({ audio: true, video: this.media === "video" }),
        api("GET", `/api/calls/${encodeURIComponent(this.callId)}/ice-servers`),
      ]);
      if (this.closed) return void stream.getTracks().forEach((t) => t.stop());
      this.localStream = stream;
      this.emit("local", stream);
      const forced = localStorage.getItem(POLICY_KEY);
      const policy = forced === "relay" || forced === "all" ? forced : ice.iceTransportPolicy === "relay" ? "relay" : "all";
      const pc = new RTCPeerConnection({ iceServers: ice.iceServers ?? [], iceTransportPolicy: policy });
      this.pc = pc;
      pc.onicecandidate = ({ candidate }) => {
        if (candidate) this.send("webrtc:ice", { callId: this.callId, candidate: candidate.toJSON() });
      };
      pc.ontrack = ({ track }) => {
        if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
        track.onunmute = () => this.emit("tracks", this.remoteStream);
        track.onended = () => {
          this.remoteStream.removeTrack(track);
          this.emit("tracks", this.remoteStream);
        };
        this.emit("tracks", this.remoteStream);
      };
      pc.onconnectionstatechange = () => {
        this.emit("state", pc.connectionState);
        // A lost path: the offerer asks for new candidates (an ICE restart).
        if (pc.connectionState === "failed" && this.offerer) pc.restartIce();
      };
      pc.onnegotiationneeded = () => this.enqueue(() => this.offer());
    });
  }

  /** The offering side starts negotiating (once the call is accepted: the
   *  server relays nothing before). */
  begin() {
    return this.enqueue(() => this.addTracks());
  }

  addTracks() {
    if (this.tracksAdded) return;
    this.tracksAdded = true;
    for (const track of this.localStream.getTracks()) this.pc.addTrack(track, this.localStream);
  }

  send(event, payload) {
    Promise.resolve(this.signal(event, payload)).catch(() => {});
  }

  async offer() {
    const pc = this.pc;
    if (!pc || this.closed || pc.signalingState !== "stable") return;
    try {
      this.makingOffer = true;
      await pc.setLocalDescription();
      this.send("webrtc:offer", { callId: this.callId, sdp: pc.localDescription.sdp });
    } finally {
      this.makingOffer = false;
    }
  }

  /** A webrtc:offer from the other device. */
  onOffer(sdp) {
    return this.enqueue(async () => {
      const pc = this.pc;
      const collision = this.makingOffer || pc.signalingState !== "stable";
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription({ type: "offer", sdp: sdpText(sdp) });
      await this.drainCandidates();
      // The answering side joins its tracks to the caller's transceivers.
      this.addTracks();
      await pc.setLocalDescription();
      this.send("webrtc:answer", { callId: this.callId, sdp: pc.localDescription.sdp });
    });
  }

  /** A webrtc:answer from the other device. */
  onAnswer(sdp) {
    return this.enqueue(async () => {
      if (this.pc.signalingState !== "have-local-offer") return;
      await this.pc.setRemoteDescription({ type: "answer", sdp: sdpText(sdp) });
      await this.drainCandidates();
    });
  }

  /** A webrtc:ice candidate from the other device. Candidates can overtake
   *  the offer they belong to (the browser finds them while the offer is
   *  still being sent), so they wait for a remote description. */
  onIce(candidate) {
    return this.enqueue(async () => {
      if (!this.pc.remoteDescription) return void this.early.push(candidate);
      await this.addCandidate(candidate);
    });
  }

  async addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!this.ignoreOffer) throw error;
    }
  }

  /** Adds the candidates that came before the remote description. */
  async drainCandidates() {
    const early = this.early.splice(0);
    for (const candidate of early) await this.addCandidate(candidate);
  }

  get audioTrack() {
    return this.localStream?.getAudioTracks()[0] ?? null;
  }

  get videoTrack() {
    return this.localStream?.getVideoTracks()[0] ?? null;
  }

  setMuted(muted) {
    if (this.audioTrack) this.audioTrack.enabled = !muted;
  }

  /** Turns the camera on or off. The first time in a voice call this adds a
   *  video track, which renegotiates the call. */
  async setCamera(on) {
    if (this.videoTrack) {
      this.videoTrack.enabled = on;
      return;
    }
    if (!on) return;
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    const [track] = stream.getVideoTracks();
    if (this.closed) return void track.stop();
    this.localStream.addTrack(track);
    this.emit("local", this.localStream);
    // Before the first offer arrives the answering side only collects tracks.
    if (this.tracksAdded) this.pc.addTrack(track, this.localStream);
  }

  /** A summary of the call's quality, from getStats(). */
  async stats() {
    if (!this.pc) return null;
    return summarize(await this.pc.getStats());
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.localStream?.getTracks().forEach((t) => t.stop());
    this.pc?.close();
  }
}

function sdpText(sdp) {
  return typeof sdp === "string" ? sdp : sdp?.sdp;
}

/** Round-trip time, jitter, loss and bytes from an RTCStatsReport. */
export function summarize(report) {
  const all = [...report.values()];
  const transport = all.find((s) => s.type === "transport" && s.selectedCandidatePairId);
  const pair =
    (transport && report.get(transport.selectedCandidatePairId)) ??
    all.find((s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
  const inbound = all.filter((s) => s.type === "inbound-rtp");
  const outbound = all.filter((s) => s.type === "outbound-rtp");
  const audioIn = inbound.find((s) => s.kind === "audio");
  const sum = (list, key) => list.reduce((total, s) => total + (s[key] ?? 0), 0);
  const received = sum(inbound, "packetsReceived");
  const lost = sum(inbound, "packetsLost");
  const local = pair && report.get(pair.localCandidateId);
  const remote = pair && report.get(pair.remoteCandidateId);
  const summary = {
    rttMs: pair?.currentRoundTripTime != null ? pair.currentRoundTripTime * 1000 : null,
    jitterMs: audioIn?.jitter != null ? audioIn.jitter * 1000 : null,
    packetsReceived: received,
    packetsLost: Math.max(0, lost),
    packetsSent: sum(outbound, "packetsSent"),
    bytesSent: pair?.bytesSent ?? 0,
    bytesReceived: pair?.bytesReceived ?? 0,
    audioPacketsReceived: audioIn?.packetsReceived ?? 0,
    localCandidateType: local?.candidateType ?? null,
    remoteCandidateType: remote?.candidateType ?? null,
  };
  // The server takes numbers only: leave out what the browser did not say.
  for (const [key, value] of Object.entries(summary)) if (value == null) delete summary[key];
  return summary;
}
