// "I need help": the button a seeker can always reach (on the home, in a
// chat and on the call screen), the dialog it opens ("Tell staff you need
// help now?"), which a volunteer also opens from a chat's options for the
// other person ("Tell staff that Margaret may be in danger?"), and
// <hl-help-status>, the line under the top bar that says where the person's
// latest alert stands until staff resolve it. Sent as `safety:alert`, with
// the chat's or call's conversation when there is one.

import { h, fill, icon, modal, notice } from "../dom.js";
import { store } from "../state.js";

/** Where an alert stands, in the words its raiser reads. */
export function alertText(alert) {
  if (!alert || alert.status === "resolved") return "";
  if (alert.status === "acknowledged") {
    const who = alert.acknowledgedBy?.displayName;
    return `${who ?? "Someone"} from the team has seen your alert and will contact you.`;
  }
  return "Staff have been told. Someone will be with you soon.";
}

/** Opens the dialog. `name`: the person a volunteer is worried about (the
 *  wording is then about them); `restore`: where the focus goes afterwards
 *  when the button that opened it is gone. */
export function helpDialog({ conversationId = null, name = null, restore } = {}) {
  const note = h("textarea", { id: "help-note", name: "note", rows: 3, maxlength: 1000, "aria-describedby": "help-error" });
  const error = h("p", { class: "form-error", id: "help-error", role: "alert" });
  const send = h("button", { type: "submit", class: "danger big", "data-key": "help-send" }, "Tell staff now");
  const body = h("div");
  const dialog = h("dialog", { class: "help-dialog", "aria-labelledby": "help-title", "aria-describedby": "help-text" }, body);
  let off = null;
  dialog.addEventListener("close", () => off?.());

  const sent = (alert) => {
    const status = h("p", { id: "help-state" }, alertText(alert));
    fill(
      body,
      h("h2", { id: "help-title" }, "Thank you for telling us"),
      h("div", { role: "status", id: "help-text" }, status),
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary big", onclick: () => dialog.close() }, "Close")),
    );
    body.querySelector("button").focus();
    // Staff may answer while the dialog is still open.
    off = store.on("help", ({ alert: changed } = {}) => {
      if (changed?.id === alert.id) status.textContent = alertText(changed) || "Staff have dealt with your alert.";
    });
  };

  const submit = async (event) => {
    event.preventDefault();
    if (send.disabled) return;
    send.disabled = true;
    send.textContent = "Telling staff…";
    error.textContent = "";
    try {
      const alert = await store.raiseAlert({ conversationId, note: note.value });
      if (dialog.open) sent(alert);
    } catch (failure) {
      send.disabled = false;
      send.textContent = "Tell staff now";
      error.textContent = failure.message;
      if (dialog.open) send.focus();
    }
  };

  fill(
    body,
    h("h2", { id: "help-title" }, name ? `Tell staff that ${name} may be in danger?` : "Tell staff you need help now?"),
    h(
      "p",
      { id: "help-text" },
      name
        ? `Our staff will be told straight away, with this chat, so they can help ${name}.`
        : "Our staff will be told straight away, and someone will contact you.",
    ),
    h("p", null, name ? "If someone's life is in danger, call the emergency services as well." : "If you are in danger right now, please also call the emergency services."),
    h(
      "form",
      { onsubmit: submit },
      h("label", { for: "help-note" }, "What is happening? (optional)"),
      note,
      error,
      h("div", { class: "actions" }, send, h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Cancel")),
    ),
  );
  // The focus starts on "Tell staff now", so one more press sends it and a
  // phone's keyboard does not cover the buttons.
  modal(dialog, { focus: send, restore });
  return dialog;
}

/** <hl-help-button [conversation="…"]>: "I need help". */
class HelpButton extends HTMLElement {
  connectedCallback() {
    if (this.button) return;
    this.button = h(
      "button",
      {
        type: "button",
        class: "danger help-now",
        "aria-haspopup": "dialog",
        onclick: () => helpDialog({ conversationId: this.getAttribute("conversation") || null, restore: () => (this.isConnected ? this.button : null) }),
      },
      icon("help"),
      "I need help",
    );
    fill(this, this.button);
  }
}

/** <hl-help-status>: under the top bar on every screen, while the person's
 *  latest alert is not resolved. A `status` region that is always there,
 *  so each change is read out. */
class HelpStatus extends HTMLElement {
  connectedCallback() {
    this.region = h("div", { class: "help-status", role: "status", "aria-live": "polite" });
    fill(this, this.region);
    this.off = store.on("help", () => this.render());
    this.render();
  }

  disconnectedCallback() {
    this.off?.();
  }

  render() {
    const alert = store.user && store.user.role !== "support" ? store.myAlert : null;
    const text = alertText(alert);
    if (this.region.dataset.text === text) return;
    this.region.dataset.text = text;
    fill(this.region, text ? h("p", { class: "banner help-banner", "data-status": alert.status }, icon(alert.status === "acknowledged" ? "tick" : "help"), h("span", null, text)) : null);
  }
}

// When staff close an alert its line goes; a short notice says why.
store.on("help", ({ alert, why } = {}) => {
  if (why !== "resolved" || !alert) return;
  const who = alert.resolvedBy?.displayName;
  notice(`${who ? `${who} from the team` : "The team"} has dealt with your alert. You can ask for help again at any time.`);
});

customElements.define("hl-help-button", HelpButton);
customElements.define("hl-help-status", HelpStatus);
