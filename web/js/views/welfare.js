// Welfare checks. For a volunteer whose call with a seeker dropped
// (`welfare:call_back`), a dialog wherever they are: "Call Margaret back?"
// with one tap to call her again (in the chat, with the same media) and
// "Not now". For support, <hl-welfare-checks> on the dashboard (after the
// safety alerts), only while some check is open (GET /api/welfare?status=open):
// what happened in words ("Margaret's call with Nadia dropped at 10:42 and
// they have not been in touch since."), how long ago, "Message …" for both
// people and "Resolve" (a dialog asking what was done; POST …/resolve).
// `support:welfare` chimes and announces "Welfare check: Margaret" anywhere
// in the app; `support:changed` with reason "welfare" refetches.

import { h, fill, keepFocus, waited, clock, dayLabel, announce, notice, modal, go } from "../dom.js";
import { store } from "../state.js";
import { chime, notify } from "../alerts.js";

const DEBOUNCE_MS = 250;
const TICK_MS = 15_000;
const FALLBACK_MS = 60_000;

const seekerName = (task) => task.seeker?.displayName ?? "A member";
const volunteerName = (task) => task.volunteer?.displayName ?? "their volunteer";

/** "at 10:42" today, "yesterday at 10:42", "on Monday 3 June at 10:42". */
function when(iso) {
  const day = dayLabel(iso);
  return day === "Today" ? `at ${clock(iso)}` : day === "Yesterday" ? `yesterday at ${clock(iso)}` : `on ${day} at ${clock(iso)}`;
}

/** What happened, in words. */
export function welfareText(task) {
  const seeker = seekerName(task);
  const volunteer = volunteerName(task);
  if (task.cause === "checkins_missed") return `${seeker} missed two check-ins in a row with ${volunteer}.`;
  if (task.cause === "call_dropped") return `${seeker}'s call with ${volunteer} dropped ${when(task.since)} and they have not been in touch since.`;
  return `${seeker} and ${volunteer} may need someone to check on them.`;
}

// -- support, anywhere in the app ----------------------------------------------

store.on("welfare", (task) => {
  if (store.user?.role !== "support") return;
  const text = `Welfare check: ${seekerName(task)}`;
  announce(text, true);
  chime();
  notify("Welfare check", welfareText(task), `welfare-${task.id}`);
  if (!document.querySelector("hl-welfare-checks")) notice(`${text}. See the dashboard.`);
});

const aboutWelfare = (change) => change?.reason === "welfare" || change?.what === "welfare";

class WelfareChecks extends HTMLElement {
  connectedCallback() {
    this.hidden = true;
    this.tasks = [];
    this.heading = h("h2", { id: "welfare-title", tabindex: "-1" }, "Welfare checks");
    this.list = h("ul", { class: "plain alert-list welfare-list" });
    fill(
      this,
      h(
        "section",
        { class: "welfare-checks", "aria-labelledby": "welfare-title" },
        this.heading,
        h("p", { class: "muted" }, "People who may need someone to check on them."),
        this.list,
      ),
    );
    this.off = [
      store.on("welfare", () => this.refresh()),
      store.on("support", (change) => aboutWelfare(change) && this.soon()),
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
      list = await store.openWelfare();
    } catch {
      return; // offline, or a server without welfare checks: keep what is shown
    }
    this.tasks = (Array.isArray(list) ? list : []).filter((t) => t.status !== "resolved");
    this.render();
  }

  render() {
    const list = this.tasks;
    this.hidden = !list.length;
    this.heading.textContent = list.length ? `Welfare checks (${list.length})` : "Welfare checks";
    keepFocus(this.list, () => fill(this.list, list.map((t) => this.card(t))));
  }

  card(t) {
    const name = seekerName(t);
    return h(
      "li",
      { class: "card alert-card welfare-card", "data-welfare": t.id, "data-cause": t.cause },
      h("h3", null, `Welfare check: ${name}`),
      h("p", { class: "welfare-what" }, welfareText(t)),
      h("p", { class: "alert-when" }, `Raised at ${clock(t.raisedAt)}, `, h("span", { "data-ago": t.raisedAt }, `${waited(t.raisedAt)} ago`)),
      h(
        "div",
        { class: "actions" },
        this.messageButton(t.seeker, t.id),
        this.messageButton(t.volunteer, t.id),
        h(
          "button",
          { type: "button", class: "primary", "data-key": `resolve-welfare-${t.id}`, "aria-haspopup": "dialog", onclick: () => this.resolveDialog(t) },
          "Resolve",
          h("span", { class: "visually-hidden" }, ` the welfare check for ${name}`),
        ),
      ),
    );
  }

  messageButton(person, taskId) {
    if (!person?.id || person.id === store.user?.id) return null;
    return h(
      "button",
      { type: "button", class: "secondary", "data-key": `message-welfare-${taskId}-${person.id}`, onclick: (e) => this.message(person, e.currentTarget) },
      `Message ${person.displayName}`,
    );
  }

  resolveDialog(t) {
    const name = seekerName(t);
    const note = h("textarea", { id: "welfare-note", rows: 4, maxlength: 1000, "aria-required": "true", "aria-describedby": "welfare-hint welfare-error" });
    const error = h("p", { class: "form-error", id: "welfare-error", role: "alert" });
    const done = h("button", { type: "submit", class: "primary big" }, "Resolve the check");
    const dialog = h(
      "dialog",
      { class: "resolve-dialog", "aria-labelledby": "welfare-resolve-title" },
      h("h2", { id: "welfare-resolve-title" }, `Resolve the welfare check for ${name}`),
      h("p", null, welfareText(t)),
      h(
        "form",
        { onsubmit: (e) => this.resolve(e, t, { note, error, done, dialog }) },
        h("label", { for: "welfare-note" }, "What was done?"),
        h("p", { class: "hint", id: "welfare-hint" }, "Needed to resolve it. The team can read it later. Up to 1000 characters."),
        note,
        error,
        h("div", { class: "actions" }, done, h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Cancel")),
      ),
    );
    const restore = () => this.querySelector(`[data-key="resolve-welfare-${CSS.escape(t.id)}"]`) ?? (this.hidden ? document.querySelector("main h1") : this.heading);
    modal(dialog, { focus: note, restore });
  }

  async resolve(event, t, { note, error, done, dialog }) {
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
      await store.resolveWelfare(t.id, text);
      announce(`The welfare check for ${seekerName(t)} is resolved.`);
    } catch (failure) {
      done.disabled = false;
      if (failure.status !== 409) {
        error.textContent = failure.status === 400 ? "Please write what was done in 1000 characters or fewer." : `Could not resolve the welfare check. ${failure.message}`;
        return done.focus();
      }
      notice(`The welfare check for ${seekerName(t)} was already resolved.`);
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

customElements.define("hl-welfare-checks", WelfareChecks);

// -- the volunteer: "Call Margaret back?" ------------------------------------------

let asking = null;

store.on("call-back", (event) => {
  if (store.user?.role !== "volunteer") return;
  asking?.close();
  const name = event.seeker?.displayName ?? store.calls.nameIn(event.conversationId);
  const media = event.media === "video" ? "video" : "voice";
  const error = h("p", { class: "form-error", id: "call-back-error", role: "alert" });
  const back = h("button", { type: "button", class: "primary big", "data-key": "call-back" }, media === "video" ? `Video call ${name} back` : `Call ${name} back`);
  const dialog = h(
    "dialog",
    { class: "call-back-dialog", "aria-labelledby": "call-back-title", "aria-describedby": "call-back-text" },
    h("h2", { id: "call-back-title" }, `Call ${name} back?`),
    h("p", { id: "call-back-text" }, `Your call with ${name} dropped: a phone or computer lost its connection. Please call ${name} back, so you both know all is well.`),
    h("p", { class: "muted" }, `If you are not in touch again soon, our staff will check on ${name}.`),
    error,
    h("div", { class: "actions" }, back, h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, "Not now")),
  );
  back.addEventListener("click", async () => {
    back.disabled = true;
    error.textContent = "";
    try {
      if (!store.conversations.has(event.conversationId)) await store.refreshConversations();
      if (!store.conversations.has(event.conversationId)) throw new Error("The chat with them is not open any more.");
    } catch (e) {
      back.disabled = false;
      error.textContent = `We could not call ${name} back. ${e.message}`;
      return back.focus();
    }
    dialog.close();
    // The call screen of the dropped call makes way for the new call.
    if (store.calls.current?.phase === "ended") store.calls.dismiss();
    go(`/chats/${encodeURIComponent(event.conversationId)}`);
    store.calls.invite(event.conversationId, media);
  });
  // Once they are in touch again (she calls, or writes), the question goes.
  const offs = [
    store.on("call-incoming", (incoming) => incoming?.conversationId === event.conversationId && dialog.open && dialog.close()),
    store.on("messages", (id) => {
      if (id !== event.conversationId || !dialog.open) return;
      const last = store.messages.get(id)?.list?.at(-1);
      if (last && last.senderId !== store.user?.id && last.type !== "system") dialog.close();
    }),
  ];
  dialog.addEventListener("close", () => {
    offs.forEach((off) => off());
    if (asking === dialog) asking = null;
  });
  asking = dialog;
  modal(dialog, { focus: back, restore: () => document.querySelector("main h1") });
  announce(`Your call with ${name} dropped. Call ${name} back?`, true);
});
