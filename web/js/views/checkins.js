// Regular check-ins with a familiar companion. <hl-checkins>, the
// "Regular check-ins" card on the seeker's and the volunteer's home: each
// check-in in words ("Every Tuesday at 10:00 (Europe/London), a voice call
// with Nadia"), when the next one is in this device's own time, where it
// stands, and what can be done: Accept or "Not now" for one the other
// person suggested, Pause, Resume and Cancel (with a confirmation). A form
// suggests one to someone the person has talked with (the people in their
// chats). App-wide: a reminder 10 minutes before, and at the time a card
// for the volunteer, "It's time for your check-in with Margaret", whose one
// button opens the chat (POST …/start) and, for a call, calls her; the
// seeker reads that the volunteer will be in touch.

import { h, fill, keepFocus, announce, notice, confirmBox, go, clock, plural, serverNow } from "../dom.js";
import { store } from "../state.js";

export const WEEKDAYS = { monday: "Monday", tuesday: "Tuesday", wednesday: "Wednesday", thursday: "Thursday", friday: "Friday", saturday: "Saturday", sunday: "Sunday" };
const HOW = { chat: "a chat by messages", voice: "a voice call", video: "a video call" };
const KIND_CHOICES = { chat: "Messages", voice: "Voice call", video: "Video call" };

/** This device's time zone (IANA), as the browser knows it. */
const myZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

const nameOf = (c) => store.checkinPartner(c)?.displayName ?? "your companion";

/** "Every Tuesday at 10:00 (Europe/London), a voice call with Nadia". */
export function checkinText(c) {
  return `Every ${WEEKDAYS[c.weekday] ?? c.weekday} at ${c.time} (${c.timeZone}), ${HOW[c.kind] ?? "a check-in"} with ${nameOf(c)}`;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });

/** "Tuesday 14 May at 10:00" in this device's own time (and says so when
 *  the check-in's zone is another). */
export function nextText(c) {
  if (!c.nextAt) return null;
  const at = new Date(c.nextAt);
  const today = new Date();
  const day = at.toDateString() === today.toDateString() ? "Today" : at.toDateString() === new Date(Date.now() + 86_400_000).toDateString() ? "Tomorrow" : dayFormat.format(at);
  return `Next: ${day} at ${clock(c.nextAt)}${c.timeZone !== myZone() ? " (your time)" : ""}.`;
}

/** Where a check-in stands, in words. */
function standing(c) {
  const name = nameOf(c);
  if (c.status === "proposed") return c.proposedBy === store.user.id ? `Waiting for ${name} to agree.` : `${name} suggested this. Would you like it?`;
  if (c.status === "paused") return "Paused. Nothing happens until you resume it.";
  return nextText(c) ?? "Active.";
}

/** What this device just did to a check-in (its id → the status it
 *  asked for), so the echo of its own change is not told again, while
 *  the other person's next change is. */
const mine = new Map();
const acted = (id, status) => {
  mine.set(id, status);
  setTimeout(() => mine.get(id) === status && mine.delete(id), 5000);
};

class CheckinsCard extends HTMLElement {
  connectedCallback() {
    this.formOpen = this.formOpen ?? false;
    this.heading = h("h2", { id: "checkins-title", tabindex: "-1" }, "Regular check-ins");
    this.list = h("div", { class: "checkin-list" });
    this.formBox = h("div", { class: "checkin-new" });
    this.section = h(
      "section",
      { class: "card checkins-card", "aria-labelledby": "checkins-title" },
      this.heading,
      h("p", { class: "muted" }, store.user.role === "volunteer" ? "A set time each week to check in with someone you have talked with." : "A set time each week when someone you have talked with checks in on you."),
      this.list,
      this.formBox,
    );
    fill(this, this.section);
    this.off = [
      store.on("checkins", () => this.render()),
      // Someone new to talk with: the form's list of people changes.
      store.on("conversations", () => {
        if (this.formOpen || this.peopleSeen === this.people().map((p) => p.id).join()) return;
        keepFocus(this.formBox, () => this.renderForm());
      }),
    ];
    this.hidden = !store.checkinsSupported;
    this.render();
    this.renderForm();
    this.tick = setInterval(() => this.render(), 60_000);
  }

  disconnectedCallback() {
    this.off?.forEach((off) => off());
    clearInterval(this.tick);
  }

  render() {
    this.hidden = !store.checkinsSupported;
    const list = [...(store.checkins?.values() ?? [])].filter((c) => c.status !== "cancelled");
    // The other person's proposals first, then active, then the rest.
    const order = (c) => (c.status === "proposed" && c.proposedBy !== store.user.id ? 0 : c.status === "active" ? 1 : c.status === "paused" ? 2 : 3);
    list.sort((a, b) => order(a) - order(b) || (a.nextAt ?? "").localeCompare(b.nextAt ?? ""));
    keepFocus(this.list, () =>
      fill(
        this.list,
        list.length
          ? h("ul", { class: "plain checkins" }, list.map((c) => this.item(c)))
          : h("p", { class: "empty" }, "You have no regular check-ins yet."),
      ),
    );
  }

  item(c) {
    const name = nameOf(c);
    const theirs = c.status === "proposed" && c.proposedBy !== store.user.id;
    // Each button's name says which check-in: "Pause the check-in with Nadia".
    const button = (label, key, cls, action, about = ` the check-in with ${name}`) =>
      h("button", { type: "button", class: cls, "data-key": `${key}-${c.id}`, onclick: (e) => this.act(c, action, e.currentTarget) }, label, h("span", { class: "visually-hidden" }, about));
    return h(
      "li",
      { class: `checkin checkin-${c.status}`, "data-checkin": c.id, "data-status": c.status },
      h("p", { class: "checkin-what" }, `${checkinText(c)}.`),
      h("p", { class: "checkin-state" }, standing(c)),
      c.lastOutcome === "missed" && c.status !== "proposed"
        ? h("p", { class: "checkin-missed" }, c.missedInARow > 1 ? `Missed the last ${c.missedInARow} times.` : "Missed last time.")
        : c.lastOutcome === "kept" && c.lastAt
          ? h("p", { class: "muted" }, "Kept last time.")
          : null,
      h(
        "div",
        { class: "actions" },
        theirs ? button("Accept", "accept", "primary", "accept") : null,
        theirs ? button("Not now", "decline", "secondary", "decline", ` (the check-in ${name} suggested)`) : null,
        c.status === "active" ? button("Pause", "pause", "secondary", "pause") : null,
        c.status === "paused" ? button("Resume", "resume", "primary", "resume") : null,
        theirs ? null : button("Cancel", "cancel", "secondary", "cancel"),
      ),
      h("p", { class: "form-error", role: "alert", "data-error": c.id }),
    );
  }

  async act(c, action, button) {
    const name = nameOf(c);
    if (action === "cancel") {
      const yes = await confirmBox({
        title: `Cancel the check-in with ${name}?`,
        text: `${checkinText(c)} will stop. ${name} will be told.`,
        yes: "Cancel the check-in",
        no: "Keep it",
        restore: () => this.querySelector(`[data-key="cancel-${CSS.escape(c.id)}"]`) ?? this.heading,
      });
      if (!yes) return;
    }
    const error = this.querySelector(`[data-error="${CSS.escape(c.id)}"]`);
    if (error) error.textContent = "";
    button.disabled = true;
    acted(c.id, { accept: "active", pause: "paused", resume: "active" }[action] ?? "cancelled");
    try {
      if (action === "accept") await store.acceptCheckin(c.id);
      else if (action === "pause") await store.pauseCheckin(c.id);
      else if (action === "resume") await store.resumeCheckin(c.id);
      else await store.cancelCheckin(c.id);
      const said = {
        accept: `You agreed to a check-in with ${name}.`,
        decline: `You said no to the check-in with ${name}.`,
        pause: `The check-in with ${name} is paused.`,
        resume: `The check-in with ${name} is on again.`,
        cancel: `The check-in with ${name} is cancelled.`,
      }[action];
      announce(said);
      // The focus goes to what undoes it (Pause ↔ Resume), or to the heading
      // when the check-in is gone.
      const next = { accept: "pause", pause: "resume", resume: "pause" }[action];
      const target = next ? this.querySelector(`[data-key="${next}-${CSS.escape(c.id)}"]`) : null;
      (target ?? this.heading).focus();
    } catch (e) {
      button.disabled = false;
      const text = e.status === 0 ? e.message : e.status === 409 || e.status === 404 ? "This check-in has changed meanwhile. Please look again." : `That did not work: ${e.message}`;
      const box = this.querySelector(`[data-error="${CSS.escape(c.id)}"]`);
      if (box) box.textContent = text;
      else notice(text);
      if (e.status === 409 || e.status === 404) store.refreshCheckins();
    }
  }

  /** The people this person has talked with (the other side of their chats). */
  people() {
    const want = store.user.role === "seeker" ? "volunteer" : "seeker";
    const seen = new Map();
    for (const c of [...store.conversations.values(), ...(store.archived ?? [])]) {
      const other = c.participants?.find((p) => p.id !== store.user.id);
      if (other?.id && other.role === want && !seen.has(other.id)) seen.set(other.id, other);
    }
    return [...seen.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  renderForm() {
    const people = this.people();
    this.peopleSeen = people.map((p) => p.id).join();
    if (!people.length) {
      this.formOpen = false;
      return fill(
        this.formBox,
        h("p", { class: "muted" }, store.user.role === "volunteer" ? "Once you have talked with someone, you can suggest a regular check-in with them here." : "Once you have talked with a volunteer, you can ask them for a regular check-in here."),
      );
    }
    const toggle = h(
      "button",
      { type: "button", class: "secondary", "aria-expanded": String(this.formOpen), "aria-controls": "checkin-form", "data-key": "checkin-toggle", onclick: () => this.setForm(!this.formOpen) },
      "Suggest a regular check-in",
    );
    fill(this.formBox, toggle, this.formOpen ? this.form(people) : this.said ? h("p", { class: "checkin-saved", role: "status" }, this.said) : null);
  }

  setForm(open) {
    this.formOpen = open;
    this.said = null;
    this.renderForm();
    if (open) this.querySelector("#checkin-with")?.focus();
    else this.querySelector('[data-key="checkin-toggle"]')?.focus();
  }

  form(people) {
    const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    const zone = myZone();
    if (!zones.includes(zone)) zones.unshift(zone);
    const today = Object.keys(WEEKDAYS)[(new Date().getDay() + 6) % 7];
    const field = (id, label, control, hint) =>
      h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null, control);
    const error = h("p", { class: "form-error", id: "checkin-error", role: "alert" });
    const saved = h("p", { class: "checkin-saved", role: "status" });
    const time = h("input", { type: "time", id: "checkin-time", name: "time", value: "10:00", required: true, "aria-describedby": "checkin-error" });
    return h(
      "form",
      { id: "checkin-form", class: "checkin-form", novalidate: true, onsubmit: (e) => this.propose(e, { time, error, saved }) },
      field("checkin-with", "With whom", h("select", { id: "checkin-with", name: "with" }, people.map((p) => h("option", { value: p.id }, p.displayName)))),
      field("checkin-day", "Day", h("select", { id: "checkin-day", name: "weekday" }, Object.entries(WEEKDAYS).map(([value, label]) => h("option", { value, selected: value === today }, label)))),
      field("checkin-time", "Time", time),
      field(
        "checkin-zone",
        "Time zone",
        zones.length
          ? h("select", { id: "checkin-zone", name: "timeZone", "aria-describedby": "checkin-zone-hint" }, zones.map((z) => h("option", { value: z, selected: z === zone }, z)))
          : h("input", { type: "text", id: "checkin-zone", name: "timeZone", value: zone, "aria-describedby": "checkin-zone-hint" }),
        "The time is in this time zone. We chose the one this device is in.",
      ),
      h(
        "fieldset",
        { class: "topics kinds" },
        h("legend", null, "How"),
        Object.entries(KIND_CHOICES).map(([value, label]) =>
          h("div", { class: "topic" }, h("input", { type: "radio", name: "checkin-kind", id: `checkin-kind-${value}`, value, checked: value === "voice" }), h("label", { for: `checkin-kind-${value}` }, label)),
        ),
      ),
      error,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big" }, "Suggest this check-in"), h("button", { type: "button", class: "secondary big", onclick: () => this.setForm(false) }, "Cancel")),
      saved,
    );
  }

  async propose(event, { time, error, saved }) {
    event.preventDefault();
    const form = event.currentTarget;
    const submit = form.querySelector("button[type=submit]");
    error.textContent = "";
    saved.textContent = "";
    time.removeAttribute("aria-invalid");
    if (!/^\d{2}:\d{2}$/.test(time.value)) {
      time.setAttribute("aria-invalid", "true");
      error.textContent = "Please choose a time, for example 10:00.";
      return time.focus();
    }
    const withSelect = form.querySelector("#checkin-with");
    const person = withSelect.selectedOptions[0]?.textContent ?? "them";
    const fields = {
      withUserId: withSelect.value,
      weekday: form.querySelector("#checkin-day").value,
      time: time.value,
      timeZone: form.querySelector("#checkin-zone").value.trim(),
      kind: form.querySelector("input[name=checkin-kind]:checked")?.value ?? "voice",
    };
    submit.disabled = true;
    try {
      const made = await store.proposeCheckin(fields);
      acted(made.id, "proposed");
      this.formOpen = false;
      this.said = `Suggested to ${person}. We will tell you when ${person} agrees.`;
      this.renderForm();
      this.querySelector('[data-key="checkin-toggle"]')?.focus();
    } catch (e) {
      submit.disabled = false;
      error.textContent =
        e.status === 0
          ? e.message
          : e.status === 403
            ? `You can only set up a check-in with someone you have talked with here, and ${person} is not one of them.`
            : e.status === 400
              ? `Please check the day, time and time zone, then try again. (${e.message})`
              : `The check-in was not saved: ${e.message}`;
      if (e.status === 400 && /time/i.test(e.message) && !/zone/i.test(e.message)) time.setAttribute("aria-invalid", "true");
      submit.focus();
    }
  }
}

customElements.define("hl-checkins", CheckinsCard);

// -- told anywhere in the app ---------------------------------------------------

store.on("checkin-changed", ({ checkin, before }) => {
  // Kept (moved on to its next time), paused or cancelled: the card for
  // this time goes.
  if (checkin.status !== "active" || (before && before.nextAt !== checkin.nextAt)) document.querySelector(`[data-due="${CSS.escape(checkin.id)}"]`)?.remove();
  if (mine.get(checkin.id) === checkin.status) return mine.delete(checkin.id);
  const name = nameOf(checkin);
  let text = null;
  if (checkin.status === "proposed" && !before && checkin.proposedBy !== store.user?.id) text = `${name} suggested a regular check-in: ${checkinText(checkin)}. You can answer on your home screen.`;
  else if (checkin.status === "active" && before?.status === "proposed") text = `${name} agreed to the check-in: ${checkinText(checkin)}.`;
  else if (checkin.status === "paused" && before?.status === "active") text = `${name} paused the check-in.`;
  else if (checkin.status === "active" && before?.status === "paused") text = `${name} started the check-in again.`;
  else if (checkin.status === "cancelled" && before) text = before.status === "proposed" && before.proposedBy === store.user?.id ? `${name} said no to the check-in for now.` : `${name} cancelled the check-in.`;
  if (text) notice(text);
});

// Sent 10 minutes before, or at once when a check-in is agreed (or the
// server comes back) with less time left: the words follow `nextAt`.
store.on("checkin-reminder", (c) => {
  const left = c.nextAt ? (Date.parse(c.nextAt) - serverNow()) / 60_000 : 10;
  const minutes = Math.round(left);
  const when = !Number.isFinite(left) || left >= 9.5 ? "in 10 minutes" : minutes >= 1 ? `in ${plural(minutes, "minute")}` : "in less than a minute";
  const text = `Your check-in with ${nameOf(c)} is ${when}.`;
  notice(text);
  announce(text);
});

store.on("checkin-missed", (c) => {
  document.querySelector(`[data-due="${CSS.escape(c.id)}"]`)?.remove();
  notice(`The check-in with ${nameOf(c)} did not happen this time.`);
});

store.on("checkin-due", (c) => {
  const list = document.getElementById("notices");
  if (!list || list.querySelector(`[data-due="${CSS.escape(c.id)}"]`)) return;
  const name = nameOf(c);
  const volunteer = store.user?.role === "volunteer";
  const titleId = `due-${c.id}-title`;
  const error = h("p", { class: "form-error", role: "alert" });
  const card = h("section", { class: "notice care-card due-card", "data-due": c.id, "aria-labelledby": titleId });
  const start = async (button) => {
    button.disabled = true;
    error.textContent = "";
    try {
      const conversationId = await store.startCheckin(c.id);
      card.remove();
      go(`/chats/${encodeURIComponent(conversationId)}`);
      if (c.kind === "voice" || c.kind === "video") store.calls.invite(conversationId, c.kind);
      else announce(`Your chat with ${name} is open.`);
    } catch (e) {
      button.disabled = false;
      error.textContent = e.status === 0 ? e.message : e.status === 409 || e.status === 404 ? "This check-in is no longer active." : `We could not start the check-in: ${e.message}`;
      button.focus();
    }
  };
  const say = volunteer ? `It's time for your check-in with ${name}` : `Your check-in with ${name}`;
  const label = c.kind === "chat" ? `Message ${name} now` : c.kind === "video" ? `Video call ${name} now` : `Call ${name} now`;
  fill(
    card,
    h("h2", { id: titleId }, say),
    h("p", null, volunteer ? `${checkinText(c)}.` : `${name} will be in touch now for your check-in.`),
    error,
    h(
      "div",
      { class: "actions" },
      volunteer ? h("button", { type: "button", class: "primary big", onclick: (e) => start(e.currentTarget) }, label) : null,
      h("button", { type: "button", class: "secondary big", onclick: () => card.remove() }, volunteer ? "Not now" : "OK", h("span", { class: "visually-hidden" }, ` (the check-in with ${name})`)),
    ),
  );
  list.append(card);
  // Said at once, but the focus stays where the person is (they may be typing).
  announce(volunteer ? `${say}.` : `${name} will be in touch now for your check-in.`, volunteer);
});
