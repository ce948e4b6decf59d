// <hl-settings>: the Settings screen, for every role (/settings, linked
// from the top bar). For now it holds "Notifications on this device" with
// the quiet hours and names; for seekers it is where notifications are
// turned on.

import { h, fill } from "../dom.js";
import { store } from "../state.js";
import "./notifications.js";

class Settings extends HTMLElement {
  connectedCallback() {
    document.title = "Settings – Helpline";
    fill(
      this,
      h("h1", { tabindex: "-1" }, "Settings"),
      h("p", { class: "lead" }, `Signed in as ${store.user.displayName}.`),
      h("div", { class: "settings-columns" }, h("hl-notifications")),
    );
  }
}

customElements.define("hl-settings", Settings);
