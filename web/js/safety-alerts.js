// Safety alerts: "I need help" from a seeker (or a volunteer, for a seeker
// who may be in danger) reaches every support agent at once
// (`safety:alert`). The person who raised one follows it until it is
// resolved: `safety:acknowledged` says who from the team is on it, and
// `safety:resolved` ends it. Their unresolved alerts come from
// `GET /api/alerts` on every connect, so a reload shows where things stand.
// Support hears `support:alert` (again while nobody has acknowledged it),
// lists the alerts, acknowledges them ("I'm on it") and resolves them with a
// note. Installed onto the Store class in state.js, so `this` is the store.

import { api } from "./api.js";

/** Why an alert was not sent, in plain words. */
export class AlertError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const newest = (a, b) => (b.lastRaisedAt ?? b.createdAt).localeCompare(a.lastRaisedAt ?? a.createdAt);

export class SafetyAlerts {
  bindAlerts(s) {
    s.on("safety:acknowledged", ({ alert } = {}) => alert && this.trackAlert(alert, "acknowledged"));
    s.on("safety:resolved", ({ alert } = {}) => alert && this.trackAlert(alert, "resolved"));
    // Support only: a new alert, or one nobody has acknowledged yet (repeated).
    s.on("support:alert", (event) => event?.alert && this.emit("safety-alert", event));
  }

  /** The newest of this person's unresolved alerts, or null. */
  get myAlert() {
    return this.myAlerts?.[0] ?? null;
  }

  /** Tells staff now; resolves with the alert, or throws an AlertError. */
  async raiseAlert({ conversationId = null, note = "" } = {}) {
    const payload = {};
    if (conversationId) payload.conversationId = conversationId;
    if (note.trim()) payload.note = note.trim();
    let ack;
    try {
      ack = await this.socket.request("safety:alert", payload);
    } catch {
      throw new AlertError("offline", "You are not connected right now, so staff have not been told yet. Please try again in a moment.");
    }
    if (!ack?.ok) {
      const code = ack?.error?.code ?? "internal";
      throw new AlertError(
        code,
        code === "invalid" && /note/i.test(ack?.error?.message ?? "")
          ? "Staff have not been told yet: what you wrote is too long. Please make it shorter (up to 1000 characters)."
          : "Staff have not been told yet: something went wrong. Please try again.",
      );
    }
    this.trackAlert(ack.alert, "raised");
    return ack.alert;
  }

  /** Keeps this person's unresolved alerts in step with the server. */
  trackAlert(alert, why) {
    const others = (this.myAlerts ?? []).filter((a) => a.id !== alert.id);
    this.myAlerts = alert.status === "resolved" ? others : [alert, ...others].sort(newest);
    this.emit("help", { alert, why });
  }

  /** This person's unresolved alerts (GET /api/alerts, newest first). A
   *  server without alerts (404) leaves the list empty. */
  async refreshMyAlerts() {
    if (this.user?.role === "support") return;
    let list;
    try {
      list = await api("GET", "/api/alerts", undefined, this.token);
    } catch {
      return;
    }
    if (!Array.isArray(list)) return;
    this.myAlerts = list.filter((a) => a.status !== "resolved" && a.raisedBy?.id === this.user?.id).sort(newest);
    this.emit("help", { alert: this.myAlert, why: "loaded" });
  }

  // -- support ----------------------------------------------------------------

  /** Support: alerts not yet resolved (open and acknowledged first). */
  openAlerts() {
    return api("GET", "/api/alerts?status=open");
  }

  /** Support: "I'm on it". 409 when someone already acknowledged it. */
  acknowledgeAlert(id) {
    return api("POST", `/api/alerts/${encodeURIComponent(id)}/ack`, {});
  }

  /** Support: resolves it with a note (1–1000 characters). */
  resolveAlert(id, note) {
    return api("POST", `/api/alerts/${encodeURIComponent(id)}/resolve`, { note });
  }
}
