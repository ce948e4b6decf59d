// Blocking and reporting. The server has no list of whom one has blocked,
// so this device remembers it (`blocked` in localStorage) to show the right
// button; blocking again or unblocking again is harmless on the server.
// Installed onto the Store class in state.js, so `this` is the store.

import { api } from "./api.js";

export class Safety {
  isBlocked(userId) {
    return this.blocked.has(userId);
  }

  /** Blocks (or unblocks) a person for this user. */
  async setBlocked(userId, blocked) {
    await api("POST", `/api/users/${encodeURIComponent(userId)}/${blocked ? "block" : "unblock"}`, {});
    if (blocked) this.blocked.add(userId);
    else this.blocked.delete(userId);
    this.save("blocked", [...this.blocked]);
    this.emit("conversations");
  }

  /** Asks support to look at a person or one message (`{ userId }` or `{ messageId }`). */
  report(target, reason) {
    return api("POST", "/api/reports", { ...target, reason });
  }

  /** Support: the reports, open ones first. */
  reports() {
    return api("GET", "/api/reports");
  }

  resolveReport(id) {
    return api("POST", `/api/reports/${encodeURIComponent(id)}/resolve`, {});
  }
}
