// <hl-voice-recorder conversation="…">: "Record voice message" (a
// microphone) where the composer's Send is while the text box is empty. Recording (MediaRecorder, Opus in WebM or Ogg) shows its
// running time and Stop in `this.panel`; then the recording can be played
// back and sent (uploaded, then sent as a `voice` message through the
// outbox) or discarded. The microphone is released as soon as recording
// stops.

import { h, fill, icon, announce, duration, spokenDuration } from "../dom.js";
import { store } from "../state.js";
import { upload, uploadError } from "../attachments.js";

const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/ogg"];

class VoiceRecorder extends HTMLElement {
  constructor() {
    super();
    this.panel = h("div", { class: "composer-panel", id: `voice-panel-${Math.random().toString(36).slice(2)}`, role: "group", "aria-label": "Voice message", hidden: true });
  }

  connectedCallback() {
    if (this.button) return;
    this.cid = this.getAttribute("conversation");
    this.button = h(
      "button",
      { type: "button", class: "secondary", "data-key": "record", "aria-controls": this.panel.id, onclick: () => this.start() },
      icon("mic"),
      h("span", { class: "visually-hidden" }, "Record voice message"),
    );
    fill(this, this.button);
  }

  disconnectedCallback() {
    this.reset();
    this.button = null;
  }

  /** Stops the microphone and forgets the recording. */
  reset() {
    clearInterval(this.ticker);
    if (this.recorder?.state === "recording") {
      this.recorder.onstop = null;
      this.recorder.stop();
    }
    this.stream?.getTracks().forEach((t) => t.stop());
    if (this.url) URL.revokeObjectURL(this.url);
    Object.assign(this, { recorder: null, stream: null, blob: null, url: null, error: null });
  }

  show(...children) {
    this.panel.hidden = children.length === 0;
    if (this.button) this.button.disabled = children.length !== 0;
    fill(this.panel, children);
    this.panel.querySelector("button.primary")?.focus();
  }

  problem(text) {
    this.show(
      h("p", { class: "panel-error", role: "alert" }, text),
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => this.close() }, "OK")),
    );
  }

  close(message) {
    this.reset();
    this.show();
    this.button?.focus();
    if (message) announce(message);
  }

  async start() {
    this.reset();
    if (!navigator.mediaDevices?.getUserMedia || !window.MediaRecorder)
      return this.problem("Recording needs a secure connection (https) and an up-to-date browser.");
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return this.problem("Helpline could not use your microphone. Please allow the microphone in your browser's settings, then try again.");
    }
    const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    const recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : undefined);
    const chunks = [];
    recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    recorder.onstop = () => {
      clearInterval(this.ticker);
      this.stream?.getTracks().forEach((t) => t.stop());
      this.stream = null;
      this.blob = new Blob(chunks, { type: (recorder.mimeType || mimeType || "audio/webm").split(";")[0] });
      this.preview();
    };
    this.recorder = recorder;
    recorder.start();
    const started = Date.now();
    const time = h("span", { class: "record-time" }, "0:00");
    this.ticker = setInterval(() => {
      this.length = (Date.now() - started) / 1000;
      time.textContent = duration(this.length);
    }, 250);
    this.show(
      h("p", { class: "recording" }, h("span", { class: "rec-dot", "aria-hidden": "true" }), "Recording… ", time),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "primary", "data-key": "stop", onclick: () => recorder.stop() }, "Stop"),
        h("button", { type: "button", class: "secondary", "data-key": "discard", onclick: () => this.close("Recording discarded.") }, "Discard"),
      ),
    );
    announce("Recording. Press Stop when you have finished.");
  }

  preview() {
    this.url = URL.createObjectURL(this.blob);
    const secs = Math.max(1, Math.round(this.length ?? 0));
    this.show(
      h("p", { class: "panel-about" }, `Your voice message · ${duration(secs)}`),
      h("audio", { controls: true, src: this.url, "aria-label": `Your voice message, ${spokenDuration(secs)}` }),
      this.error ? h("p", { class: "panel-error", role: "alert" }, this.error) : null,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "primary", "data-key": "send-voice", onclick: () => this.send() }, this.error ? "Try again" : "Send voice message"),
        h("button", { type: "button", class: "secondary", "data-key": "discard", onclick: () => this.close("Voice message discarded.") }, "Discard"),
      ),
    );
  }

  async send() {
    const blob = this.blob;
    if (!blob || this.sending) return;
    this.sending = true;
    const state = h("p", { class: "sending", id: `${this.panel.id}-state` }, "Sending… 0 %");
    const bar = h("progress", { max: "100", value: "0", "aria-labelledby": `${this.panel.id}-state` });
    this.show(state, bar);
    announce("Sending…");
    try {
      const ext = blob.type.includes("ogg") ? "ogg" : "webm";
      const attachment = await upload(this.cid, blob, `voice-message.${ext}`, (fraction) => {
        const percent = Math.round(fraction * 100);
        state.textContent = `Sending… ${percent} %`;
        bar.value = percent;
      });
      store.send(this.cid, "", { type: "voice", attachment });
      this.close("Voice message sent.");
      this.dispatchEvent(new CustomEvent("hl-sent", { bubbles: true }));
    } catch (error) {
      if (this.url) URL.revokeObjectURL(this.url);
      this.error = uploadError(error);
      this.preview();
    } finally {
      this.sending = false;
    }
  }
}

customElements.define("hl-voice-recorder", VoiceRecorder);
