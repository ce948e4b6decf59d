// The volunteer's home: availability, alerts, incoming requests (Accept /
// Decline) and the list of active chats.

import { h, fill, go, keepFocus, waited, plural, TOPICS, KINDS, announce, icon } from "../dom.js";
import { store } from "../state.js";
import { askForNotifications, canNotify, chime, notify, notificationsAsked } from "../alerts.js";

// Alerts are app-wide: a request arriving while the volunteer reads a chat
// still rings.
store.on("incoming", (offer) => {
  const kind = KINDS[offer.requestType] ?? "Chat";
  const text = `${offer.seeker.displayName} would like to talk (${kind.toLowerCase()}).`;
  announce(`New request: ${text}`, true);
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
    this.timer = setInterval(() => this.querySelectorAll("[data-since]").forEach((el) => (el.textContent = `Waiting ${waited(el.dataset.since)}`)), 15_000);
    fill(
      this,
      h("h1", { tabindex: "-1" }, `Hello, ${store.user.displayName}`),
      h("div", { class: "columns" }, h("div", null, h("section", { class: "card", id: "availability" }), h("div", { id: "alerts" }), h("section", { id: "offers", "aria-labelledby": "offers-title" })), h("section", { id: "active-chats", "aria-labelledby": "chats-title" })),
    );
    this.renderAvailability();
    this.renderAlerts();
    this.renderOffers();
    this.renderChats();
  }

  disconnectedCallback() {
    this.off.forEach((off) => off());
    clearInterval(this.timer);
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
      h("p", { id: "availability-text", class: `availability availability-${on ? "on" : "off"}` }, on ? "On: new requests will appear below." : "Off: you are away and will not get new requests."),
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

  renderAlerts() {
    const box = this.querySelector("#alerts");
    if (!canNotify() || notificationsAsked()) return fill(box);
    fill(
      box,
      h(
        "section",
        { class: "card alerts-card", "aria-labelledby": "alerts-title" },
        h("h2", { id: "alerts-title" }, icon("bell"), "Alerts"),
        h("p", null, "Hear a sound and get a notification when someone asks for help, even while this page is in the background."),
        h(
          "button",
          {
            type: "button",
            class: "primary",
            onclick: async () => {
              await askForNotifications();
              this.renderAlerts();
              this.querySelector("#availability button").focus();
            },
          },
          "Turn on alerts",
        ),
      ),
    );
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
    h(
      "p",
      { class: "tags" },
      h("span", { class: "tag" }, KINDS[o.requestType] ?? o.requestType),
      o.topic ? h("span", { class: "tag" }, `Topic: ${TOPICS[o.topic] ?? o.topic}`) : null,
    ),
    o.requestType !== "chat" ? h("p", { class: "muted" }, `Accepting starts a ${o.requestType === "video" ? "video" : "voice"} call.`) : null,
    o.note ? h("blockquote", { class: "note" }, o.note) : null,
    h("p", { class: "waiting muted", "data-since": o.createdAt }, `Waiting ${waited(o.createdAt)}`),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", "data-key": `accept-${o.requestId}`, onclick: (e) => accept(e, o) }, "Accept", h("span", { class: "visually-hidden" }, ` ${name}`)),
      h("button", { type: "button", class: "secondary", "data-key": `decline-${o.requestId}`, onclick: () => store.decline(o) }, "Decline", h("span", { class: "visually-hidden" }, ` ${name}`)),
    ),
  );
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
