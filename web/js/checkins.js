// Regular check-ins with a familiar companion: a seeker and a volunteer who
// have talked agree on a weekly time ("every Tuesday at 10:00, a voice
// call"). Either proposes (POST /api/checkins), the other accepts; either
// pauses, resumes or cancels. The server tells both people as things
// change (`checkin:changed`), 10 minutes before (`checkin:reminder`), at
// the time (`checkin:due`) and when one passed without contact
// (`checkin:missed`). The list comes from GET /api/checkins on every
// connect. Installed onto the Store class in state.js, so `this` is the
// store.

import { api } from "./api.js";

const path = (id, action = "") => `/api/checkins/${encodeURIComponent(id)}${action ? `/${action}` : ""}`;

export class Checkins {
  bindCheckins(s) {
    s.on("checkin:changed", ({ checkin } = {}) => {
      if (!checkin) return;
      const before = this.checkins?.get(checkin.id) ?? null;
      this.trackCheckin(checkin);
      this.emit("checkin-changed", { checkin, before });
    });
    for (const [event, topic] of [
      ["checkin:reminder", "checkin-reminder"],
      ["checkin:due", "checkin-due"],
      ["checkin:missed", "checkin-missed"],
    ])
      s.on(event, ({ checkin } = {}) => {
        if (!checkin) return;
        this.trackCheckin(checkin);
        this.emit(topic, checkin);
      });
  }

  /** Keeps the list in step with one check-in the server sent. */
  trackCheckin(checkin) {
    this.checkins ??= new Map();
    if (checkin.status === "cancelled") this.checkins.delete(checkin.id);
    else this.checkins.set(checkin.id, checkin);
    this.emit("checkins");
    return checkin;
  }

  /** The person's check-ins (not cancelled). A server without them (404)
   *  leaves `checkinsSupported` false, and the card stays hidden. */
  async refreshCheckins() {
    if (this.user?.role === "support") return;
    let list;
    try {
      list = await api("GET", "/api/checkins", undefined, this.token);
    } catch (error) {
      if (error.status === 404) {
        this.checkinsSupported = false;
        this.emit("checkins");
      }
      return;
    }
    if (!Array.isArray(list)) return;
    this.checkinsSupported = true;
    this.checkins = new Map(list.filter((c) => c.status !== "cancelled").map((c) => [c.id, c]));
    this.emit("checkins");
  }

  /** The other person in a check-in (for this user). */
  checkinPartner(checkin) {
    return checkin.seeker?.id === this.user?.id ? checkin.volunteer : checkin.seeker;
  }

  /** Proposes one: { withUserId, weekday, time, timeZone, kind }. */
  async proposeCheckin(fields) {
    return this.trackCheckin(await api("POST", "/api/checkins", fields));
  }

  async acceptCheckin(id) {
    return this.trackCheckin(await api("POST", path(id, "accept"), {}));
  }

  async pauseCheckin(id) {
    return this.trackCheckin(await api("POST", path(id, "pause"), {}));
  }

  async resumeCheckin(id) {
    return this.trackCheckin(await api("POST", path(id, "resume"), {}));
  }

  /** Cancels one (either person); a proposal the other made is turned down this way. */
  async cancelCheckin(id) {
    const answer = await api("DELETE", path(id));
    return this.trackCheckin(answer?.id ? answer : { ...this.checkins?.get(id), id, status: "cancelled" });
  }

  /** The volunteer starts a due check-in: resolves with the conversation's id
   *  (opened or reused), once it is in the conversation list. */
  async startCheckin(id) {
    const { conversationId } = await api("POST", path(id, "start"), {});
    if (!this.conversations.has(conversationId)) await this.refreshConversations();
    return conversationId;
  }
}
