// Sending, with the offline outbox: messages written but not yet
// acknowledged are kept on the device (so they survive a reload) and sent,
// oldest first, each with its clientMessageId, when the socket is connected.
// Installed onto the Store class in state.js, so `this` is the store.

export class Outbox {
  /** Queues a message. `replyTo` is the message it answers (its preview is
   *  shown while pending); `expiresInSecs` its own disappearing timer;
   *  `type` and `attachment` (an upload's answer) for a photo, file or
   *  voice note. */
  send(conversationId, content, { replyTo = null, expiresInSecs, type = "text", attachment = null } = {}) {
    const clientMessageId = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const item = { clientMessageId, conversationId, content, createdAt: new Date().toISOString(), status: "pending" };
    if (replyTo) item.replyTo = { id: replyTo.id, seq: replyTo.seq, senderId: replyTo.senderId, preview: replyTo.content.slice(0, 100), deleted: false };
    if (expiresInSecs !== undefined) item.expiresInSecs = expiresInSecs;
    if (attachment) Object.assign(item, { type, attachment });
    this.outbox.push(item);
    this.save("outbox", this.outbox);
    this.typing(conversationId, false);
    this.emit("messages", conversationId);
    this.flush();
  }

  pending(id) {
    return this.outbox.filter((item) => item.conversationId === id);
  }

  unqueue(clientMessageId, id) {
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((i) => !(i.clientMessageId === clientMessageId && i.conversationId === id));
    if (this.outbox.length !== before) this.save("outbox", this.outbox);
  }

  discard(clientMessageId) {
    const item = this.outbox.find((i) => i.clientMessageId === clientMessageId);
    this.outbox = this.outbox.filter((i) => i !== item);
    this.save("outbox", this.outbox);
    if (item) this.emit("messages", item.conversationId);
  }

  /** Sends every pending message, oldest first, each with its clientMessageId
   *  (so a retry after a lost ack is stored once). Stops at the first failure
   *  of the connection; the next connect continues. */
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let item;
      while (this.socket?.connected && (item = this.outbox.find((i) => i.status === "pending"))) {
        const { conversationId, content, clientMessageId } = item;
        const payload = { conversationId, content, clientMessageId };
        if (item.replyTo) payload.replyToId = item.replyTo.id;
        if (item.expiresInSecs !== undefined) payload.expiresInSecs = item.expiresInSecs;
        if (item.attachment) Object.assign(payload, { type: item.type, attachmentId: item.attachment.id });
        let ack;
        try {
          ack = await this.socket.request("message:send", payload, 15_000);
        } catch {
          break;
        }
        if (ack.ok) {
          this.unqueue(clientMessageId, conversationId);
          this.onMessage(ack.message);
        } else {
          item.status = "failed";
          const code = ack.error?.code;
          item.error = (item.attachment && code === "invalid" ? "Not sent: the file is no longer available." : NOT_SENT[code]) ?? "Not sent: it was refused.";
          this.save("outbox", this.outbox);
          this.emit("messages", conversationId);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

const NOT_SENT = {
  conversation_ended: "Not sent: this chat has ended.",
  forbidden: "Not sent: this person is not taking messages from you.",
  invalid: "Not sent: the message it answers is gone.",
};
