// "Call" and "Video call" in a chat's header: calls the other person in the
// conversation. Hidden while this device is already in a call.

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
        label,
        h("span", { class: "visually-hidden" }, ` ${name}`),
      );
    fill(this, button("voice", "Call", "phone"), button("video", "Video call", "video"));
  }
}

customElements.define("hl-call-buttons", CallButtons);
