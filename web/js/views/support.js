// The support dashboard. Today the server shares one thing with support
// accounts: the volunteers with their presence (GET /api/volunteers), which
// this screen polls. What else it needs is listed in docs/web.md.

import { h, fill, keepFocus, plural } from "../dom.js";
import { api } from "../api.js";

const REFRESH_MS = 5000;
const LABELS = { available: "Available", away: "Away", offline: "Offline" };

class SupportDashboard extends HTMLElement {
  connectedCallback() {
    document.title = "Support dashboard – Helpline";
    this.summary = h("div", { class: "stats", role: "status", "aria-live": "polite" });
    this.table = h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Volunteers table" });
    this.updated = h("span", { class: "muted" });
    fill(
      this,
      h("h1", { tabindex: "-1" }, "Support dashboard"),
      h("p", { class: "refresh" }, this.updated, h("button", { type: "button", class: "secondary", onclick: () => this.refresh() }, "Refresh now")),
      this.summary,
      h("section", { "aria-labelledby": "vol-title" }, h("h2", { id: "vol-title" }, "Volunteers"), this.table),
      h("p", { class: "muted" }, "Waiting requests and active chats are not shared with support accounts yet."),
    );
    this.refresh();
    this.timer = setInterval(() => document.visibilityState === "visible" && this.refresh(), REFRESH_MS);
  }

  disconnectedCallback() {
    clearInterval(this.timer);
  }

  async refresh() {
    try {
      const list = await api("GET", "/api/volunteers");
      const online = list.filter((v) => v.online);
      const available = online.filter((v) => v.availability === "available").length;
      const text = `${plural(online.length, "volunteer")} online: ${available} available, ${online.length - available} away.`;
      if (this.summary.dataset.text !== text) {
        this.summary.dataset.text = text;
        fill(
          this.summary,
          stat("Online", online.length, "online"),
          stat("Available", available, "available"),
          stat("Away", online.length - available, "away"),
          h("span", { class: "visually-hidden" }, text),
        );
      }
      const sorted = [...online, ...list.filter((v) => !v.online)];
      keepFocus(this.table, () =>
        fill(
          this.table,
          h(
            "table",
            null,
            h("caption", { class: "visually-hidden" }, "Volunteers, online first"),
            h("thead", null, h("tr", null, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Languages"))),
            h(
              "tbody",
              null,
              sorted.map((v) =>
                h(
                  "tr",
                  { "data-volunteer": v.id, "data-availability": v.availability },
                  h("th", { scope: "row" }, v.displayName),
                  h("td", null, h("span", { class: `presence presence-${v.availability}` }, h("span", { class: "dot", "aria-hidden": "true" }), LABELS[v.availability] ?? v.availability)),
                  h("td", null, v.languages.join(", ") || "—"),
                ),
              ),
            ),
          ),
        ),
      );
      this.updated.textContent = `Updated at ${new Date().toLocaleTimeString()}. Refreshes every ${REFRESH_MS / 1000} seconds.`;
    } catch {
      this.updated.textContent = "Could not refresh. Trying again shortly.";
    }
  }
}

function stat(label, value, kind) {
  return h("p", { class: `stat stat-${kind}`, "aria-hidden": "true" }, h("span", { class: "stat-value" }, String(value)), h("span", { class: "stat-label" }, label));
}

customElements.define("hl-support-dashboard", SupportDashboard);
