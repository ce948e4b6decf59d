// The incoming-call screen: who is calling and how (voice or video), a
// pulsing ring and the ringtone (alerts.js), Accept and Decline. It closes by
// itself when the call is answered on another device, cancelled or missed.

import { h, fill, icon, announce } from "../dom.js";
import { store } from "../state.js";

class CallIncoming extends HTMLElement {
  connectedCallback() {
    this.dialog = h("dialog", { class: "call-incoming", "aria-labelledby": "incoming-title", "aria-describedby": "incoming-text" });
    // Escape declines, as a closed door would.
    this.dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      store.calls.decline();
    });
    this.append(this.dialog);
    store.on("call-incoming", (call) => this.render(call));
  }

  render(call) {
    if (!call) {
      this.shown = null;
      if (this.dialog.open) this.dialog.close();
      return;
    }
    if (this.shown === `${call.callId}:${call.name}`) return;
    const first = this.shown?.split(":")[0] !== call.callId;
    this.shown = `${call.callId}:${call.name}`;
    const video = call.media === "video";
    const title = `${call.name} is calling you`;
    fill(
      this.dialog,
      h(
        "div",
        { class: "incoming-body", "data-call": call.callId },
        h("div", { class: "ring", "aria-hidden": "true" }, h("span")),
        h("h2", { id: "incoming-title" }, title),
        h("p", { id: "incoming-text", class: "lead" }, video ? "Video call" : "Voice call"),
        h(
          "div",
          { class: "actions call-actions" },
          h("button", { type: "button", class: "accept big", onclick: () => store.calls.accept() }, icon(video ? "video" : "phone"), "Accept"),
          h("button", { type: "button", class: "danger big", onclick: () => store.calls.decline() }, icon("hangup"), "Decline"),
        ),
      ),
    );
    if (!this.dialog.open) this.dialog.showModal();
    if (first) {
      this.dialog.querySelector(".accept").focus();
      announce(`${title}: ${video ? "video call" : "voice call"}.`, true);
    }
  }
}

customElements.define("hl-call-incoming", CallIncoming);
