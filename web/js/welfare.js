// Welfare checks. When a call between a seeker and a volunteer drops (a
// device lost), the volunteer is asked to call back (`welfare:call_back`);
// if the two are not in touch again within a while, or a seeker misses
// check-ins in a row, support gets a task (`support:welfare`, and
// `support:changed` with reason "welfare" whenever tasks change), listed
// with GET /api/welfare?status=open and resolved with a note. Installed
// onto the Store class in state.js, so `this` is the store.

import { api } from "./api.js";

export class Welfare {
  bindWelfare(s) {
    s.on("welfare:call_back", (event) => event?.conversationId && this.emit("call-back", event));
    s.on("support:welfare", (event) => event?.task && this.emit("welfare", event.task));
  }

  /** Support: the welfare checks not yet resolved. */
  openWelfare() {
    return api("GET", "/api/welfare?status=open");
  }

  /** Support: resolves one with what was done (409 when already resolved). */
  resolveWelfare(id, note) {
    return api("POST", `/api/welfare/${encodeURIComponent(id)}/resolve`, { note });
  }
}
