// Blocking and reporting. Whom this user blocked comes from the server
// (`GET /api/blocks`), fetched on every connect and again before the chat's
// options open, so each of the user's devices shows the right button.
// Installed onto the Store class in state.js, so `this` is the store.

import { api } from "./api.js";

export class Safety {
  isBlocked(userId) {
    return this.blocked.has(userId);
  }

  /** Fetches whom this user blocked; keeps what it knew if that fails. */
  async refreshBlocks() {
    try {
      const { blocked } = await api("GET", "/api/blocks", undefined, this.token);
      const ids = new Set(blocked.map((b) => b.id));
      const changed = ids.size !== this.blocked.size || [...ids].some((id) => !this.blocked.has(id));
      this.blocked = ids;
      if (changed) this.emit("conversations");
    } catch (error) {
      if (error.status === 401) this.emit("signedout", this.signedOutMessage());
    }
  }

  /** Blocks (or unblocks) a person for this user. */
  async setBlocked(userId, blocked) {
    await api("POST", `/api/users/${encodeURIComponent(userId)}/${blocked ? "block" : "unblock"}`, {});
    if (blocked) this.blocked.add(userId);
    else this.blocked.delete(userId);
    this.emit("conversations");
  }

  /** Asks support to look at a person or one message (`{ userId }` or `{ messageId }`). */
  report(target, reason) {
    return api("POST", "/api/reports", { ...target, reason });
  }

  /** Support: the reports, open ones first, each with `reporter` and `reported`. */
  reports() {
    return api("GET", "/api/reports");
  }

  resolveReport(id) {
    return api("POST", `/api/reports/${encodeURIComponent(id)}/resolve`, {});
  }
}
