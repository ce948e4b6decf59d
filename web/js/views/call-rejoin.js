// "Your call with … is still on": shown when this person has a live call
// that no device here is in (the app was reloaded mid-call), with Rejoin
// (the call moves to this device, call:resume) and Hang up.

import { h, fill, icon, announce } from "../dom.js";
import { store } from "../state.js";

class CallRejoin extends HTMLElement {
  connectedCallback() {
    store.on("call-rejoin", (call) => this.render(call));
  }

  render(call) {
    if (!call) {
      this.shown = null;
      return void fill(this);
    }
    if (this.shown === call.id) return;
    this.shown = call.id;
    const text = `Your ${call.media === "video" ? "video call" : "call"} with ${call.name} is still on.`;
    fill(
      this,
      h(
        "div",
        { class: "banner call-rejoin", role: "status", "data-call": call.id },
        h("span", {}, text),
        h(
          "span",
          { class: "actions" },
          h("button", { type: "button", class: "accept", onclick: () => store.calls.rejoin() }, icon(call.media === "video" ? "video" : "phone"), "Rejoin"),
          h("button", { type: "button", class: "danger", onclick: () => store.calls.endRejoinable() }, icon("hangup"), "Hang up"),
        ),
      ),
    );
    announce(text);
  }
}

customElements.define("hl-call-rejoin", CallRejoin);
