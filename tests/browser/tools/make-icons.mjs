// Renders web/icons/icon.svg to the PNG icons the manifest lists, with
// Debian's chromium. Run after changing the SVG:
//   node tests/browser/tools/make-icons.mjs
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const icons = fileURLToPath(new URL("../../../web/icons/", import.meta.url));
const svg = readFileSync(`${icons}icon.svg`, "utf8");
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();
for (const [name, size, maskable] of [["icon-192.png", 192, false], ["icon-512.png", 512, false], ["icon-maskable-512.png", 512, true]]) {
  await page.setViewportSize({ width: size, height: size });
  // A maskable icon keeps its drawing inside the central 80 % safe zone.
  const inner = maskable ? svg.replace('rx="112"', 'rx="0"') : svg;
  const body = maskable
    ? `<div style="width:${size}px;height:${size}px;background:#0b4f8a;display:flex;align-items:center;justify-content:center"><div style="width:${size * 0.8}px;height:${size * 0.8}px">${inner}</div></div>`
    : `<div style="width:${size}px;height:${size}px">${inner}</div>`;
  await page.setContent(`<style>html,body{margin:0;background:transparent}svg{width:100%;height:100%;display:block}</style>${body}`);
  await page.screenshot({ path: `${icons}${name}`, omitBackground: true });
}
await browser.close();
