/**
 * The phone page in a real browser: Debian's chromium driven by playwright-core at phone size
 * (390×844) against the simulator (the demo's App with two simulated wall connectors and cars, in
 * real time) on a free loopback port: first-run password, login, Charge Now, a schedule, a VIN
 * denial and the live update by the event stream. Screenshots go to docs/screenshots/ with
 * UPDATE_SCREENSHOTS=1 (else to a temporary folder).
 * Skips, saying why, when /usr/bin/chromium is absent (`apt-get install -y chromium`).
 */
import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { existsSync, mkdirSync } from "node:fs";
import { randomInt } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { parseCommandLine, run, type Running } from "../../../host-sim/cli.js";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { silentLog } from "../../../src/platform/log.js";
import { addWeb } from "../../../src/web/web-routes.js";

const CHROMIUM = "/usr/bin/chromium";
/** docs/screenshots/ is rewritten only on request (UPDATE_SCREENSHOTS=1), so that a test run leaves the tree clean. */
const shots = process.env.UPDATE_SCREENSHOTS === "1" ? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "screenshots") : mkdtempSync(join(tmpdir(), "twc-shots-"));
const PASSWORD = "correct horse battery";

const browserTest = existsSync(CHROMIUM) ? test.serial : test.skip;
if (!existsSync(CHROMIUM)) console.log(`tests/host/web/page.test.ts: skipped, ${CHROMIUM} is not installed (apt-get install -y chromium)`);

let running: Running | undefined;
let browser: Browser | undefined;
let page: Page;
let base = "";

test.before(async () => {
	if (!existsSync(CHROMIUM)) return;
	running = run({ ...parseCommandLine(["--http-port", "0", "--seed", "7"]), logLevel: "error" }, () => {});
	if (!running) throw new Error("the simulator did not start");
	addWeb(running.app.router, { clock: new NodeClock(), log: silentLog, random: { next: () => randomInt(2 ** 32) / 2 ** 32 }, eventIntervalMs: 500 });
	base = `http://127.0.0.1:${await running.httpPort}`;
	browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
	page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
	mkdirSync(shots, { recursive: true });
});

test.after.always(async () => {
	await browser?.close();
	running?.stop();
});

const toast = () => page.locator("#toast");

browserTest("first run: the page asks for a password, then shows the wall connectors live", async (t) => {
	await page.goto(`${base}/`);
	await page.locator("#setup").waitFor({ state: "visible" });
	t.true(await page.locator("#main").isHidden(), "nothing but the password form before a password is set");
	await page.screenshot({ path: join(shots, "1-first-run.png") });
	await page.fill("#newPw", PASSWORD);
	await page.fill("#newPw2", PASSWORD);
	await page.click("#setupForm button");
	await page.locator("#main").waitFor({ state: "visible" });
	// Two simulated wall connectors appear from the event stream.
	await page.locator("#units .unit").nth(1).waitFor({ timeout: 15_000 });
	t.is(await page.locator("#units .unit").count(), 2);
	t.regex((await page.locator("#policy").textContent()) ?? "", /A to share/);
});

browserTest("log out, a wrong password is refused, the right one logs in", async (t) => {
	await page.click("#logout");
	await page.locator("#login").waitFor({ state: "visible" });
	// Logged out, the API refuses a change.
	const refused = await page.evaluate(async () => (await fetch("/api/chargeNow", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"chargeNowRate":10,"chargeNowDuration":60}' })).status);
	t.is(refused, 401);
	await page.fill("#pw", "not the password");
	await page.click("#loginForm button");
	await t.notThrowsAsync(toast().filter({ hasText: "wrong password" }).waitFor());
	await page.screenshot({ path: join(shots, "2-login.png") });
	await page.fill("#pw", PASSWORD);
	await page.click("#loginForm button");
	await page.locator("#main").waitFor({ state: "visible" });
	t.true(await page.locator("#login").isHidden());
});

browserTest("Charge Now with amps and duration: the offers follow, by the live update", async (t) => {
	await page.fill("#cnAmps", "24");
	await page.fill("#cnHours", "1");
	await page.click("#cnForm button");
	await toast().filter({ hasText: "Charge Now started" }).waitFor();
	// The stream's next state event says so and the offers change (24 A shared by two cars).
	await page.locator("#cnState").filter({ hasText: "Charge Now: 24 A" }).waitFor({ timeout: 10_000 });
	await page.waitForFunction(() => {
		// Runs in the page (no DOM types in this project's tsconfig).
		const cells = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } }).document.querySelectorAll("#units .offered");
		return cells.length === 2 && Array.from(cells).every((e) => e.textContent === "12 A");
	}, undefined, { timeout: 20_000 });
	t.false(await page.locator("#cnCancel").isHidden());
	await page.screenshot({ path: join(shots, "3-charge-now.png") });
	const status = (await page.evaluate(async () => (await fetch("/api/getStatus")).json())) as Record<string, any>;
	t.is(status.chargeNowAmps, 24);
});

browserTest("a schedule is saved and TWCManager's status shows it", async (t) => {
	await page.locator("#schForm").scrollIntoViewIfNeeded();
	await page.fill("#schStart", "22:00");
	await page.fill("#schEnd", "06:30");
	await page.fill("#schAmps", "16");
	for (const day of ["monday", "tuesday", "wednesday", "thursday", "friday"]) await page.check(`#d-${day}`);
	await page.uncheck("#d-saturday");
	await page.uncheck("#d-sunday");
	await page.click("#schForm button");
	await toast().filter({ hasText: "Schedule saved" }).waitFor();
	const status = (await page.evaluate(async () => (await fetch("/api/getStatus")).json())) as Record<string, any>;
	t.like(status.ScheduledCharging, { enabled: true, amps: 16, startingMinute: 1320, endingMinute: 390, monday: true, friday: true, saturday: false, sunday: false });
	await page.screenshot({ path: join(shots, "4-schedule.png") });
});

browserTest("a car is denied by its VIN and the decision says why", async (t) => {
	const vin = running!.world!.cars[0]!.vin!;
	await page.locator("#vinForm").scrollIntoViewIfNeeded();
	await page.fill("#vin", vin);
	await page.selectOption("#vinGroup", "Deny Charging");
	await page.click("#vinForm button");
	await toast().filter({ hasText: "added to the group" }).waitFor();
	await page.locator("#groups").filter({ hasText: vin }).waitFor({ timeout: 10_000 });
	const settings = (await page.evaluate(async () => (await fetch("/api/v1/settings")).json())) as Record<string, any>;
	t.deepEqual(settings.VehicleGroups["Deny Charging"].Members, [vin]);
	await page.screenshot({ path: join(shots, "5-vin-groups.png") });
});

browserTest("the settings show the wiring limits with a warning, and no secret", async (t) => {
	await page.locator("#accessForm").scrollIntoViewIfNeeded();
	t.regex((await page.locator("#limits").textContent()) ?? "", /40 A for all wall connectors, 32 A per wall connector/);
	t.regex((await page.locator("#limits").locator("xpath=..").textContent()) ?? "", /electrician/);
	const html = await page.content();
	t.false(html.includes(PASSWORD), "the password is nowhere in the page");
	await page.screenshot({ path: join(shots, "6-settings.png") });
});
