// The in-call screen: who, the connection state in words, the running time,
// the other person's audio (and video), this device's camera preview, and
// Mute, Camera on/off and Hang up. After the call it says how it ended
// ("Priya did not answer", "Call ended · 4 minutes") with a Close button.
// A seeker also has "I need help" there (a safety alert about this call's chat).
//
// `element.pc` is the call's RTCPeerConnection (the browser tests read
// getStats() through it).

import { h, fill, icon, announce, duration, spokenDuration } from "../dom.js";
import { store } from "../state.js";
import "./help-dialog.js";

const CONNECTION = {
  new: "Connecting…",
  connecting: "Connecting…",
  connected: "Connected",
  disconnected: "Reconnecting…",
  failed: "The connection was lost. Trying again…",
  closed: "Call ended",
};

/** What the end of a call means, in words, for the person who sees it. */
function endText(call) {
  const { status, reason, message, mine, durationSecs } = call.ended;
  const name = call.name;
  if (message) return message;
  if (status === "ended") return `Call ended · ${spokenDuration(durationSecs ?? 0)}`;
  if (status === "cancelled") return mine ? "You cancelled the call." : `${name} hung up before the call was answered.`;
  if (status === "missed") return call.outgoing ? `${name} did not answer. You could send a message instead.` : `You missed a call from ${name}.`;
  if (status === "rejected" && reason === "busy") return `${name} is on another call. Please try again later.`;
  if (status === "rejected") return call.outgoing ? `${name} cannot take a call right now.` : "You declined the call.";
  if (reason === "offline") return "You are not connected, so the call could not be made. Please try again.";
  if (status === "failed" && call.connectedAt) return `The call with ${name} was cut off (${spokenDuration(durationSecs ?? 0)}). You can call again.`;
  return "The call could not be connected. Please try again.";
}

class CallScreen extends HTMLElement {
  connectedCallback() {
    this.dialog = h("dialog", { class: "call-screen", "aria-labelledby": "call-title" });
    this.dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      if (store.calls.current?.phase === "ended") store.calls.dismiss();
    });
    this.append(this.dialog);
    store.on("call", (call) => this.render(call));
    this.timer = setInterval(() => this.tick(), 1000);
  }

  /** The call's RTCPeerConnection, or null. */
  get pc() {
    return store.calls.current?.peer?.pc ?? null;
  }

  render(call) {
    clearTimeout(this.closeTimer);
    if (!call) {
      this.built = null;
      if (this.dialog.open) this.dialog.close();
      return;
    }
    if (this.built !== call) this.build(call);
    this.update(call);
    if (call.phase === "ended" && call.ended.status === "ended") this.closeTimer = setTimeout(() => store.calls.dismiss(), 5000);
  }

  build(call) {
    this.built = call;
    this.phase = null;
    this.heading = h("h2", { id: "call-title" });
    this.state = h("p", { class: "call-state", role: "status", "aria-live": "polite" });
    this.clock = h("p", { class: "call-time" });
    this.remoteVideo = h("video", { class: "remote-video", autoplay: true, playsinline: true, muted: true, hidden: true });
    this.remoteVideo.muted = true;
    this.localVideo = h("video", { class: "local-video", autoplay: true, playsinline: true, muted: true, hidden: true, "aria-label": "Your camera" });
    this.localVideo.muted = true;
    this.remoteAudio = h("audio", { class: "remote-audio", autoplay: true });
    this.avatar = h("div", { class: "avatar call-avatar", "aria-hidden": "true" }, call.name.slice(0, 1).toUpperCase());
    this.controls = h("div", { class: "actions call-actions" });
    fill(
      this.dialog,
      h(
        "div",
        { class: "call-body", "data-call": call.id ?? "" },
        this.heading,
        this.state,
        this.clock,
        h("div", { class: "call-media" }, this.avatar, this.remoteVideo, this.localVideo),
        this.remoteAudio,
        this.controls,
        store.user?.role === "seeker" ? h("div", { class: "call-help" }, h("hl-help-button", { conversation: call.conversationId ?? "" })) : null,
      ),
    );
    if (!this.dialog.open) this.dialog.showModal();
  }

  update(call) {
    const video = call.media === "video";
    this.heading.textContent = `${video ? "Video call" : "Call"} with ${call.name}`;
    this.dialog.querySelector(".call-body").dataset.call = call.id ?? "";
    this.dialog.querySelector(".call-body").dataset.phase = call.phase;
    const text = this.stateText(call);
    if (this.state.textContent !== text) this.state.textContent = text;
    this.dialog.dataset.phase = call.phase;
    this.dialog.dataset.connection = call.connection ?? "new";
    this.tick();
    this.media(call);
    if (this.phase !== call.phase) {
      const previous = this.phase;
      this.phase = call.phase;
      this.renderControls(call);
      const focus = this.controls.querySelector(call.phase === "ended" ? ".close" : ".hangup");
      if (previous !== "connecting" || call.phase !== "connected" || !this.dialog.contains(document.activeElement)) focus?.focus();
      if (call.phase === "ended") announce(text, true);
    } else this.renderControls(call);
  }

  stateText(call) {
    if (call.phase === "ended") return endText(call);
    if (call.phase === "calling") return `Calling ${call.name}…`;
    return CONNECTION[call.connection ?? "new"] ?? "Connecting…";
  }

  media(call) {
    const peer = call.peer;
    const live = call.phase !== "ended" && peer;
    const remote = live ? peer.remoteStream : null;
    if (this.remoteAudio.srcObject !== remote) this.remoteAudio.srcObject = remote;
    if (this.remoteVideo.srcObject !== remote) this.remoteVideo.srcObject = remote;
    const remoteVideo = !!remote?.getVideoTracks().some((t) => t.readyState === "live" && !t.muted);
    this.remoteVideo.hidden = !remoteVideo;
    this.remoteVideo.setAttribute("aria-label", `${call.name}'s camera`);
    this.avatar.hidden = remoteVideo;
    const local = live && peer.videoTrack && call.camera ? peer.localStream : null;
    if (this.localVideo.srcObject !== local) this.localVideo.srcObject = local;
    this.localVideo.hidden = !local;
  }

  renderControls(call) {
    if (call.phase === "ended") {
      if (this.controls.querySelector(".close")) return;
      return fill(this.controls, h("button", { type: "button", class: "primary big close", onclick: () => store.calls.dismiss() }, "Close"));
    }
    const ringing = call.phase === "calling";
    const key = `${ringing}:${call.muted}:${call.camera}`;
    if (this.controls.dataset.key === key) return;
    const focused = document.activeElement?.dataset?.control;
    this.controls.dataset.key = key;
    fill(
      this.controls,
      ringing
        ? null
        : h("button", { type: "button", class: "secondary big", "data-control": "mute", onclick: () => this.toggleMute(call) }, icon("mic"), call.muted ? "Unmute" : "Mute"),
      ringing
        ? null
        : h("button", { type: "button", class: "secondary big", "data-control": "camera", onclick: () => this.toggleCamera(call) }, icon("video"), call.camera ? "Turn camera off" : "Turn camera on"),
      h("button", { type: "button", class: "danger big hangup", "data-control": "hangup", onclick: () => store.calls.hangup() }, icon("hangup"), ringing ? "Cancel call" : "Hang up"),
    );
    if (focused) this.controls.querySelector(`[data-control="${focused}"]`)?.focus();
  }

  toggleMute(call) {
    call.muted = !call.muted;
    call.peer?.setMuted(call.muted);
    announce(call.muted ? "Your microphone is off." : "Your microphone is on.");
    store.emit("call", call);
  }

  async toggleCamera(call) {
    const on = !call.camera;
    try {
      await call.peer?.setCamera(on);
      call.camera = on;
      announce(on ? "Your camera is on." : "Your camera is off.");
    } catch {
      announce("We could not use your camera. Please allow it in your browser.", true);
    }
    store.emit("call", call);
  }

  tick() {
    const call = store.calls.current;
    if (!this.clock || !call) return;
    const secs = !call.connectedAt ? null : call.phase === "ended" ? call.ended.durationSecs : (Date.now() - call.connectedAt) / 1000;
    const text = secs == null ? "" : duration(secs);
    if (this.clock.dataset.text === text) return;
    this.clock.dataset.text = text;
    fill(this.clock, text ? [h("span", { class: "visually-hidden" }, "Call time "), h("time", null, text)] : null);
  }
}

customElements.define("hl-call-screen", CallScreen);
