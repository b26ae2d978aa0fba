/**
 * GET /api/v1/log on the host: the ConsoleLog's ring (host-sim/console-log.ts recentLines), each
 * line as it was printed, newest last.
 */
import test from "ava";
import { App } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/config.js";
import { seededRandom } from "../../../src/platform/random.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";
import { ConsoleLog } from "../../../host-sim/console-log.js";
import { ScriptedPort } from "../../core/support/scripted-bus.js";

test("the host's API serves the ConsoleLog's recent lines as printed, newest last", (t) => {
	const clock = new VirtualClock();
	const printed: string[] = [];
	const log = new ConsoleLog({ clock, ringSize: 5, writer: (_stream, line) => printed.push(line) });
	const parsed = parseConfig({ config: { wiringMaxAmpsAllTWCs: 40, wiringMaxAmpsPerTWC: 32 } });
	const app = new App({ clock, log, random: seededRandom(1), bus: new ScriptedPort(clock) }, parsed.config!);
	app.start();
	clock.advance(2000);
	log.write("warn", "test", "newest\nsecond line");
	const response = app.router.handle({ method: "GET", path: "/api/v1/log", query: new Map(), headers: new Map(), body: "" });
	t.is(response.status, 200);
	const lines = JSON.parse(response.body!).lines as string[];
	t.deepEqual(lines, printed.slice(-lines.length), "the lines are those printed");
	t.true(lines.length <= 5);
	t.regex(lines[lines.length - 1], /WARN  test: newest\\nsecond line$/);
});
