// A small Socket.IO v5 client (Engine.IO v4, WebSocket transport only) for
// the browser: connect with an auth payload, events, acknowledgements,
// server pings, and reconnection with backoff. Only the default namespace
// and text (JSON) packets: that is all Helpline speaks.
//
//   const socket = new Socket(() => ({ token }));
//   socket.on("message:new", (m) => …);
//   socket.on("state", (state) => …); // connecting | connected | reconnecting | offline | unauthorized | closed
//   const ack = await socket.request("message:send", { … }, 10_000);

const OPEN = "0", CLOSE = "1", PING = "2", PONG = "3", MESSAGE = "4";
const CONNECT = "0", DISCONNECT = "1", EVENT = "2", ACK = "3", CONNECT_ERROR = "4";

export class Socket {
  /** @param auth a function returning the handshake's auth object. */
  constructor(auth, { url = defaultUrl(), minDelay = 500, maxDelay = 10_000 } = {}) {
    this.auth = auth;
    this.url = url;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.state = "closed";
    this.id = null;
    this.handlers = new Map();
    this.acks = new Map();
    this.nextAck = 0;
    this.attempts = 0;
    this.ws = null;
    this.timer = null;
    this.pingTimer = null;
    this.pingTimeout = 45_000;
    this.onOnline = () => this.state !== "closed" && this.state !== "connected" && this.open();
    this.onOffline = () => this.state !== "closed" && this.drop("offline");
  }

  /** Starts connecting (and keeps reconnecting until `close`). */
  connect() {
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
    this.open();
    return this;
  }

  /** Closes for good. */
  close() {
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
    this.teardown();
    this.setState("closed");
  }

  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(fn);
    return () => this.handlers.get(event)?.delete(fn);
  }

  get connected() {
    return this.state === "connected";
  }

  /** Sends an event; the promise settles with the server's ack, or rejects
   *  when not connected, on disconnection, or after `timeout` ms. */
  request(event, data = {}, timeout = 10_000) {
    return new Promise((resolve, reject) => {
      if (!this.connected) return reject(new Error("not connected"));
      const id = this.nextAck++;
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error("timeout"));
      }, timeout);
      this.acks.set(id, {
        resolve: (value) => { clearTimeout(timer); resolve(value); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      this.send(`${MESSAGE}${EVENT}${id}${JSON.stringify([event, data])}`);
    });
  }

  // -- internals ------------------------------------------------------------

  open() {
    this.teardown();
    if (navigator.onLine === false) return this.setState("offline");
    this.setState(this.attempts === 0 && !this.wasConnected ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onmessage = (e) => this.ws === ws && typeof e.data === "string" && this.receive(e.data);
    ws.onclose = () => this.ws === ws && this.drop();
    ws.onerror = () => {}; // onclose follows
  }

  receive(text) {
    const type = text[0];
    if (type === OPEN) {
      const open = JSON.parse(text.slice(1));
      this.pingTimeout = (open.pingInterval ?? 25_000) + (open.pingTimeout ?? 20_000);
      this.alive();
      this.send(`${MESSAGE}${CONNECT}${JSON.stringify(this.auth() ?? {})}`);
    } else if (type === PING) {
      this.alive();
      this.send(PONG);
    } else if (type === CLOSE) {
      this.drop();
    } else if (type === MESSAGE) {
      this.packet(text.slice(1));
    }
  }

  packet(text) {
    const type = text[0];
    let i = 1;
    if (text[i] === "/") i = text.indexOf(",", i) + 1 || text.length; // namespace: only "/" is used
    const digits = /^\d*/.exec(text.slice(i))[0];
    const id = digits ? Number(digits) : null;
    const body = text.slice(i + digits.length);
    const data = body ? JSON.parse(body) : undefined;
    if (type === CONNECT) {
      this.id = data?.sid ?? null;
      this.attempts = 0;
      const again = this.wasConnected;
      this.wasConnected = true;
      this.setState("connected");
      this.emitLocal("connect", { reconnect: !!again });
    } else if (type === CONNECT_ERROR) {
      const message = data?.message ?? "connect_error";
      this.emitLocal("connect_error", message);
      if (message === "unauthorized") {
        this.close();
        this.setState("unauthorized");
      } else this.drop();
    } else if (type === EVENT && Array.isArray(data)) {
      const [event, ...args] = data;
      this.emitLocal(event, ...args);
      if (id !== null) this.send(`${MESSAGE}${ACK}${id}[]`);
    } else if (type === ACK && id !== null) {
      const pending = this.acks.get(id);
      this.acks.delete(id);
      pending?.resolve(Array.isArray(data) ? data[0] : data);
    } else if (type === DISCONNECT) {
      this.drop();
    }
  }

  send(text) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  alive() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.drop(), this.pingTimeout);
  }

  /** The connection is gone: fail pending acks, then retry after a backoff. */
  drop(state) {
    const was = this.state;
    this.teardown();
    if (was === "closed" || was === "unauthorized") return;
    if (was === "connected") this.emitLocal("disconnect");
    if (state === "offline" || navigator.onLine === false) return this.setState("offline");
    this.setState("reconnecting");
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempts++);
    this.timer = setTimeout(() => this.open(), base / 2 + Math.random() * (base / 2));
  }

  teardown() {
    clearTimeout(this.timer);
    clearTimeout(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = null;
      if (ws.readyState <= WebSocket.OPEN) ws.close();
    }
    for (const pending of this.acks.values()) pending.reject(new Error("disconnected"));
    this.acks.clear();
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emitLocal("state", state);
  }

  emitLocal(event, ...args) {
    for (const fn of [...(this.handlers.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (error) {
        console.error(`handler for ${event} failed`, error);
      }
    }
  }
}

function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/socket.io/?EIO=4&transport=websocket`;
}
