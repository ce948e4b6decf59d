// <hl-reports>: support's list of reports (GET /api/reports), open ones
// first, updated live by `report:new`. Each shows who was reported, the
// message's text kept as evidence, the reason, and lets support message the
// reporter or mark the report resolved. Each report names both people
// (`reporter` and `reported`: id, display name and role).

import { h, fill, keepFocus, waited, announce, notice, go } from "../dom.js";
import { store } from "../state.js";

class Reports extends HTMLElement {
  connectedCallback() {
    this.heading = h("h2", { id: "reports-title" }, "Reports");
    this.body = h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Reports table" });
    fill(this, h("section", { "aria-labelledby": "reports-title" }, this.heading, this.body));
    this.off = [
      store.on("reports", (report) => {
        announce("A new report has arrived.");
        this.refresh(report);
      }),
      store.on("connection", (state) => state === "connected" && this.refresh()),
    ];
    this.refresh();
  }

  disconnectedCallback() {
    this.off.forEach((off) => off());
  }

  async refresh() {
    try {
      this.list = (await store.reports()).filter((r) => r.status === "open");
    } catch {
      return;
    }
    this.render();
  }

  render() {
    const list = this.list ?? [];
    this.heading.textContent = list.length ? `Reports (${list.length} open)` : "Reports";
    keepFocus(this.body, () =>
      fill(
        this.body,
        list.length
          ? h(
              "table",
              null,
              h("caption", { class: "visually-hidden" }, "Open reports, newest first"),
              h("thead", null, h("tr", null, ["Reported", "About", "Reason", "When", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
              h("tbody", null, list.map((r) => this.row(r))),
            )
          : h("p", { class: "muted empty" }, "No open reports."),
      ),
    );
  }

  row(r) {
    const reporter = r.reporter.displayName;
    const reported = r.reported.displayName;
    return h(
      "tr",
      { "data-report": r.id },
      h("th", { scope: "row" }, `${reported} (${r.reported.role})`, h("span", { class: "muted" }, ` by ${reporter} (${r.reporter.role})`)),
      h("td", null, r.messageExcerpt ? h("q", null, r.messageExcerpt) : "The person"),
      h("td", null, r.reason),
      h("td", null, `${waited(r.createdAt)} ago`),
      h(
        "td",
        null,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "secondary", "data-key": `reply-${r.id}`, onclick: (e) => this.message(r.reporter.id, reporter, e.currentTarget) }, "Message", h("span", { class: "visually-hidden" }, ` ${reporter}, who reported`)),
          h("button", { type: "button", class: "secondary", "data-key": `resolve-${r.id}`, onclick: () => this.resolve(r) }, "Resolve", h("span", { class: "visually-hidden" }, ` the report about ${reported}`)),
        ),
      ),
    );
  }

  async resolve(report) {
    try {
      await store.resolveReport(report.id);
      announce("The report is resolved.");
    } catch (error) {
      notice(`Could not resolve the report. ${error.message}`);
    }
    await this.refresh();
    this.heading.setAttribute("tabindex", "-1");
    this.heading.focus();
  }

  async message(userId, name, button) {
    button.disabled = true;
    try {
      go(`/chats/${encodeURIComponent(await store.startConversation(userId))}`);
    } catch (error) {
      notice(`Could not open a chat with ${name}. ${error.message}`);
      button.disabled = false;
    }
  }
}

customElements.define("hl-reports", Reports);
