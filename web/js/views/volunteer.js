// The volunteer's home: availability, notifications on this device,
// incoming requests (Accept / Decline), the list of active chats and the
// regular check-ins (<hl-checkins>). A
// notification's link (/?request={id}) brings that request into view.

import { h, fill, go, keepFocus, waited, plural, TOPICS, KINDS, announce, icon, notice } from "../dom.js";
import { store } from "../state.js";
import { api } from "../api.js";
import { unanswered } from "../requests.js";
import { chime, notify } from "../alerts.js";
import "./notifications.js";
import "./checkins.js";

/** How long a request named by a notification's link may take to be
 *  offered again after connecting, before we say it is gone. */
const LINK_WAIT_MS = 8000;

// Alerts are app-wide: a request arriving while the volunteer reads a chat
// still rings.
store.on("incoming", (offer) => {
  const kind = KINDS[offer.requestType] ?? "Chat";
  const text = forMe(offer)
    ? `${offer.seeker.displayName} asked for you (${kind.toLowerCase()}).`
    : `${offer.seeker.displayName} would like to talk (${kind.toLowerCase()}).`;
  announce(`New request: ${text}${whyYou(offer) ? ` ${whyYou(offer)}` : ""}`, true);
  chime();
  notify("Someone would like to talk", offer.note ? `${text} “${offer.note}”` : text, offer.requestId);
});

class VolunteerHome extends HTMLElement {
  connectedCallback() {
    document.title = "Home – Helpline";
    this.off = [
      store.on("offers", () => keepFocus(this, () => this.renderOffers())),
      store.on("availability", () => this.renderAvailability()),
      store.on("conversations", () => keepFocus(this, () => this.renderChats())),
    ];
    this.timer = setInterval(() => this.querySelectorAll("[data-since]").forEach((el) => (el.textContent = `Waiting for ${waited(el.dataset.since)}`)), 15_000);
    fill(
      this,
      h("h1", { tabindex: "-1" }, `Hello, ${store.user.displayName}`),
      // Requests come first, so Accept is in view without scrolling.
      h("section", { id: "offers", class: "offers-first", "aria-labelledby": "offers-title" }),
      h(
        "div",
        { class: "columns" },
        h("div", null, h("section", { class: "card", id: "availability" }), h("section", { class: "card week-card", id: "week", "aria-labelledby": "week-title", hidden: true }), h("hl-notifications", { compact: "" })),
        h("div", null, h("section", { id: "active-chats", "aria-labelledby": "chats-title" }), h("hl-checkins")),
      ),
    );
    this.addEventListener("hl-push-state", (e) => {
      this.push = e.detail;
      this.renderAvailability();
    });
    this.renderAvailability();
    this.renderOffers();
    this.renderChats();
    this.loadWeek();
  }

  /** "Your week" (newer servers' GET /api/me/week): chats taken and time
   *  given in the last seven days, and a gentle word about rest past the
   *  helpline's hint. Hidden on a server without it. */
  async loadWeek() {
    let week;
    try {
      week = await api("GET", "/api/me/week");
    } catch {
      return;
    }
    const box = this.querySelector("#week");
    if (!box || typeof week?.sessions !== "number") return;
    const hours = Math.floor(week.minutes / 60);
    const minutes = week.minutes % 60;
    const time = week.minutes < 1 ? "less than a minute" : [hours ? plural(hours, "hour") : null, minutes ? plural(minutes, "minute") : null].filter(Boolean).join(" ");
    fill(
      box,
      h("h2", { id: "week-title" }, "Your week"),
      h("p", null, week.sessions ? `In the last seven days you talked with ${week.sessions === 1 ? "1 person" : `${week.sessions} people`}, for ${time} in all.` : "You have not talked with anyone in the last seven days."),
      week.restSuggested ? h("p", { class: "rest-hint" }, "That is a lot of time given. Thank you. Please remember to rest too: it is fine to switch to Away.") : null,
    );
    box.hidden = false;
  }

  disconnectedCallback() {
    this.off.forEach((off) => off());
    clearInterval(this.timer);
    this.stopLooking?.();
  }

  /** Brings the waiting request `requestId` into view (a notification was
   *  clicked). The server offers every waiting request again on connect,
   *  so it may arrive a moment later; if it does not, it was taken or
   *  withdrawn meanwhile, and we say so. */
  showRequest(requestId) {
    this.stopLooking?.();
    const found = () => {
      const card = [...this.querySelectorAll("#offers [data-request]")].find((el) => el.dataset.request === requestId);
      if (!card) return false;
      card.scrollIntoView({ block: "center" });
      card.querySelector("button.primary")?.focus({ preventScroll: true });
      const offer = store.offers.get(requestId);
      if (offer) announce(`${offer.seeker.displayName} is waiting. Accept or decline.`);
      return true;
    };
    let timer = null;
    const stop = () => {
      offOffers();
      offConnection();
      clearTimeout(timer);
      this.stopLooking = null;
    };
    const look = () => {
      if (found()) stop();
    };
    const giveUp = () => {
      timer = null;
      if (found()) return stop();
      stop();
      notice("That request is no longer waiting: someone else answered it, or it was withdrawn.");
    };
    const offOffers = store.on("offers", () => requestAnimationFrame(look));
    const offConnection = store.on("connection", (state) => {
      if (state === "connected" && !timer) timer = setTimeout(giveUp, LINK_WAIT_MS);
    });
    this.stopLooking = stop;
    if (store.connection === "connected") timer = setTimeout(giveUp, LINK_WAIT_MS);
    // After the screen's own focus move to its heading (main.js).
    requestAnimationFrame(() => requestAnimationFrame(look));
  }

  renderAvailability() {
    const on = store.availability === "available";
    const box = this.querySelector("#availability");
    fill(
      box,
      h(
        "button",
        { type: "button", role: "switch", class: "switch", "aria-checked": String(on), "aria-describedby": "availability-text", onclick: () => this.toggle(on ? "away" : "available") },
        h("span", { class: "track", "aria-hidden": "true" }, h("span", { class: "thumb" })),
        h("span", { class: "switch-label" }, "Available for new requests"),
      ),
      h("p", { id: "availability-text", class: `availability availability-${on ? "on" : "off"}` }, on ? "On: new requests appear at the top of this screen while Helpline is open." : "Off: you are away and will not get new requests."),
      !on && store.autoAway
        ? h("p", { class: "auto-away", id: "auto-away" }, `We set you to Away: ${unanswered(store.autoAway).toLowerCase()}, and nobody should wait for a volunteer who has stepped away.`)
        : null,
      h(
        "p",
        { class: "muted availability-more" },
        on
          ? this.push === "on"
            ? "You are on call: when Helpline is closed, this device gets a notification for each new request (except in your quiet hours). Helpline remembers this until you turn it off."
            : this.push === "off" || this.push === "blocked"
              ? "Helpline remembers this until you turn it off. Turn on “Notifications on this device” to hear about requests while Helpline is closed."
              : "Helpline remembers this until you turn it off."
          : "Helpline remembers this, also when you close it, until you turn it back on. You get no notifications while you are away.",
      ),
    );
  }

  async toggle(status) {
    try {
      await store.setAvailability(status);
      this.querySelector("#availability button").focus();
      announce(status === "available" ? "You are available for new requests." : "You are away.");
    } catch {
      announce("Could not change your availability. Are you connected?", true);
    }
  }

  renderOffers() {
    const box = this.querySelector("#offers");
    const offers = [...store.offers.values()];
    fill(
      box,
      h("h2", { id: "offers-title" }, offers.length ? `People waiting (${offers.length})` : "People waiting"),
      offers.length
        ? h("ul", { class: "offers plain" }, offers.map((o) => offerCard(o)))
        : h("p", { class: "muted empty" }, store.availability === "available" ? "No one is waiting right now. We will let you know when someone asks." : "Turn on “Available” to see new requests."),
    );
  }

  renderChats() {
    const box = this.querySelector("#active-chats");
    const active = [...store.conversations.values()].filter((c) => c.status === "active");
    fill(
      box,
      h("h2", { id: "chats-title" }, active.length ? `Your active chats (${active.length})` : "Your active chats"),
      active.length
        ? h(
            "ul",
            { class: "plain chat-links" },
            active.map((c) => {
              const other = store.other(c);
              return h(
                "li",
                null,
                h(
                  "a",
                  { class: "button", href: `/chats/${c.id}`, "data-link": true, "data-key": `chat-${c.id}` },
                  icon("chat"),
                  other.displayName,
                  c.unreadCount ? h("span", { class: "badge" }, String(c.unreadCount), h("span", { class: "visually-hidden" }, " unread")) : null,
                ),
              );
            }),
          )
        : h("p", { class: "muted empty" }, "When you accept a request, the chat appears here."),
      active.length > 1 ? h("p", { class: "muted" }, `You are helping ${plural(active.length, "person")} at once.`) : null,
    );
  }
}


/** One waiting request with Accept / Decline. */
function offerCard(o, compact = false) {
  const name = o.seeker.displayName;
  return h(
    "li",
    { class: `card offer${compact ? " compact" : ""}`, "data-request": o.requestId },
    h("h3", null, name),
    forMe(o) ? h("p", { class: "asked-for-you" }, `${name} asked for you`) : null,
    whyYou(o) ? h("p", { class: "why-you" }, whyYou(o)) : null,
    h(
      "p",
      { class: "tags" },
      h("span", { class: "tag" }, KINDS[o.requestType] ?? o.requestType),
      o.topic ? h("span", { class: "tag" }, `Topic: ${TOPICS[o.topic] ?? o.topic}`) : null,
    ),
    o.requestType !== "chat" ? h("p", { class: "muted" }, `Accepting starts a ${o.requestType === "video" ? "video" : "voice"} call.`) : null,
    o.note ? h("blockquote", { class: "note" }, o.note) : null,
    h("p", { class: "waiting muted", "data-since": o.createdAt }, `Waiting for ${waited(o.createdAt)}`),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", "data-key": `accept-${o.requestId}`, onclick: (e) => accept(e, o) }, "Accept", h("span", { class: "visually-hidden" }, ` ${name}`)),
      h("button", { type: "button", class: "secondary", "data-key": `decline-${o.requestId}`, onclick: () => store.decline(o) }, "Decline", h("span", { class: "visually-hidden" }, ` ${name}`)),
    ),
  );
}

/** Why a request came to this volunteer early, in plain words (servers
 *  that offer requests a few volunteers at a time say so in `why`), or
 *  null. */
function whyYou(o) {
  const name = o.seeker.displayName;
  const said = (o.why ?? []).map((reason) =>
    reason.kind === "familiar" ? `you helped ${name} before` : reason.kind === "language" ? `${name} speaks ${languageName(reason.language)}` : null,
  );
  const parts = said.filter(Boolean);
  if (!parts.length) return null;
  return `Sent to you first: ${parts.join(", and ")}.`;
}

/** A language as people say it: "hi" is Hindi; a name is kept as written. */
function languageName(language) {
  const text = String(language ?? "").trim();
  if (/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(text)) {
    try {
      const named = new Intl.DisplayNames(["en"], { type: "language" }).of(text);
      if (named && named.toLowerCase() !== text.toLowerCase()) return named;
    } catch {
      // Not a code after all.
    }
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A request made to this volunteer by name (newer servers say whom). */
function forMe(o) {
  return !!o.targetVolunteerId && o.targetVolunteerId === store.user?.id;
}

async function accept(event, offer) {
  const button = event.currentTarget;
  button.disabled = true;
  button.textContent = "Accepting…";
  try {
    const conversationId = await store.accept(offer);
    if (conversationId) go(`/chats/${conversationId}`);
  } catch {
    announce("Could not accept: you are not connected.", true);
    button.disabled = false;
    button.textContent = "Accept";
  }
}

/** Waiting requests shown above every other screen (a chat, the list), so a
 *  volunteer busy in one chat still sees and can take the next request. */
class OfferTray extends HTMLElement {
  connectedCallback() {
    this.off = store.on("offers", () => keepFocus(this, () => this.render()));
    this.render();
  }

  disconnectedCallback() {
    this.off();
  }

  render() {
    const offers = [...store.offers.values()];
    this.hidden = !offers.length;
    fill(
      this,
      offers.length
        ? h(
            "section",
            { class: "tray", tabindex: "0", "aria-labelledby": "tray-title" },
            h("h2", { id: "tray-title" }, offers.length === 1 ? "Someone is waiting" : `${offers.length} people are waiting`),
            h("ul", { class: "offers plain" }, offers.map((o) => offerCard(o, true))),
          )
        : null,
    );
  }
}

customElements.define("hl-volunteer-home", VolunteerHome);
customElements.define("hl-offer-tray", OfferTray);
