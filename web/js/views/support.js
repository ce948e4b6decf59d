// The support dashboard: people waiting (with how long), chats in progress
// and volunteers with their presence, from GET /api/support/overview. The
// server sends `support:changed` whenever any of it changes, and the screen
// refetches (debounced). Every person has a "Message" button that opens a
// direct chat with them (conversation:start) in the Chats screen. A request
// nobody has answered for a while is escalated by the server (newer
// servers): it is marked "Waiting too long" and support can take it
// (volunteer:accept) and talk with the person like a volunteer. Newer
// servers also give each waiting person's place in the line, each
// volunteer's open chats (against the cap) and the sensitive topics they
// are credentialed for, which support changes here (PUT
// /api/volunteers/{id}/credentials). Reports from members and volunteers
// are listed below (<hl-reports>). Safety alerts, when any is not resolved,
// come first (<hl-safety-alerts>), then open welfare checks
// (<hl-welfare-checks>).

import { h, fill, keepFocus, plural, waited, notice, announce, go, TOPICS, KINDS } from "../dom.js";
import { api } from "../api.js";
import { store } from "../state.js";
import "./reports.js";
import "./safety-alerts.js";
import "./welfare.js";

const DEBOUNCE_MS = 250;
const TICK_MS = 5000;
const FALLBACK_MS = 60_000;
const ROLE_WORDS = { seeker: "Member", volunteer: "Volunteer", support: "Support" };
const LABELS = { available: "Available", away: "Away", offline: "Offline" };
const CREDENTIALS = { emotional: "Emotional support", health: "Health" };

class SupportDashboard extends HTMLElement {
  connectedCallback() {
    document.title = "Support dashboard – Helpline";
    this.summary = h("div", { class: "stats", role: "status", "aria-live": "polite" });
    this.pending = region("People waiting table");
    this.sessions = region("Chats in progress table");
    this.table = region("Volunteers table");
    this.pendingTitle = h("h2", { id: "pending-title" }, "People waiting");
    this.sessionsTitle = h("h2", { id: "sessions-title" }, "Chats in progress");
    this.updated = h("span", { class: "muted" });
    fill(
      this,
      h("h1", { tabindex: "-1" }, "Support dashboard"),
      (this.alerts = h("hl-safety-alerts")),
      h("hl-welfare-checks"),
      h("p", { class: "refresh" }, this.updated, h("button", { type: "button", class: "secondary", onclick: () => this.refresh() }, "Refresh now")),
      this.summary,
      h("section", { "aria-labelledby": "pending-title" }, this.pendingTitle, this.pending),
      h("section", { "aria-labelledby": "sessions-title" }, this.sessionsTitle, this.sessions),
      h("section", { "aria-labelledby": "vol-title" }, h("h2", { id: "vol-title" }, "Volunteers"), this.table),
      this.searchBox(),
      (this.reports = h("hl-reports")),
    );
    this.refresh();
    this.unsubscribe = [
      store.on("support", () => this.soon()),
      store.on("presence", () => this.soon()),
      store.on("connection", (state) => state === "connected" && this.soon()),
      store.on("escalation", ({ seekerDisplayName }) => {
        notice(`${seekerDisplayName} has been waiting a while and nobody has answered. You can take the request.`);
        this.soon();
      }),
    ];
    // Waiting times and chat lengths tick on the device; a slow poll covers
    // changes on other server processes, which send no events here.
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.poll = setInterval(() => document.visibilityState === "visible" && this.refresh(), FALLBACK_MS);
  }

  disconnectedCallback() {
    clearTimeout(this.debounce);
    clearInterval(this.ticker);
    clearInterval(this.poll);
    this.unsubscribe?.forEach((off) => off());
  }

  /** Refetches shortly, once for a burst of changes. */
  soon() {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  }

  tick() {
    this.querySelectorAll("[data-since]").forEach((el) => (el.textContent = waited(el.dataset.since)));
  }

  async refresh() {
    let overview;
    try {
      overview = await api("GET", "/api/support/overview");
    } catch {
      this.updated.textContent = "Could not refresh. Trying again shortly.";
      return;
    }
    const { pendingRequests: pending, activeSessions: sessions, volunteers } = overview;
    const online = volunteers.filter((v) => v.online);
    const available = online.filter((v) => v.availability === "available").length;
    const text =
      `${pending.length} waiting, ${plural(sessions.length, "chat")} in progress. ` +
      `${plural(online.length, "volunteer")} online: ${available} available, ${online.length - available} away.`;
    if (this.summary.dataset.text !== text) {
      this.summary.dataset.text = text;
      fill(
        this.summary,
        stat("Waiting", pending.length, "waiting"),
        stat("In chats", sessions.length, "chats"),
        stat("Online", online.length, "online"),
        stat("Available", available, "available"),
        stat("Away", online.length - available, "away"),
        h("span", { class: "visually-hidden" }, text),
      );
    }
    this.pendingTitle.textContent = pending.length ? `People waiting (${pending.length})` : "People waiting";
    this.sessionsTitle.textContent = sessions.length ? `Chats in progress (${sessions.length})` : "Chats in progress";
    this.renderPending(pending);
    this.renderSessions(sessions);
    this.alerts.setSessions?.(sessions);
    this.renderVolunteers([...online, ...volunteers.filter((v) => !v.online)], overview);
    this.updated.textContent = `Updated at ${new Date().toLocaleTimeString()}. Updates live.`;
  }

  renderPending(pending) {
    // Older servers send no place in the line: no such column.
    const places = pending.some((r) => r.position !== undefined);
    keepFocus(this.pending, () =>
      fill(
        this.pending,
        pending.length
          ? table(
              "People waiting, longest first",
              [places ? "Place" : null, "Name", "Asked for", "Note", "Waiting", "Actions"].filter(Boolean),
              pending.map((r) =>
                h(
                  "tr",
                  { "data-request": r.id },
                  places ? h("td", { class: "place" }, r.position ? String(r.position) : "—") : null,
                  h("th", { scope: "row" }, r.seekerName, r.escalatedAt ? h("span", { class: "badge urgent" }, "Waiting too long") : null),
                  h("td", null, [KINDS[r.requestType] ?? r.requestType, r.topic ? `, ${TOPICS[r.topic] ?? r.topic}` : "", r.targetVolunteerId ? " (one volunteer)" : ""].join("")),
                  h("td", null, r.note || "—"),
                  h("td", { "data-since": r.createdAt }, waited(r.createdAt)),
                  h("td", null, r.escalatedAt ? this.takeButton(r) : null, this.messageButton(r.seniorId, r.seekerName)),
                ),
              ),
            )
          : h("p", { class: "muted empty" }, "No one is waiting right now."),
      ),
    );
  }

  renderSessions(sessions) {
    keepFocus(this.sessions, () =>
      fill(
        this.sessions,
        sessions.length
          ? table(
              "Chats in progress, oldest first",
              ["Member", "Volunteer", "Going on for", "Actions"],
              sessions.map((s) =>
                h(
                  "tr",
                  { "data-conversation": s.conversationId },
                  h("th", { scope: "row" }, s.seeker.displayName),
                  h("td", null, s.volunteer.displayName),
                  h("td", { "data-since": s.startedAt }, waited(s.startedAt)),
                  h("td", null, h("div", { class: "actions" }, this.messageButton(s.seeker.id, s.seeker.displayName), this.messageButton(s.volunteer.id, s.volunteer.displayName))),
                ),
              ),
            )
          : h("p", { class: "muted empty" }, "No chats are in progress."),
      ),
    );
  }

  renderVolunteers(list, { maxActiveChats, credentialsRequired } = {}) {
    // Older servers send neither load nor credentials: no such columns.
    const loads = list.some((v) => v.activeChats !== undefined);
    const credentials = list.some((v) => Array.isArray(v.credentials));
    keepFocus(this.table, () =>
      fill(
        this.table,
        credentials
          ? h("p", { class: "muted" }, credentialsRequired ? "Health and emotional requests go only to volunteers credentialed for them." : "Credentials are recorded but not required on this server: every request goes to every volunteer.")
          : null,
        table(
          "Volunteers, online first",
          ["Name", "Status", loads ? "Chats" : null, "Languages", credentials ? "Credentials" : null, "Actions"].filter(Boolean),
          list.map((v) =>
            h(
              "tr",
              { "data-volunteer": v.id, "data-availability": v.availability },
              h("th", { scope: "row" }, v.displayName),
              h("td", null, h("span", { class: `presence presence-${v.availability}` }, h("span", { class: "dot", "aria-hidden": "true" }), LABELS[v.availability] ?? v.availability)),
              loads ? h("td", { class: "load" }, maxActiveChats ? `${v.activeChats} of ${maxActiveChats}` : String(v.activeChats)) : null,
              h("td", null, v.languages.join(", ") || "—"),
              credentials ? h("td", null, this.credentialBoxes(v)) : null,
              h("td", null, this.messageButton(v.id, v.displayName)),
            ),
          ),
        ),
      ),
    );
  }

  /** One checkbox per sensitive topic; a change saves the whole set. */
  credentialBoxes(v) {
    return h(
      "fieldset",
      // Named by aria-label, not a visually hidden legend: an absolutely
      // placed legend escapes the table's sideways scroller and widens the
      // page on a phone.
      { class: "credentials", "aria-label": `${v.displayName}'s credentials` },
      Object.entries(CREDENTIALS).map(([topic, label]) =>
        h(
          "label",
          null,
          h("input", {
            type: "checkbox",
            name: topic,
            "data-key": `cred-${v.id}-${topic}`,
            checked: v.credentials.includes(topic),
            onchange: (event) => this.saveCredentials(v, event.currentTarget.closest("fieldset")),
          }),
          label,
        ),
      ),
    );
  }

  async saveCredentials(v, fieldset) {
    const topics = [...fieldset.querySelectorAll("input:checked")].map((box) => box.name);
    fieldset.disabled = true;
    try {
      const saved = await api("PUT", `/api/volunteers/${encodeURIComponent(v.id)}/credentials`, { topics });
      const named = saved.credentials.map((t) => CREDENTIALS[t].toLowerCase());
      announce(named.length ? `${v.displayName} is credentialed for ${named.join(" and ")}.` : `${v.displayName} has no credentials now.`);
    } catch (error) {
      notice(`Could not change ${v.displayName}'s credentials. ${error.message}`);
    }
    fieldset.disabled = false;
    this.soon();
  }

  messageButton(userId, name) {
    return h(
      "button",
      { type: "button", class: "secondary", "data-key": `message-${userId}`, onclick: (event) => this.message(userId, name, event.currentTarget) },
      `Message ${name}`,
    );
  }

  /** "Message anyone": GET /api/users?q= (newer servers), each result with
   *  its own "Message …" button. */
  searchBox() {
    this.found = h("div", { class: "user-results", role: "status" });
    return h(
      "section",
      { class: "card user-search", "aria-labelledby": "user-search-title" },
      h("h2", { id: "user-search-title" }, "Message anyone"),
      h(
        "form",
        { class: "search-row", role: "search", onsubmit: (e) => this.searchUsers(e) },
        h("label", { for: "user-search" }, "Name or username"),
        h("input", { type: "search", id: "user-search", name: "q", autocomplete: "off", required: true, minlength: 1 }),
        h("button", { type: "submit", class: "primary" }, "Find"),
      ),
      this.found,
    );
  }

  async searchUsers(event) {
    event.preventDefault();
    const q = event.target.q.value.trim();
    if (!q) return;
    fill(this.found, h("p", { class: "muted" }, "Looking…"));
    let users;
    try {
      users = await api("GET", `/api/users?q=${encodeURIComponent(q)}`);
    } catch (error) {
      return fill(this.found, h("p", null, error.status === 404 ? "This server cannot search for people yet. You can message anyone shown on this dashboard." : `Could not search: ${error.message}`));
    }
    const others = (Array.isArray(users) ? users : []).filter((u) => u.id !== store.user.id);
    fill(
      this.found,
      others.length
        ? [
            h("p", null, others.length === 1 ? "1 person found." : `${others.length} people found.`),
            h(
              "ul",
              { class: "plain people-found" },
              others.map((u) => h("li", null, h("span", { class: "found-name" }, `${u.displayName} (${ROLE_WORDS[u.role] ?? u.role})`), this.messageButton(u.id, u.displayName))),
            ),
          ]
        : h("p", null, `No one found for “${q}”.`),
    );
  }

  /** Opens (or finds) a direct chat with the person and shows it. */
  /** Takes an escalated request: the chat opens as it would for a volunteer. */
  takeButton(r) {
    return h(
      "button",
      { type: "button", "data-key": `take-${r.id}`, onclick: (event) => this.take(r, event.currentTarget) },
      `Take ${r.seekerName}'s request`,
    );
  }

  async take(r, button) {
    button.disabled = true;
    announce(`Taking ${r.seekerName}'s request…`);
    let ack;
    try {
      ack = await store.socket.request("volunteer:accept", { requestId: r.id });
    } catch {
      ack = { ok: false, error: { message: "You are not connected." } };
    }
    if (ack.ok) {
      await store.refreshConversations();
      go(`/chats/${encodeURIComponent(ack.conversationId)}`);
      return;
    }
    notice(
      ack.error?.code === "already_claimed"
        ? `Someone is already helping ${r.seekerName}.`
        : `Could not take ${r.seekerName}'s request. ${ack.error?.message ?? ""}`,
    );
    button.disabled = false;
    this.soon();
  }

  async message(userId, name, button) {
    button.disabled = true;
    announce(`Opening a chat with ${name}…`);
    try {
      const id = await store.startConversation(userId);
      go(`/chats/${encodeURIComponent(id)}`);
    } catch (error) {
      notice(`Could not open a chat with ${name}. ${error.message}`);
      button.disabled = false;
    }
  }
}

function region(label) {
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label });
}

function table(caption, columns, rows) {
  return h(
    "table",
    null,
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", null, rows),
  );
}

function stat(label, value, kind) {
  return h("p", { class: `stat stat-${kind}`, "aria-hidden": "true" }, h("span", { class: "stat-value" }, String(value)), h("span", { class: "stat-label" }, label));
}

customElements.define("hl-support-dashboard", SupportDashboard);
