/**
 * Two instances of this controller on one bus, both with ID 7777 and one config (a multi-client
 * RS485-to-Ethernet converter, a second `npm start`, a board and a PC). Reproduced before the fix:
 * the wall connectors held 52 A on a 40 A circuit and neither instance reported anything.
 * Watched as the wall connectors see it: the limits they hold, every 10 ms.
 */
import test from "ava";
import { App } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/config.js";
import { seededRandom } from "../../../src/platform/random.js";
import { CONFIG_BASE, Harness, RecordingLog } from "./harness.js";

function secondInstance(h: Harness, seed: number): { app: App; log: RecordingLog } {
	const parsed = parseConfig({ config: { ...CONFIG_BASE } });
	const log = new RecordingLog(h.clock);
	const app = new App({ clock: h.clock, log, random: seededRandom(seed), bus: h.world.bus.attach("master-b", "master") }, parsed.config!);
	return { app, log };
}

function chargeNow(request: (method: string, path: string, body: string) => { status: number }): void {
	const answer = request("POST", "/api/chargeNow", JSON.stringify({ chargeNowRate: 40, chargeNowDuration: 7200 }));
	if (answer.status !== 200) throw new Error(`chargeNow: ${answer.status}`);
}

for (const [label, startAfterMs, seed] of [
	["the second starts while the first charges two cars", 30_000, 1],
	["the second starts a few seconds after the first", 3_000, 2],
	["both start together", 0, 3],
	["the second starts while the first links", 1_700, 4],
] as const) {
	test(`two masters with our ID and one config never hold more than the wiring limit between them: ${label}`, (t) => {
		const h = new Harness({ slaves: 2, seed });
		chargeNow((m, p, b) => h.request(m, p, b));
		const b = secondInstance(h, seed + 100);
		chargeNow((m, p, body) => b.app.router.handle({ method: m, path: p, query: new Map(), headers: new Map(), body }));
		let worst = 0;
		let worstDraw = 0;
		let overAt: number | undefined;
		const sample = () => {
			const held = h.unitLimit(0) + h.unitLimit(1);
			if (held > worst) worst = held;
			if (held > 40 && overAt === undefined) overAt = h.clock.now();
			worstDraw = Math.max(worstDraw, h.carAmps(0) + h.carAmps(1));
		};
		h.run(startAfterMs, 10, sample);
		b.app.start();
		h.run(5 * 60_000, 10, sample);
		t.true(worst <= 40, `the units held ${worst} A together (first above 40 A at ${overAt})`);
		t.true(worstDraw <= 40.5, `the cars drew up to ${worstDraw} A`);
		// Both say so, with the cure.
		for (const problems of [h.app.problems, b.app.problems]) {
			t.true(
				problems.some((p) => /another master is using our ID 7777/.test(p) && /only one master per bus/.test(p)),
				`problems: ${JSON.stringify(problems)}`,
			);
		}
		t.true(h.log.find(/another master is using our ID 7777/, "error").length >= 1);
		t.true(b.log.find(/another master is using our ID 7777/, "error").length >= 1);
		const bus = h.state().bus;
		t.is(bus.otherMaster.sameId, true);
		t.is(bus.otherMaster.shareAmps, 20);

		// The second one goes away: a minute later the first charges at full power again.
		b.app.stop();
		h.run(90_000, 100, () => {});
		t.is(h.unitLimit(0) + h.unitLimit(1), 40);
		t.false(h.app.problems.some((p) => /another master/.test(p)));
		h.stop();
	});
}
