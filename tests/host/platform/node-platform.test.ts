import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BytePort } from "../../../src/platform/byte-port.js";
import { createNodePlatform, openBusPort } from "../../../host-sim/node-platform.js";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { SerialBusPort } from "../../../host-sim/serial-bus-port.js";
import { TcpBusPort } from "../../../host-sim/tcp-bus-port.js";
import { recordingLog } from "./helpers.js";

const nullBus: BytePort = { listen() {}, write: () => false, close() {} };

test("assembles clock, log, seeded random, bus, http, tcp and storage", async (t) => {
	const dir = mkdtempSync(join(tmpdir(), "twc-platform-"));
	t.teardown(() => rmSync(dir, { recursive: true, force: true }));
	const log = recordingLog();
	const platform = createNodePlatform({ bus: nullBus, httpPort: 0, httpHost: "127.0.0.1", log, seed: 7, storageDir: dir });
	t.teardown(() => platform.close());
	t.is(platform.bus, nullBus);
	t.is(platform.log, log);
	t.true(Math.abs(platform.clock.now() - Date.now()) < 1000);
	const again = createNodePlatform({ bus: nullBus, seed: 7, log });
	t.is(platform.random.next(), again.random.next(), "same seed, same sequence");
	t.is(again.http, undefined);
	t.is(again.storage, undefined);
	t.truthy(platform.tcp);
	platform.storage!.write("settings", "{}");
	t.is(platform.storage!.read("settings"), "{}");
	platform.http!.serve(() => ({ status: 204 }));
	const port = await platform.http!.listening;
	t.is((await fetch(`http://127.0.0.1:${port}/`)).status, 204);
});

test("without a seed, random values stay in [0, 1)", (t) => {
	const platform = createNodePlatform({ bus: nullBus, log: recordingLog() });
	for (let i = 0; i < 100; i++) {
		const value = platform.random.next();
		t.true(value >= 0 && value < 1);
	}
});

test("a bus address picks the serial or the TCP binding; a bad one is refused", (t) => {
	const context = { log: recordingLog(), clock: new NodeClock() };
	t.true(openBusPort("/dev/ttyUSB0", context) instanceof SerialBusPort);
	t.true(openBusPort("socket://127.0.0.1:4196", context) instanceof TcpBusPort);
	t.true(openBusPort({ kind: "tcp", host: "127.0.0.1", port: 1 }, context) instanceof TcpBusPort);
	t.throws(() => createNodePlatform({ bus: "rfc2217://10.0.0.2:4000", log: context.log }), { message: /not supported/ });
});
