// "Call" and "Video call": calls the other person in the conversation
// (media="voice" or "video" shows only that one; the chat's header has Call,
// its More menu Video call). Disabled while this device is already in a call.

import { h, fill, icon } from "../dom.js";
import { store } from "../state.js";

class CallButtons extends HTMLElement {
  connectedCallback() {
    this.classList.add("call-buttons");
    this.off = store.on("call", () => this.render());
    this.render();
  }

  disconnectedCallback() {
    this.off();
  }

  render() {
    const id = this.getAttribute("conversation");
    const name = store.other(store.conversations.get(id)).displayName;
    const busy = store.calls.busy;
    const button = (media, label, glyph) =>
      h(
        "button",
        { type: "button", class: "primary call-start", disabled: busy, "data-media": media, onclick: () => store.calls.invite(id, media) },
        icon(glyph),
        h("span", { class: "call-label" }, label),
        h("span", { class: "visually-hidden" }, ` ${name}`),
      );
    const only = this.getAttribute("media");
    fill(this, only !== "video" ? button("voice", "Call", "phone") : null, only !== "voice" ? button("video", "Video call", "video") : null);
  }
}

customElements.define("hl-call-buttons", CallButtons);
