/**
 * `npm run units`: simulated wall connectors with cars and no master, on a real port, to bench-test
 * a master (the ESP32 through a USB adapter, the firmware's desktop build through a pseudo-terminal).
 */
import test from "ava";
import { createServer, type Socket } from "node:net";
import { describeUnits, parseUnitsCommandLine, runUnits } from "../../../host-sim/units.js";
import { encodeFrame, FrameDecoder } from "../../../src/twc/frame.js";
import { decodeMessage, encodeMasterHeartbeat, encodeMasterLinkReady, type Message } from "../../../src/twc/messages.js";

test("units command line: --port is required, 1 to 3 units", (t) => {
	t.like(parseUnitsCommandLine(["--port", "/dev/pts/7"]), { port: "/dev/pts/7", slaves: 2 });
	t.like(parseUnitsCommandLine(["--port", "socket://127.0.0.1:4001", "--slaves", "3"]), { slaves: 3 });
	t.is(parseUnitsCommandLine(["--help"]), "help");
	t.throws(() => parseUnitsCommandLine([]), { message: /--port is required/ });
	t.throws(() => parseUnitsCommandLine(["--port", "x", "--slaves", "0"]), { message: /--slaves must be a whole number from 1 to 3/ });
});

test("the simulated units answer a master on a real port: link-ready, then heartbeats with the limit they were given", async (t) => {
	// The "master" is this test, on the far end of a TCP connection (a converter in raw mode).
	let socket: Socket | undefined;
	const heard: Message[] = [];
	const decoder = new FrameDecoder((body) => heard.push(decodeMessage(body.slice())));
	const server = createServer((s) => {
		socket = s;
		s.on("data", (data) => decoder.push(data, Date.now()));
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	t.teardown(() => server.close());
	const running = runUnits({ port: `socket://127.0.0.1:${(server.address() as { port: number }).port}`, slaves: 2, logLevel: "error", seed: 3 });
	t.teardown(() => running.stop());
	const until = async (done: () => boolean, what: string) => {
		const end = Date.now() + 10_000;
		while (!done()) {
			if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	};
	await until(() => socket !== undefined, "the connection");
	for (let i = 0; i < 5; i++) {
		socket!.write(encodeFrame(encodeMasterLinkReady(2, 0x7777, 0x77)));
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	await until(() => new Set(heard.filter((m) => m.kind === "slaveLinkReady").map((m) => (m as { sender: number }).sender)).size === 2, "two link-readies");
	const ids = running.world.units.map((u) => u.id);
	socket!.write(encodeFrame(encodeMasterHeartbeat(0x7777, ids[0], 0x09, 1600)));
	await until(() => heard.some((m) => m.kind === "slaveHeartbeat" && m.sender === ids[0]), "a heartbeat reply");
	const reply = heard.find((m) => m.kind === "slaveHeartbeat" && m.sender === ids[0]) as Extract<Message, { kind: "slaveHeartbeat" }>;
	t.is(reply.receiver, 0x7777);
	t.is(reply.limitCentiamps, 1600, "it holds the 16 A it was given");
	t.regex(describeUnits(running.world), /master 7777, holds 16 A/);
});
