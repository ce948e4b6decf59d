// Shared helpers for the browser tests: Debian's chromium through
// playwright-core, users (registered through the UI or the API), axe-core
// checks, screenshots at phone and desktop width, a small PNG to upload,
// and a watch for page errors and Content-Security-Policy violations.
//
// Environment (set by scripts/browser-test.sh):
//   HELPLINE_URL           the running server, e.g. http://127.0.0.1:41234
//   HELPLINE_BIN           the helpline binary (for `helpline user create`)
//   HELPLINE_DATABASE_URL  the server's database
//   CHROMIUM               the browser (default /usr/bin/chromium)
//   HELPLINE_WEB_DIR       optional: serve the app's files from this folder
//                          (the working tree's web/) instead of the copies
//                          embedded in the binary, keeping the server's headers,
//                          so web/ changes can be tested without a rebuild

import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { spawnSync } from "node:child_process";
import { deflateSync } from "node:zlib";
import assert from "node:assert/strict";
import { test } from "node:test";

const require = createRequire(import.meta.url);
const AXE_SOURCE = require("axe-core").source;

export const BASE = process.env.HELPLINE_URL ?? "http://127.0.0.1:8080";
export const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
/** How long any single wait may take. */
export const WAIT = 15_000;

let counter = 0;
export const unique = (prefix) => `${prefix}${process.pid % 10000}x${counter++}`;

/** Headless chromium. Playwright gives every launch a fresh temporary
 *  --user-data-dir; the flags keep the browser quiet and offline-safe.
 *  `media: true` adds a fake microphone and camera that need no prompt
 *  (the calls test). */
export function launch({ media = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
      // A page fulfilled by the test (HELPLINE_WEB_DIR) has no address space,
      // so Chromium would block its WebSocket to 127.0.0.1 as a local-network request.
      ...(media ? ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection"] : []),
      ...(process.env.HELPLINE_WEB_DIR ? ["--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessChecks"] : []),
    ],
  });
}

/** A new browser context and page; page errors and CSP violations are
 *  collected in `page.problems` and checked by `noProblems`. */
export async function open(browser, { viewport = DESKTOP, serviceWorkers = "block", notifications = false, timezoneId } = {}) {
  const context = await browser.newContext({ viewport, serviceWorkers, baseURL: BASE, timezoneId });
  context.setDefaultTimeout(WAIT);
  if (process.env.HELPLINE_WEB_DIR) await serveWebDir(context, process.env.HELPLINE_WEB_DIR);
  if (notifications) await context.grantPermissions(["notifications"], { origin: BASE });
  // Record notifications and chimes so tests can see the alerts happen.
  await context.addInitScript(() => {
    window.__alerts = [];
    if (window.Notification) {
      const Real = window.Notification;
      window.Notification = class extends Real {
        constructor(title, options) {
          super(title, options);
          window.__alerts.push({ kind: "notification", title, body: options?.body });
        }
      };
      Object.defineProperty(window.Notification, "permission", { get: () => Real.permission });
      window.Notification.requestPermission = (...args) => Real.requestPermission(...args);
    }
    const osc = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (...args) {
      window.__alerts.push({ kind: "sound" });
      return osc.apply(this, args);
    };
  });
  const page = await context.newPage();
  watch(page);
  openPages.add(page);
  return { context, page };
}

/** Replaces the bodies of the app's own files with those in `dir` (see
 *  HELPLINE_WEB_DIR). The server still answers, so status and headers (CSP
 *  included) are its own; a file the binary does not have yet (its 404) is
 *  served from `dir` with a 200. sw.js and anything under /api, /socket.io
 *  and /healthz are left alone. */
const TYPES = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", html: "text/html; charset=utf-8", svg: "image/svg+xml", png: "image/png" };

async function serveWebDir(context, dir) {
  const origin = new URL(BASE).origin;
  await context.route(
    (url) => url.origin === origin && !/^\/(api|socket\.io|healthz)(\/|$)/.test(url.pathname) && url.pathname !== "/sw.js",
    async (route) => {
      const response = await route.fetch();
      const path = new URL(route.request().url()).pathname;
      let file = path === "/" ? "index.html" : normalize(decodeURIComponent(path)).replace(/^\/+/, "");
      if (file.startsWith("..") || !existsSync(join(dir, file)) || !statSync(join(dir, file)).isFile())
        file = (response.headers()["content-type"] ?? "").startsWith("text/html") ? "index.html" : null;
      if (!file || (response.status() !== 200 && response.status() !== 404)) return route.fulfill({ response });
      const headers = { ...response.headers() };
      delete headers.etag;
      delete headers["content-length"];
      // A file the binary does not embed yet (added since it was built).
      if (response.status() === 404) headers["content-type"] = TYPES[file.split(".").pop()] ?? "application/octet-stream";
      await route.fulfill({ response, status: 200, headers, body: readFileSync(join(dir, file)) });
    },
  );
}

export function watch(page) {
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/i.test(text)) page.problems.push(`CSP: ${text}`);
    else if (message.type() === "error" && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|WebSocket/.test(text))
      page.problems.push(`console error: ${text}`);
  });
}

export function noProblems(...pages) {
  for (const page of pages) assert.deepEqual(page.problems, [], `problems on ${page.url()}`);
}

/** Registers through the REST API. */
export async function register(role, displayName, languages) {
  const username = unique(role.slice(0, 3));
  const response = await fetch(`${BASE}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "password123", displayName, role, languages }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return { username, password: "password123", ...(await response.json()) };
}

/** Creates an account through the CLI, as an operator would (support). */
export function createWithCli(role, displayName) {
  const username = unique(role.slice(0, 3));
  const result = spawnSync(
    process.env.HELPLINE_BIN,
    ["user", "create", "--username", username, "--password-stdin", "--role", role, "--display-name", displayName],
    { input: "password123\n", env: { ...process.env, HELPLINE_DATABASE_URL: process.env.HELPLINE_DATABASE_URL }, encoding: "utf8" },
  );
  assert.equal(result.status, 0, result.stderr);
  return { username, password: "password123", user: JSON.parse(result.stdout) };
}

/** Signs in through the sign-in screen. */
export async function signIn(page, account) {
  await page.goto("/");
  await page.getByLabel("Username").fill(account.username);
  await page.getByLabel("Password", { exact: true }).fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.locator("#connection-state[data-state=connected]").waitFor();
}

/** A signed-in page for a new account of `role`. */
export async function user(browser, role, displayName, options = {}) {
  const account = await register(role, displayName, options.languages);
  const { context, page } = await open(browser, options);
  await signIn(page, account);
  return { account, context, page };
}

/** Fails on any serious or critical axe-core violation on the page as it is. */
export async function checkA11y(page, label) {
  const violations = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }, AXE_SOURCE);
  assert.deepEqual(violations, [], `axe on ${label}`);
}

/** Fails when any text on the page as it is (shown, not visually hidden)
 *  is smaller than 18 CSS px: labels, footers and badges included. */
export async function checkTextSize(page, label) {
  const small = await page.evaluate(() => {
    const found = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!node.textContent.trim() || !el || el.closest(".visually-hidden, script, style, noscript")) continue;
      if (!el.getClientRects().length) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 18) found.add(`${el.tagName.toLowerCase()}.${el.className} “${node.textContent.trim().slice(0, 30)}” ${size}px`);
    }
    return [...found].slice(0, 10);
  });
  assert.deepEqual(small, [], `text under 18 px on ${label}`);
}

/** Saves the screen at phone and desktop width (then restores the size),
 *  and checks it with axe and for text under 18 px at both widths. */
export async function snap(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const original = page.viewportSize();
  for (const [suffix, size] of [["phone", PHONE], ["desktop", DESKTOP]]) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await checkA11y(page, `${name} (${suffix})`);
    await checkTextSize(page, `${name} (${suffix})`);
    await page.screenshot({ path: `${ARTIFACTS}${name}-${suffix}.png`, animations: "disabled", caret: "initial" });
  }
  await page.setViewportSize(original);
}

/** The token the page keeps (for REST checks from the test). */
export async function tokenOf(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem("helpline:session")).token);
}

export async function restGet(page, path) {
  const token = await tokenOf(page);
  const response = await fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return response.json();
}

const openPages = new Set();

/** A test whose failure leaves a screenshot of every open page (and the
 *  page's problems) under artifacts/failures/. */
export function scenario(name, fn) {
  return test(name, async (t) => {
    try {
      await fn(t);
    } catch (error) {
      mkdirSync(`${ARTIFACTS}failures`, { recursive: true });
      let i = 0;
      for (const page of openPages) {
        if (page.isClosed()) continue;
        const file = `${ARTIFACTS}failures/${name.replace(/\W+/g, "-").slice(0, 60)}-${i++}.png`;
        await page.screenshot({ path: file }).catch(() => {});
        console.error(`failure screenshot: ${file} (${page.url()}) problems: ${JSON.stringify(page.problems)}`);
      }
      throw error;
    } finally {
      openPages.clear();
    }
  });
}

/** A real PNG of `width`×`height` (a colour gradient), built here. */
export function png(width, height) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, body) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, "ascii");
    body.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + body.length)), 8 + body.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set([(x * 255) / width, (y * 255) / height, 128], y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}
