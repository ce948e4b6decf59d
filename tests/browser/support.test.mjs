// The support dashboard: a support account made with `helpline user create`
// on the server's database sees the volunteers' presence change live.

import { after, before } from "node:test";
import { scenario, launch, open, user, signIn, createWithCli, checkA11y, noProblems } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

scenario("the support dashboard follows volunteers coming, going away and leaving", async () => {
  const staff = createWithCli("support", "Sam (support)");
  const { context, page } = await open(browser);
  await signIn(page, staff);
  await page.getByRole("heading", { name: "Support dashboard" }).waitFor();
  await checkA11y(page, "support dashboard");

  const v = await user(browser, "volunteer", "Nadia", { languages: ["en", "ar"] });
  const row = page.locator("tr", { hasText: "Nadia" }).first();
  await row.getByText("Available").waitFor();
  await row.getByText("en, ar").waitFor();

  await v.page.getByRole("switch", { name: "Available for new requests" }).click();
  await v.page.getByText("Off: you are away").waitFor();
  await row.getByText("Away").waitFor();

  await v.context.close();
  await row.getByText("Offline").waitFor();
  await checkA11y(page, "support dashboard after changes");
  noProblems(page);
  await context.close();
});
