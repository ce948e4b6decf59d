// The seeker's screens: home (talk to anyone, or to one volunteer, and the
// regular check-ins), the request overlay with its states, and the rating
// asked after a chat.

import { h, fill, go, keepFocus, waited, plural, TOPICS, icon, announce } from "../dom.js";
import { api } from "../api.js";
import { store } from "../state.js";
import "./help-dialog.js";
import "./checkins.js";

const REFRESH_MS = 15_000;

/** The ways to talk, as the request types the server knows. */
const WAYS = { chat: "Write messages", voice: "Voice call", video: "Video call" };

class SeekerHome extends HTMLElement {
  connectedCallback() {
    document.title = "Home – Helpline";
    this.volunteers = this.volunteers ?? null;
    this.off = [
      store.on("conversations", () => this.renderChats()),
            store.on("connection", (s) => s === "connected" && (this.refresh(), this.watch(true))),
      store.on("presence", (p) => this.onPresence(p)),
    ];
        this.render();
    this.refresh();
    this.watch(true);
    // Older servers send no volunteer:presence, so the list is polled
    // until the first one arrives.
    this.timer = setInterval(() => !store.presenceLive && document.visibilityState === "visible" && this.refresh(), REFRESH_MS);
  }

    disconnectedCallback() {
    this.watch(false);
    this.off.forEach((off) => off());
    clearInterval(this.timer);
    clearTimeout(this.presenceTimer);
  }

    /** Newer servers send volunteer:presence only to seekers who ask
   *  (volunteers:watch): this screen asks while it shows the list. Older
   *  servers refuse the event, and the list is polled. */
  watch(watching) {
    store.socket?.request("volunteers:watch", { watching }).catch(() => {});
  }

  async refresh() {
    try {
      const list = await api("GET", "/api/volunteers");
      if (JSON.stringify(list) === JSON.stringify(this.volunteers)) return;
      this.volunteers = list;
      keepFocus(this, () => this.renderVolunteers());
    } catch {
      // offline: keep what we showed
    }
  }

  /** volunteer:presence: a volunteer came online, changed or left. The
   *  list is fetched again (once for a burst), so what it shows (on call,
   *  languages) stays the server's. */
  onPresence() {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = setTimeout(() => this.refresh(), 150);
  }

  render() {
    const name = store.user.displayName;
    fill(
      this,
      h("h1", { tabindex: "-1" }, `Hello, ${name}`),
      h("p", { class: "lead" }, "Would you like to talk to someone? Our volunteers are here for you."),
      h("div", { id: "my-chats" }),
      h("div", { class: "card help-card" }, h("p", null, "Do you feel unsafe, or is something wrong? Tell our staff straight away."), h("hl-help-button")),
      h(
        "div",
        { class: "columns" },
        h(
          "section",
          { class: "card anyone", "aria-labelledby": "anyone-title" },
          h("h2", { id: "anyone-title" }, "Talk to anyone"),
          h("p", null, "The first volunteer who is free will answer you."),
          h(
            "form",
            { onsubmit: (e) => this.askAnyone(e) },
            h(
              "fieldset",
              { class: "topics" },
              h("legend", null, "What would you like to talk about?"),
              Object.entries(TOPICS).map(([value, label]) =>
                h("div", { class: "topic" }, h("input", { type: "radio", name: "topic", id: `topic-${value}`, value, checked: value === "daily" }), h("label", { for: `topic-${value}` }, label)),
              ),
            ),
            h(
              "fieldset",
              { class: "topics kinds" },
              h("legend", null, "How would you like to talk?"),
              Object.entries(WAYS).map(([value, label]) =>
                h("div", { class: "topic" }, h("input", { type: "radio", name: "kind", id: `kind-${value}`, value, checked: value === "chat" }), h("label", { for: `kind-${value}` }, label)),
              ),
            ),
            h("label", { for: "note" }, "Anything you would like them to know? (optional)"),
            h("textarea", { id: "note", name: "note", rows: 3, maxlength: 500 }),
            h("button", { type: "submit", class: "primary big" }, "Talk to anyone now"),
          ),
        ),
        h("section", { class: "volunteers", "aria-labelledby": "volunteers-title" }, h("h2", { id: "volunteers-title" }, "Our volunteers"), h("div", { id: "volunteer-list" })),
      ),
      h("hl-checkins"),
    );
    this.renderChats();
    this.renderVolunteers();
  }

  renderChats() {
    const box = this.querySelector("#my-chats");
    if (!box) return;
    const active = [...store.conversations.values()].filter((c) => c.status === "active");
    fill(
      box,
      active.length
        ? h(
            "section",
            { class: "card current", "aria-labelledby": "current-title" },
            h("h2", { id: "current-title" }, active.length === 1 ? "Your chat" : "Your chats"),
            h(
              "ul",
              { class: "plain" },
              active.map((c) => {
                const other = store.other(c);
                return h(
                  "li",
                  null,
                  h("a", { class: "button", href: `/chats/${c.id}`, "data-link": true }, icon("chat"), `Continue chatting with ${other.displayName}`, c.unreadCount ? ` (${plural(c.unreadCount, "new message")})` : ""),
                );
              }),
            ),
          )
        : null,
    );
  }

  renderVolunteers() {
    const box = this.querySelector("#volunteer-list");
    if (!box) return;
    if (!this.volunteers) return fill(box, h("p", { class: "muted" }, "Loading volunteers…"));
    const online = this.volunteers.filter((v) => v.online);
    const offline = this.volunteers.filter((v) => !v.online);
    const onCall = offline.filter((v) => v.onCall).length;
    fill(
      box,
      online.length
        ? h("ul", { class: "people" }, online.map((v) => this.person(v)))
        : h(
            "p",
            { class: "muted" },
            onCall
              ? `No volunteer is online right now, but ${plural(onCall, "volunteer")} ${onCall === 1 ? "is" : "are"} on call and will get a notification when you ask.`
              : "No volunteer is online right now. You can still ask: the next one to arrive will see your request.",
          ),
      offline.length
        ? h("details", { class: "offline-people" }, h("summary", null, `Volunteers not online right now (${offline.length})`), h("ul", { class: "people" }, offline.map((v) => this.person(v))))
        : null,
    );
  }

  person(v) {
    const state = v.availability === "available" ? "Available now" : v.online ? "Online, but busy" : v.onCall ? "On call: gets a notification" : "Not online";
    return h(
      "li",
      { class: "person" },
      h("span", { class: "avatar", "aria-hidden": "true" }, v.displayName.slice(0, 1).toUpperCase()),
      h(
        "div",
        { class: "person-info" },
        h("h3", null, v.displayName),
        h("p", { class: `presence presence-${v.availability}` }, h("span", { class: "dot", "aria-hidden": "true" }), state),
        v.languages.length ? h("p", { class: "languages" }, `Speaks: ${v.languages.join(", ")}`) : null,
      ),
      h(
        "div",
        { class: "person-actions" },
        h(
          "button",
          { type: "button", class: "primary", "data-key": `chat-${v.id}`, onclick: () => this.askFor(v, "chat") },
          icon("chat"),
          "Chat now",
          h("span", { class: "visually-hidden" }, ` with ${v.displayName}`),
        ),
        h(
          "button",
          { type: "button", class: "primary", "data-key": `call-${v.id}`, onclick: () => this.askFor(v, "voice") },
          icon("phone"),
          "Call now",
          h("span", { class: "visually-hidden" }, ` with ${v.displayName}`),
        ),
      ),
    );
  }

  askFor(v, requestType) {
    store.ask({ target: { id: v.id, name: v.displayName, availability: v.availability }, requestType });
  }

  askAnyone(event) {
    event.preventDefault();
    const data = new FormData(event.target);
    store.ask({ topic: data.get("topic"), note: data.get("note") ?? "", requestType: data.get("kind") ?? "chat" });
  }
}

const who = (n) => (n === 1 ? "who is" : "who are");

/** Once staff have been told of a long wait, the overlay says so. */
const STAFF_TOLD = "A member of staff has been told and will be with you shortly.";
const withStaff = (phase) => (r) => (r.escalated ? { ...phase(r), text: STAFF_TOLD } : phase(r));

/** "1 minute", "about 3 minutes", "40 seconds". */
const duration = (secs) => {
  if (secs < 60) return `${secs} seconds`;
  const minutes = Math.round(secs / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
};

/** Where the request stands in the waiting line, and about how long is left. */
const lineText = (r) => {
  const ahead = r.position - 1;
  const place = ahead === 0 ? "You are next in line." : ahead === 1 ? "1 person is ahead of you." : `${ahead} people are ahead of you.`;
  return r.estimate == null ? place : `${place} It usually takes about ${duration(r.estimate)}.`;
};

const PHASES = {
  waiting: withStaff((r) => ({
    title: `Waiting for ${r.target?.name ?? "your volunteer"}…`,
    text:
      r.onCall && !r.offered
        ? `${r.target?.name ?? "They"} is not online, so we have sent a notification to their phone or computer. Please wait: it may take a few minutes.`
        : r.queued || (r.target?.availability && r.target.availability !== "available")
          ? `${r.target?.name ?? "They"} cannot answer right now. If they come back in the next few minutes, they will see your request.`
          : `We have let ${r.target?.name ?? "them"} know. Please wait a moment.`,
    ring: true,
  })),
  searching: withStaff((r) =>
    r.queued
      ? {
          title: "Searching for volunteers… this may take a moment",
          text: r.onCall
            ? `No volunteer is online just now, so we have sent a notification to ${plural(r.onCall, "volunteer")} ${who(r.onCall)} on call. The first one who is free will answer you.`
            : "No volunteer is free just now. The next one who becomes free will see your request.",
          ring: true,
        }
      : {
          title: "Waiting for a volunteer…",
          text: r.offered
            ? r.onCall
              ? `Sent to ${plural(r.offered, "volunteer")} ${who(r.offered)} online and ${r.onCall} ${who(r.onCall)} will get a notification.`
              : `We have asked ${plural(r.offered, "volunteer")}.`
            : "We are asking our volunteers.",
          ring: true,
        }),
  connecting: () => ({ title: "Setting up secure connection…", text: "A volunteer said yes!", spinner: true }),
  connected: () => ({ title: "Connected!", text: "Your chat is opening now.", tick: true }),
  declined: (r) => ({ title: `${r.target?.name ?? "The volunteer"} cannot chat right now`, text: "You can ask anyone else who is free instead.", retry: "Talk to anyone instead" }),
  expired: () => ({ title: "No one was free this time", text: "We are sorry. Please try again in a little while.", retry: "Try again" }),
  cancelled: () => ({ title: "Your request was cancelled", text: "You can ask again whenever you like.", retry: "Ask again" }),
  failed: (r) => ({ title: "Your request was not sent", text: r.message, retry: "Try again" }),
};

class RequestOverlay extends HTMLElement {
  connectedCallback() {
    this.dialog = h("dialog", { class: "overlay", "aria-labelledby": "overlay-title" });
    this.dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      if (!["waiting", "searching", "connecting"].includes(store.request?.phase)) this.dismiss();
    });
    this.append(this.dialog);
    store.on("request", (r) => this.render(r));
    setInterval(() => this.tick(), 1000);
  }

  render(r) {
    clearTimeout(this.hideTimer);
    if (!r) {
      if (this.dialog.open) this.dialog.close();
      this.phase = null;
      return;
    }
    const view = PHASES[r.phase](r);
    const waitingPhase = ["waiting", "searching"].includes(r.phase);
    fill(
      this.dialog,
      h(
        "div",
        { class: `overlay-body phase-${r.phase}`, "data-phase": r.phase },
        view.ring ? h("div", { class: "ring", "aria-hidden": "true" }, h("span")) : null,
        view.spinner ? h("div", { class: "spinner", "aria-hidden": "true" }) : null,
        view.tick ? h("div", { class: "big-tick", "aria-hidden": "true" }, icon("tick")) : null,
        h("div", { role: "status" }, h("h2", { id: "overlay-title" }, view.title), h("p", null, view.text)),
        waitingPhase && r.position ? h("p", { class: "line-position", id: "overlay-position" }, lineText(r)) : null,
        waitingPhase ? h("p", { class: "elapsed muted", id: "overlay-elapsed" }, this.elapsed(r)) : null,
        h(
          "div",
          { class: "actions" },
          waitingPhase ? h("button", { type: "button", class: "secondary big", onclick: () => store.cancelRequest() }, "Cancel request") : null,
          r.phase === "connected" ? h("button", { type: "button", class: "primary big", onclick: () => this.openChat(r) }, "Open the chat") : null,
          view.retry ? h("button", { type: "button", class: "primary big", onclick: () => this.retry(r) }, view.retry) : null,
          view.retry ? h("button", { type: "button", class: "secondary big", onclick: () => this.dismiss() }, "Close") : null,
          // Staff stay one tap away while the seeker waits.
          waitingPhase ? h("hl-help-button") : null,
        ),
      ),
    );
    if (!this.dialog.open) this.dialog.showModal();
    if (this.phase !== r.phase) {
      this.phase = r.phase;
      this.dialog.querySelector(".actions button")?.focus();
    }
    if (r.phase === "connected") this.hideTimer = setTimeout(() => this.openChat(r), 2000);
  }

  elapsed(r) {
    return r.since ? `Waiting for ${waited(r.since)}` : "";
  }

  tick() {
    const el = this.dialog?.querySelector("#overlay-elapsed");
    if (el && store.request) el.textContent = this.elapsed(store.request);
  }

  openChat(r) {
    clearTimeout(this.hideTimer);
    store.setRequest(null);
    if (r.conversationId) go(`/chats/${r.conversationId}`);
  }

  retry(r) {
    const anyone = r.phase === "declined";
    store.ask({ target: anyone ? null : r.target, topic: r.topic ?? (anyone ? "daily" : null), note: r.note ?? "", requestType: r.requestType ?? "chat" });
  }

  dismiss() {
    store.setRequest(null);
  }
}

const STARS = ["1 – Not good", "2 – Could be better", "3 – Good", "4 – Very good", "5 – Wonderful"];

class RatingDialog extends HTMLElement {
  connectedCallback() {
    this.dialog = h("dialog", { class: "rating", "aria-labelledby": "rating-title" });
    this.append(this.dialog);
    store.on("ended", ({ conversation }) => {
      if (store.user?.role === "seeker" && conversation?.requestId) this.open(conversation);
    });
  }

  open(conversation) {
    const name = store.other(conversation).displayName;
    fill(
      this.dialog,
      h(
        "form",
        { method: "dialog", onsubmit: (e) => this.submit(e, conversation) },
        h("h2", { id: "rating-title" }, `How was your chat with ${name}?`),
        h(
          "fieldset",
          { class: "stars" },
          h("legend", null, "Your rating"),
          STARS.map((label, i) =>
            h("div", { class: "star" }, h("input", { type: "radio", name: "rating", id: `rating-${i + 1}`, value: i + 1, required: true }), h("label", { for: `rating-${i + 1}` }, h("span", { "aria-hidden": "true", class: "star-icons" }, "★".repeat(i + 1)), label)),
          ),
        ),
        h("label", { for: "rating-comment" }, "Anything you would like to tell us? (optional)"),
        h("textarea", { id: "rating-comment", name: "feedback", rows: 3, maxlength: 2000 }),
        h("p", { class: "form-error", role: "alert", id: "rating-error" }),
        h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big" }, "Send my rating"), h("button", { type: "button", class: "secondary big", onclick: () => this.dialog.close() }, "Not now")),
      ),
    );
    if (!this.dialog.open) this.dialog.showModal();
    this.dialog.querySelector("input")?.focus();
  }

  async submit(event, conversation) {
    event.preventDefault();
    const data = new FormData(event.target);
    const error = this.dialog.querySelector("#rating-error");
    if (!data.get("rating")) return void (error.textContent = "Please choose a rating from 1 to 5.");
    try {
      await store.rate(conversation.requestId, Number(data.get("rating")), String(data.get("feedback") ?? "").trim());
      fill(
        this.dialog,
        h("div", { class: "thanks" }, h("div", { class: "big-tick", "aria-hidden": "true" }, icon("tick")), h("div", { role: "status" }, h("h2", { id: "rating-title" }, "Thank you for your rating!")), h("button", { type: "button", class: "primary big", onclick: () => this.dialog.close() }, "Close")),
      );
      this.dialog.querySelector("button").focus();
      announce("Thank you for your rating!");
      store.emit("rated", conversation.requestId);
    } catch (e) {
      error.textContent = e.code === "conflict" ? "This chat has already been rated." : e.message;
    }
  }
}

customElements.define("hl-seeker-home", SeekerHome);
customElements.define("hl-request-overlay", RequestOverlay);
customElements.define("hl-rating-dialog", RatingDialog);
