// The interop tests' harness: the helpline server as a child process (own
// temporary data directory, free port, SIGTERM and a wait for its exit at
// the end), accounts, socket.io-client connections that are all closed after
// each test, and waits that are always on an event with a timeout.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(HERE, process.env.HELPLINE_BIN ?? "../../target/debug/helpline");
const JWT_SECRET = `interop-${randomBytes(16).toString("hex")}`;
/** How long any single wait may take. */
const WAIT_MS = 5_000;
/** How long the server may take to become healthy / to exit. */
const START_MS = 20_000;
const STOP_MS = 10_000;

// ---------------------------------------------------------------------------
// Server process
// ---------------------------------------------------------------------------

let server = null; // { child, dir, port, url, logs: string[], exited: Promise }

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** Settles like `promise`, or rejects after `ms` with a message naming `what`. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The last lines the server wrote, for failure messages. */
function serverLogTail(lines = 40) {
  if (!server) return "(server not started)";
  return server.logs.join("").split("\n").slice(-lines).join("\n");
}

async function startServer() {
  assert.ok(existsSync(BIN), `helpline binary not found at ${BIN} (set HELPLINE_BIN or build it)`);
  const dir = mkdtempSync(join(tmpdir(), "helpline-interop-"));
  const port = await freePort();
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("HELPLINE_")) env[key] = value; // no settings leak in from the caller
  }
  Object.assign(env, {
    HELPLINE_ADDR: `127.0.0.1:${port}`,
    HELPLINE_DATABASE_URL: `sqlite://${join(dir, "helpline.db")}`,
    HELPLINE_REQUEST_TIMEOUT_SECS: "120",
    HELPLINE_JWT_SECRET: JWT_SECRET,
    RUST_LOG: process.env.RUST_LOG ?? "info",
  });
  const child = spawn(BIN, ["serve"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  const logs = [];
  child.stdout.setEncoding("utf8").on("data", (chunk) => logs.push(chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => logs.push(chunk));
  const exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
    child.once("error", (error) => resolveExit({ code: null, signal: null, error }));
  });
  server = { child, dir, port, url: `http://127.0.0.1:${port}`, logs, exited, stopped: false };

  // Wait for /healthz: retry on connection refused until it answers 200,
  // giving up as soon as the process exits or the deadline passes.
  const deadline = Date.now() + START_MS;
  let gone = null;
  exited.then((how) => (gone = how));
  for (;;) {
    if (gone) throw new Error(`helpline exited before becoming healthy: ${JSON.stringify(gone)}\n${serverLogTail()}`);
    try {
      const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`helpline not healthy after ${START_MS} ms\n${serverLogTail()}`);
    // Back off a little between attempts (the only timer-based wait, and
    // only while the process is starting up).
    await Promise.race([new Promise((r) => setTimeout(r, 50)), exited]);
  }
}

async function stopServer() {
  if (!server || server.stopped) return;
  server.stopped = true;
  const { child, exited, dir } = server;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    try {
      await withTimeout(exited, STOP_MS, "helpline to exit after SIGTERM");
    } catch (error) {
      child.kill("SIGKILL");
      await exited;
      throw error;
    } finally {
      if (!process.env.HELPLINE_INTEROP_KEEP_DATA) rmSync(dir, { recursive: true, force: true });
    }
  } else if (!process.env.HELPLINE_INTEROP_KEEP_DATA) {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Last resort if the runner is torn down without running `after`.
process.once("exit", () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill("SIGKILL");
  }
});

// ---------------------------------------------------------------------------
// REST helpers
// ---------------------------------------------------------------------------

let userCounter = 0;

/** Registers a fresh user; returns `{ token, user }`. */
async function register(role, displayName) {
  userCounter += 1;
  const username = `${role.slice(0, 3)}_${userCounter}_${randomBytes(3).toString("hex")}`;
  const res = await fetch(`${server.url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "correct horse battery", displayName: displayName ?? username, role }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const body = await res.json();
  assert.equal(res.status, 201, `register ${role}: ${JSON.stringify(body)}`);
  assert.equal(typeof body.token, "string");
  assert.equal(body.user.role, role);
  assert.equal(body.user.username, username);
  return body;
}

// ---------------------------------------------------------------------------
// JWT helpers (for forged / hand-made tokens)
// ---------------------------------------------------------------------------

const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

function signJwt(claims, secret, header = { alg: "HS256", typ: "JWT" }) {
  const head = `${b64url(header)}.${b64url(claims)}`;
  if (header.alg === "none") return `${head}.`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

// ---------------------------------------------------------------------------
// Socket helpers
// ---------------------------------------------------------------------------

const openSockets = new Set();

/** A new client socket (not yet connected; `autoConnect` is on). */
function client({ token, auth, transports = ["websocket"] } = {}) {
  const socket = io(server.url, {
    auth: auth ?? (token === undefined ? undefined : { token }),
    transports,
    forceNew: true,
    reconnection: false,
    timeout: WAIT_MS,
  });
  openSockets.add(socket);
  return socket;
}

/**
 * Waits for `event` on `socket` (optionally the first one whose payload
 * satisfies `match`), rejecting after `ms`. The returned promise never counts
 * as an unhandled rejection before it is awaited.
 */
function waitFor(socket, event, match = () => true, ms = WAIT_MS) {
  let listener;
  let timer;
  const promise = new Promise((resolveEvent, reject) => {
    listener = (...args) => {
      let ok;
      try {
        ok = match(...args);
      } catch {
        ok = false;
      }
      if (!ok) return;
      socket.off(event, listener);
      clearTimeout(timer);
      resolveEvent(args.length <= 1 ? args[0] : args);
    };
    timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for "${event}" on socket ${socket.id ?? "(unconnected)"}`));
    }, ms);
    socket.on(event, listener);
  });
  promise.catch(() => {});
  return promise;
}

/** Connects with `token`; resolves with the connected socket or rejects with the connect error. */
async function connect(token, transports = ["websocket"]) {
  const socket = client({ token, transports });
  const outcome = await withTimeout(
    new Promise((resolveConnect) => {
      socket.once("connect", () => resolveConnect({ ok: true }));
      socket.once("connect_error", (error) => resolveConnect({ ok: false, error }));
    }),
    WAIT_MS,
    "connect",
  );
  if (!outcome.ok) throw new Error(`connect failed: ${outcome.error?.message}`);
  if (transports.length === 1) assert.equal(socket.io.engine.transport.name, transports[0]);
  return socket;
}

/** Expects the connection to be refused; resolves with the `connect_error`. */
async function expectRefused(options) {
  const socket = client(options);
  const outcome = await withTimeout(
    new Promise((resolveOutcome) => {
      socket.once("connect", () => resolveOutcome({ connected: true }));
      socket.once("connect_error", (error) => resolveOutcome({ connected: false, error }));
    }),
    WAIT_MS,
    "connect or connect_error",
  );
  assert.equal(outcome.connected, false, "the server accepted a connection it should have refused");
  socket.close();
  return outcome.error;
}

/** Emits `event` and resolves with the ack (rejects if none comes within the timeout). */
function ask(socket, event, payload) {
  return socket.timeout(WAIT_MS).emitWithAck(event, payload);
}

function assertOk(ack, what) {
  assert.equal(ack?.ok, true, `${what}: expected ok ack, got ${JSON.stringify(ack)}`);
  return ack;
}

function assertError(ack, code, what) {
  assert.equal(ack?.ok, false, `${what}: expected error ack, got ${JSON.stringify(ack)}`);
  assert.equal(ack.error?.code, code, `${what}: expected ${code}, got ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.error.message, "string", `${what}: error.message should be a string`);
  return ack;
}

const RFC3339_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function assertMessage(message, expected) {
  for (const field of ["id", "conversationId", "seq", "senderId", "content", "type", "clientMessageId", "createdAt"]) {
    assert.ok(field in message, `message lacks ${field}: ${JSON.stringify(message)}`);
  }
  assert.match(message.createdAt, RFC3339_MS_UTC);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(message[key], value, `message.${key}: ${JSON.stringify(message)}`);
  }
}

let clientIdCounter = 0;
const clientMessageId = () => `cm-${Date.now().toString(36)}-${++clientIdCounter}`;

/**
 * Seeker asks for a chat, the volunteer (who must be connected) gets it and
 * accepts it; both get `session:started`. Resolves with the ids.
 */
async function startChat({ seeker, seekerSocket, volunteer, volunteerSocket }) {
  const incoming = waitFor(volunteerSocket, "seeker:incoming", (p) => p.seniorId === seeker.user.id);
  const requested = assertOk(await ask(seekerSocket, "seeker:request", { requestType: "chat" }), "seeker:request");
  assert.equal(typeof requested.requestId, "string");
  assert.equal(requested.status, "pending");
  assert.ok(Number.isInteger(requested.onlineVolunteers) && requested.onlineVolunteers >= 1,
    `onlineVolunteers should count the connected volunteer: ${JSON.stringify(requested)}`);

  const offer = await incoming;
  assert.equal(offer.requestId, requested.requestId);
  assert.equal(offer.seniorId, seeker.user.id);
  assert.equal(offer.seeker?.id, seeker.user.id);
  assert.equal(offer.seeker?.displayName, seeker.user.displayName);
  assert.equal(offer.requestType, "chat");
  assert.match(offer.createdAt, RFC3339_MS_UTC);
  assert.match(offer.expiresAt, RFC3339_MS_UTC);

  const isThis = (p) => p.requestId === requested.requestId;
  const seekerStarted = waitFor(seekerSocket, "session:started", isThis);
  const volunteerStarted = waitFor(volunteerSocket, "session:started", isThis);
  const accepted = assertOk(await ask(volunteerSocket, "volunteer:accept", { requestId: requested.requestId }), "volunteer:accept");
  assert.equal(accepted.requestId, requested.requestId);
  assert.equal(typeof accepted.conversationId, "string");

  for (const started of await Promise.all([seekerStarted, volunteerStarted])) {
    assert.deepEqual(
      {
        conversationId: started.conversationId,
        requestId: started.requestId,
        seniorId: started.seniorId,
        volunteerId: started.volunteerId,
        requestType: started.requestType,
      },
      {
        conversationId: accepted.conversationId,
        requestId: requested.requestId,
        seniorId: seeker.user.id,
        volunteerId: volunteer.user.id,
        requestType: "chat",
      },
    );
  }
  return { requestId: requested.requestId, conversationId: accepted.conversationId };
}

/**
 * Sends a message from `from` and checks that the ack and the `message:new`
 * on every socket in `observers` carry the same stored message.
 */
async function sendAndObserve(from, sender, conversationId, content, observers) {
  const cmid = clientMessageId();
  const arrivals = observers.map((s) => waitFor(s, "message:new", (m) => m.clientMessageId === cmid));
  const ack = assertOk(await ask(from, "message:send", { conversationId, content, clientMessageId: cmid }), "message:send");
  assertMessage(ack.message, { conversationId, senderId: sender.user.id, content, type: "text", clientMessageId: cmid });
  for (const seen of await Promise.all(arrivals)) assert.deepEqual(seen, ack.message);
  return ack.message;
}

/**
 * Starts a chat, then the seeker says something and the volunteer answers
 * (`how` ends both texts), each seen by both sockets; the two messages
 * follow the system note as seq 2 and 3. Resolves with the conversation's
 * id and the two stored messages.
 */
async function chatBothWays(people, how) {
  const { seeker, seekerSocket, volunteer, volunteerSocket } = people;
  const { conversationId } = await startChat(people);
  const both = [seekerSocket, volunteerSocket];
  const first = await sendAndObserve(seekerSocket, seeker, conversationId, `Sent ${how}`, both);
  const second = await sendAndObserve(volunteerSocket, volunteer, conversationId, `Received ${how}`, both);
  assert.equal(first.seq, 2);
  assert.equal(second.seq, 3);
  return { conversationId, first, second };
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

export { chatBothWays, JWT_SECRET, START_MS, STOP_MS, ask, assertError, assertOk, client, clientMessageId, connect, expectRefused, openSockets, register, sendAndObserve, server, signJwt, startChat, startServer, stopServer, waitFor };
