// The help-request half of the app's state: the seeker's own request
// (asking, cancelling, following its states) and the volunteer's offers
// (accepting, declining, availability). Installed onto the Store class in
// state.js, so `this` is the store.
import { notice, serverClock } from "./dom.js";

/** The place and estimate in a `request:status` answer (newer servers). */
const line = (ack) => (ack.position == null ? {} : { position: ack.position, estimate: ack.estimatedWaitSecs ?? null });

/** "A request went unanswered", "5 requests in a row went unanswered". */
export const unanswered = (n) => (n === 1 ? "A request went unanswered" : `${n} requests in a row went unanswered`);

export const requestMethods = {
  // -- the seeker's request ---------------------------------------------------

  setRequest(patch) {
    this.request = patch === null ? null : { ...(this.request ?? {}), ...patch };
    this.emit("request", this.request);
  },

  /** Asks for help: one volunteer (`target`) or anyone. */
  async ask({ target = null, topic = null, note = "", requestType = "chat" } = {}) {
    this.setRequest(null);
    this.setRequest({ phase: target ? "waiting" : "searching", target, topic, note, requestType, since: new Date().toISOString() });
    const payload = { requestType };
    if (topic) payload.topic = topic;
    if (note.trim()) payload.note = note.trim();
    if (target) payload.volunteerId = target.id;
    let ack;
    try {
      ack = await this.socket.request("seeker:request", payload);
    } catch {
      return this.setRequest({ phase: "failed", message: "You are not connected right now. Please try again in a moment." });
    }
    if (ack.ok) {
      // Newer servers say when the request was made, by their clock.
      serverClock(ack.serverTime);
      if (ack.createdAt) this.setRequest({ since: ack.createdAt });
      // onCallVolunteers (newer servers): volunteers reached by a notification.
      this.setRequest({ requestId: ack.requestId, offered: ack.onlineVolunteers, onCall: ack.onCallVolunteers ?? 0, queued: ack.onlineVolunteers === 0 });
    } else if (ack.error?.code === "conflict") {
      await this.checkRequest(true);
    } else {
      this.setRequest({ phase: "failed", message: ack.error?.message ?? "Something went wrong." });
    }
  },

  async cancelRequest() {
    const requestId = this.request?.requestId;
    try {
      const ack = await this.socket.request("request:cancel", requestId ? { requestId } : {});
      if (ack.ok) this.requestEnded(ack.requestId, "cancelled");
      else await this.checkRequest();
    } catch {
      notice("You are not connected, so the request could not be cancelled yet.");
    }
  },

  requestEnded(requestId, phase) {
    if (this.request && this.request.requestId === requestId && ["waiting", "searching"].includes(this.request.phase))
      this.setRequest({ phase });
  },

  /** Picks up the newest request's state (after a reload or reconnect). */
  async checkRequest(adopt = false) {
    let ack;
    try {
      ack = await this.socket.request("request:status", {});
    } catch {
      return;
    }
    if (ack.ok) serverClock(ack.serverTime ?? ack.request?.serverTime);
    const r = ack.ok ? ack.request : null;
    if (!r) return;
    const tracking = this.request?.requestId === r.id;
    if (r.status === "pending" && (!tracking || adopt)) {
      const target = r.targetVolunteerId ? { id: r.targetVolunteerId, name: this.request?.target?.name } : null;
      this.setRequest(null);
      this.setRequest({ phase: target ? "waiting" : "searching", requestId: r.id, target, since: r.createdAt, escalated: !!r.escalatedAt, ...line(ack) });
    } else if (tracking && r.status === "pending") {
      this.setRequest({ ...line(ack), ...(r.escalatedAt ? { escalated: true } : {}) });
    } else if (tracking && ["waiting", "searching"].includes(this.request.phase)) {
      if (r.status === "accepted") this.onSession({ conversationId: r.conversationId, requestId: r.id });
      else if (r.status !== "pending")
        this.setRequest({ phase: { rejected: "declined", expired: "expired" }[r.status] ?? "cancelled" });
    }
  },

  // -- the volunteer's offers -------------------------------------------------

  dropOffer(requestId, why) {
    const offer = this.offers.get(requestId);
    if (!offer) return;
    this.offers.delete(requestId);
    this.emit("offers");
    const name = offer.seeker.displayName;
    notice(
      why === "claimed"
        ? `Another volunteer is already helping ${name}.`
        : why === "expired"
          ? `${name}'s request has timed out.`
          : why === "withdrawn"
            ? `${name}'s request is no longer available.`
            : `${name} cancelled their request.`,
    );
  },

  async accept(offer) {
    const ack = await this.socket.request("volunteer:accept", { requestId: offer.requestId });
    const name = offer.seeker.displayName;
    if (!ack.ok && ack.error?.code === "conflict") {
      // At the most chats one may have open at once: the request still
      // waits, so it stays on the list to accept once a chat ends.
      notice(`You already have as many chats open as you can take at once. End one, then you can accept ${name}'s request.`);
      this.emit("offers");
      return null;
    }
    // session:started follows the ack; a call it carries belongs to this device.
    if (ack.ok) this.acceptedHere.add(offer.requestId);
    // A request:claimed or request:cancelled may have removed it (with its notice) already.
    const told = !this.offers.delete(offer.requestId);
    this.emit("offers");
    if (ack.ok) {
      await this.refreshConversations();
      return ack.conversationId;
    }
    if (told) return null;
    notice(
      ack.error?.code === "already_claimed"
        ? `Another volunteer is already helping ${name}.`
        : `${name}'s request is no longer waiting.`,
    );
    return null;
  },

  async decline(offer) {
    await this.socket.request("volunteer:reject", { requestId: offer.requestId }).catch(() => null);
    this.offers.delete(offer.requestId);
    this.emit("offers");
    notice(`You declined ${offer.seeker.displayName}'s request.`);
  },

  async setAvailability(status) {
    const ack = await this.socket.request("volunteer:availability", { status });
    if (!ack.ok) throw new Error(ack.error?.message);
    this.autoAway = null;
    this.availability = status;
    this.save("availability", status);
    if (status === "away") {
      this.offers.clear();
      this.emit("offers");
    }
    this.emit("availability", status);
  },

  /** Newer servers: the volunteer let `missedOffers` offers in a row pass
   *  and the server set them away (on every device). */
  onAutoAway(missedOffers) {
    this.autoAway = missedOffers;
    this.availability = "away";
    this.save("availability", "away");
    this.offers.clear();
    this.emit("offers");
    this.emit("availability", "away");
    notice(`${unanswered(missedOffers)}, so we set you to Away. Turn on “Available for new requests” when you are ready to help again.`);
  },
};
