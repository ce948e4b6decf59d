// <hl-safety-alerts>: at the top of the support dashboard while any safety
// alert is not resolved (GET /api/alerts?status=open). Each says who raised
// it (name and role), when, their note, the chat it came from (who else is
// in it, from the dashboard's chats in progress, and a link when support is
// in that chat too), and where it stands;
// "I'm on it" acknowledges it (POST …/ack) and "Resolve" asks what was done
// (POST …/resolve with a note). It refetches on `support:alert`, on
// `support:changed` for alerts, on reconnect and, slowly, by itself.
// Wherever support is in the app, `support:alert` chimes, announces
// "Safety alert from Margaret" and shows a notification (again while
// nobody has acknowledged it).

import { h, fill, keepFocus, waited, clock, announce, notice, modal, go, ROLES } from "../dom.js";
import { store } from "../state.js";
import { chime, notify } from "../alerts.js";

const DEBOUNCE_MS = 250;
const TICK_MS = 15_000;
const FALLBACK_MS = 60_000;

const nameOf = (alert) => alert.raisedBy?.displayName ?? "Someone";
const roleOf = (person) => ROLES[person?.role] ?? person?.role ?? "";
const scam = (alert) => alert.kind === "scam_guard";
/** An alert's title: who raised it, or whom the scam guard protects. */
const titleOf = (alert) => (scam(alert) ? `Scam warning: messages to ${nameOf(alert)}` : `Safety alert from ${nameOf(alert)}`);

/** What the scam guard saw, in words. */
const SIGNS = {
  money: "asks for money",
  bank_details: "asks for bank or card details",
  card_number: "a card number",
  iban: "a bank account number (IBAN)",
  gift_card: "gift cards",
  secret: "asks for a PIN, password or code",
  crypto: "cryptocurrency",
  other_app: "moving to another app",
  phone_number: "a phone number",
};
const signsText = (signs) => (signs ?? []).map((s) => SIGNS[s] ?? s).join(", ");

store.on("safety-alert", ({ alert, repeated }) => {
  if (store.user?.role !== "support") return;
  const text = repeated ? `${titleOf(alert)} is still open: nobody is on it yet.` : titleOf(alert);
  announce(text, true);
  chime();
  const body = scam(alert) ? "Messages to a seeker look like a scam." : alert.note ? `${nameOf(alert)}: “${alert.note}”` : `${nameOf(alert)} needs help now.`;
  notify(repeated ? "A safety alert is still open" : scam(alert) ? "Scam warning" : "Safety alert", body, `alert-${alert.id}`);
  if (!document.querySelector("hl-safety-alerts")) notice(`${repeated ? text : `${text}.`} See the dashboard.`);
});

/** Whether a `support:changed` is about alerts (`reason`, or `what`). */
const aboutAlerts = (change) => change?.reason === "alerts" || change?.what === "alerts";

class SafetyAlerts extends HTMLElement {
  connectedCallback() {
    this.hidden = true;
    this.alerts = [];
    this.sessions = this.sessions ?? [];
    this.heading = h("h2", { id: "alerts-title", tabindex: "-1" }, "Safety alerts");
    this.list = h("ul", { class: "plain alert-list" });
    fill(this, h("section", { class: "safety-alerts", "aria-labelledby": "alerts-title" }, this.heading, this.list));
    this.off = [
      store.on("safety-alert", () => this.refresh()),
      store.on("support", (change) => aboutAlerts(change) && this.soon()),
      store.on("connection", (state) => state === "connected" && this.soon()),
    ];
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.poll = setInterval(() => document.visibilityState === "visible" && this.refresh(), FALLBACK_MS);
    this.refresh();
  }

  disconnectedCallback() {
    clearTimeout(this.debounce);
    clearInterval(this.ticker);
    clearInterval(this.poll);
    this.off?.forEach((off) => off());
  }

  /** The dashboard's chats in progress, to say who else is in an alert's chat. */
  setSessions(sessions) {
    this.sessions = sessions ?? [];
    if (this.alerts.length) this.render();
  }

  soon() {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  }

  tick() {
    this.querySelectorAll("[data-ago]").forEach((el) => (el.textContent = `${waited(el.dataset.ago)} ago`));
  }

  async refresh() {
    let list;
    try {
      list = await store.openAlerts();
    } catch {
      return; // offline, or a server without alerts: keep what is shown
    }
    this.alerts = (Array.isArray(list) ? list : []).filter((a) => a.status !== "resolved");
    this.render();
  }

  render() {
    const list = this.alerts;
    const open = list.filter((a) => a.status === "open").length;
    this.hidden = !list.length;
    this.heading.textContent = list.length ? `Safety alerts (${list.length}${open ? `, ${open} with nobody on it yet` : ""})` : "Safety alerts";
    keepFocus(this.list, () => fill(this.list, list.map((a) => this.card(a))));
  }

  card(a) {
    const name = nameOf(a);
    const mine = a.acknowledgedBy?.id === store.user?.id;
    const session = a.conversationId ? this.sessions.find((s) => s.conversationId === a.conversationId) : null;
    // The chat's other person (the overview's people carry no role: it is their side).
    const other = session
      ? [
          { ...session.seeker, role: "seeker" },
          { ...session.volunteer, role: "volunteer" },
        ].find((p) => p.id && p.id !== a.raisedBy?.id)
      : null;
    const titleId = `alert-${a.id}-title`;
    return h(
      "li",
      { class: `card alert-card alert-${a.status}`, "data-alert": a.id, "data-status": a.status },
      h("h3", { id: titleId }, scam(a) ? titleOf(a) : `${name} (${roleOf(a.raisedBy)})`),
      h(
        "p",
        { class: "alert-state" },
        a.status === "open"
          ? h("span", { class: "badge urgent" }, "Nobody is on it yet")
          : h("span", { class: "alert-on-it" }, `${mine ? "You are" : `${a.acknowledgedBy?.displayName ?? "Someone"} is`} on it (since ${clock(a.acknowledgedAt)})`),
      ),
      h(
        "p",
        { class: "alert-when" },
        `Raised at ${clock(a.createdAt)}, `,
        h("span", { "data-ago": a.createdAt }, `${waited(a.createdAt)} ago`),
      ),
      scam(a)
        ? this.evidence(a)
        : a.note
          ? h("p", { class: "note alert-note" }, h("span", { class: "visually-hidden" }, "Note: "), a.note)
          : h("p", { class: "muted" }, "No note."),
      a.conversationId
        ? h(
            "p",
            { class: "alert-about" },
            other?.id === store.user?.id ? "From their chat with you." : other ? `From a chat with ${other.displayName} (${roleOf(other)}).` : "From a chat.",
            // Support reads only the chats they are in (a request they took).
            store.conversations.has(a.conversationId)
              ? [" ", h("a", { href: `/chats/${encodeURIComponent(a.conversationId)}`, "data-link": true, "data-key": `chat-${a.id}` }, "Open the chat", h("span", { class: "visually-hidden" }, ` ${name} raised it from`))]
              : null,
          )
        : null,
      h(
        "div",
        { class: "actions" },
        a.status === "open"
          ? h(
              "button",
              { type: "button", class: "primary", "data-key": `ack-${a.id}`, onclick: (e) => this.acknowledge(a, e.currentTarget) },
              "I'm on it",
              h("span", { class: "visually-hidden" }, ` (the alert from ${name})`),
            )
          : null,
        h(
          "button",
          { type: "button", class: "secondary", "data-key": `resolve-${a.id}`, "aria-haspopup": "dialog", onclick: () => this.resolveDialog(a) },
          "Resolve",
          h("span", { class: "visually-hidden" }, ` the alert from ${name}`),
        ),
        this.messageButton(a.raisedBy, a.id),
        other ? this.messageButton(other, a.id) : null,
      ),
    );
  }

  /** A scam-guard alert's flagged messages: who wrote what, and the signs. */
  evidence(a) {
    return h(
      "ol",
      { class: "plain alert-evidence", "aria-label": "Flagged messages" },
      (a.evidence ?? []).map((e) =>
        h(
          "li",
          null,
          h("p", null, `${e.sender?.displayName ?? "Someone"} (${roleOf(e.sender)}) at ${clock(e.createdAt)}:`),
          h("blockquote", { class: "note" }, e.excerpt),
          h("p", { class: "muted" }, `Signs: ${signsText(e.signs)}.`),
        ),
      ),
    );
  }

  messageButton(person, alertId) {
    if (!person?.id || person.id === store.user?.id) return null;
    return h(
      "button",
      { type: "button", class: "secondary", "data-key": `message-${alertId}-${person.id}`, onclick: (e) => this.message(person, e.currentTarget) },
      `Message ${person.displayName}`,
    );
  }

  async acknowledge(a, button) {
    button.disabled = true;
    const name = nameOf(a);
    try {
      await store.acknowledgeAlert(a.id);
      announce(`You are on the alert from ${name}.`);
    } catch (error) {
      notice(error.status === 409 ? `Someone from the team is already on the alert from ${name}.` : `Could not say you are on it. ${error.message}`);
    }
    await this.refresh();
    (this.querySelector(`[data-key="resolve-${CSS.escape(a.id)}"]`) ?? this.heading)?.focus();
  }

  resolveDialog(a) {
    const name = nameOf(a);
    const note = h("textarea", { id: "resolve-note", rows: 4, maxlength: 1000, "aria-required": "true", "aria-describedby": "resolve-hint resolve-error" });
    const error = h("p", { class: "form-error", id: "resolve-error", role: "alert" });
    const done = h("button", { type: "submit", class: "primary big" }, "Resolve alert");
    const dialog = h(
      "dialog",
      { class: "resolve-dialog", "aria-labelledby": "resolve-title" },
      h("h2", { id: "resolve-title" }, `Resolve the alert from ${name}`),
      a.note ? h("p", { class: "note" }, a.note) : null,
      h(
        "form",
        { onsubmit: (e) => this.resolve(e, a, { note, error, done, dialog }) },
        h("label", { for: "resolve-note" }, "What was done?"),
        h("p", { class: "hint", id: "resolve-hint" }, "Needed to resolve it. The team can read it later. Up to 1000 characters."),
        note,
        error,
        h("div", { class: "actions" }, done, h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Cancel")),
      ),
    );
    // Back to this alert's Resolve (redrawn since), else the heading.
    const restore = () => this.querySelector(`[data-key="resolve-${CSS.escape(a.id)}"]`) ?? (this.hidden ? document.querySelector("main h1") : this.heading);
    modal(dialog, { focus: note, restore });
  }

  async resolve(event, a, { note, error, done, dialog }) {
    event.preventDefault();
    const text = note.value.trim();
    if (!text) {
      note.setAttribute("aria-invalid", "true");
      error.textContent = "Please write a few words about what was done.";
      return note.focus();
    }
    note.removeAttribute("aria-invalid");
    done.disabled = true;
    try {
      await store.resolveAlert(a.id, text);
      announce(`The alert from ${nameOf(a)} is resolved.`);
    } catch (failure) {
      done.disabled = false;
      if (failure.status !== 409) {
        error.textContent = failure.status === 400 ? "Please write what was done in 1000 characters or fewer." : `Could not resolve the alert. ${failure.message}`;
        return done.focus();
      }
      notice(`The alert from ${nameOf(a)} was already resolved.`);
    }
    await this.refresh();
    dialog.close();
  }

  async message(person, button) {
    button.disabled = true;
    try {
      const id = await store.startConversation(person.id);
      go(`/chats/${encodeURIComponent(id)}`);
    } catch (error) {
      notice(`Could not open a chat with ${person.displayName}. ${error.message}`);
      button.disabled = false;
    }
  }
}

customElements.define("hl-safety-alerts", SafetyAlerts);
