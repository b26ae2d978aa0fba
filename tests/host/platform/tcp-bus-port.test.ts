import test from "ava";
import { createServer, type Server, type Socket } from "node:net";
import { parseBusUrl, TcpBusPort } from "../../../host-sim/tcp-bus-port.js";
import { NodeTcpClient } from "../../../host-sim/node-tcp-client.js";
import { CountingClock, RecordingListener, recordingLog } from "./helpers.js";

/** A local stand-in for an RS485-to-Ethernet converter: records what it gets, hands out its sockets. */
async function converter(t: { teardown(fn: () => void): void }) {
	const sockets: Socket[] = [];
	const received: number[] = [];
	let onSocket = () => {};
	const server: Server = createServer((socket) => {
		sockets.push(socket);
		socket.on("data", (data) => received.push(...data));
		socket.on("error", () => {});
		onSocket();
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	t.teardown(() => {
		for (const socket of sockets) socket.destroy();
		server.close();
	});
	const port = (server.address() as { port: number }).port;
	const nextSocket = (count: number) =>
		new Promise<Socket>((resolve) => {
			if (sockets.length >= count) return resolve(sockets[count - 1]);
			onSocket = () => sockets.length >= count && resolve(sockets[count - 1]);
		});
	return { server, port, sockets, received, nextSocket };
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

test("bytes flow both ways; a dropped connection is reported and re-established by itself", async (t) => {
	const conv = await converter(t);
	const log = recordingLog();
	const clock = new CountingClock();
	const port = new TcpBusPort({ host: "127.0.0.1", port: conv.port, log, clock, retryMs: 20 });
	t.teardown(() => port.close());
	const listener = new RecordingListener();
	t.false(port.write(Uint8Array.of(1)), "not connected before listen");
	port.listen(listener);

	const first = await conv.nextSocket(1);
	await listener.until(() => listener.statuses.length === 1, "open");
	t.deepEqual(listener.statuses[0], [true, `connected to 127.0.0.1:${conv.port}`]);
	t.true(port.write(Uint8Array.of(0xc0, 0xfb, 0xe0, 0xc0)));
	first.write(Uint8Array.of(0xc0, 0xfd, 0xe2, 0xc0));
	await listener.until(() => listener.bytes.length === 4, "bytes from the converter");
	await until(() => conv.received.length === 4, "bytes at the converter");
	t.deepEqual(listener.bytes, [0xc0, 0xfd, 0xe2, 0xc0]);
	t.deepEqual(conv.received, [0xc0, 0xfb, 0xe0, 0xc0]);

	// The converter drops the link: reported as lost, then the port reconnects on its own.
	first.destroy();
	await listener.until(() => listener.statuses.length >= 2, "loss");
	t.is(listener.statuses[1][0], false);
	t.regex(listener.statuses[1][1], /connection to 127\.0\.0\.1:\d+ lost/);
	t.false(port.write(Uint8Array.of(9)), "write while lost");
	const second = await conv.nextSocket(2);
	await listener.until(() => listener.statuses.length >= 3, "reconnect");
	t.is(listener.statuses[2][0], true);
	t.is(clock.delays[0], 20);
	t.true(log.entries.some(([level, topic, message]) => level === "warn" && topic === "bus" && message.includes("lost")));

	second.write(Uint8Array.of(0x55));
	await listener.until(() => listener.bytes.length === 5, "bytes after reconnect");
	t.true(port.write(Uint8Array.of(0xaa)));
	await until(() => conv.received.length === 5, "bytes at the converter after reconnect");
	t.is(conv.received[4], 0xaa);
});

test("a refused connection is retried with a doubling, bounded delay; every attempt is reported, logged once", async (t) => {
	// Find a free port, then close it so connections are refused.
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
	const free = (probe.address() as { port: number }).port;
	await new Promise((resolve) => probe.close(resolve));

	const clock = new CountingClock();
	const log = recordingLog();
	const port = new TcpBusPort({ host: "127.0.0.1", port: free, log, clock, retryMs: 5, maxRetryMs: 20 });
	t.teardown(() => port.close());
	const listener = new RecordingListener();
	port.listen(listener);
	await until(() => clock.delays.length >= 5, "five retries");
	t.deepEqual(clock.delays.slice(0, 5), [5, 10, 20, 20, 20]);
	t.true(listener.statuses.length >= 5, "each failed attempt, for the bus state's reconnect count");
	t.true(listener.statuses.every(([open]) => open === false));
	t.is(log.entries.filter(([level]) => level === "warn").length, 1, "logged once");
	t.is(listener.statuses[0][0], false);
	t.regex(listener.statuses[0][1], /cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
	port.close();
	const retries = clock.delays.length;
	await new Promise((resolve) => setTimeout(resolve, 60));
	t.is(clock.delays.length, retries, "no retries after close()");
});

test("close() ends the connection and stops reconnecting", async (t) => {
	const conv = await converter(t);
	const clock = new CountingClock();
	const port = new TcpBusPort({ host: "127.0.0.1", port: conv.port, log: recordingLog(), clock, retryMs: 5 });
	const listener = new RecordingListener();
	port.listen(listener);
	const socket = await conv.nextSocket(1);
	await listener.until(() => listener.statuses.length === 1, "open");
	const closed = new Promise((resolve) => socket.on("close", resolve));
	port.close();
	await closed;
	await new Promise((resolve) => setTimeout(resolve, 30));
	t.is(conv.sockets.length, 1);
	t.is(listener.statuses.length, 1);
	t.deepEqual(clock.delays, []);
	t.false(port.write(Uint8Array.of(1)));
});

test("a listener that throws is logged, and the port carries on", async (t) => {
	const conv = await converter(t);
	const log = recordingLog();
	const port = new TcpBusPort({ host: "127.0.0.1", port: conv.port, log, clock: new CountingClock() });
	t.teardown(() => port.close());
	let calls = 0;
	port.listen({ onBytes: () => { calls++; throw new Error("parser bug"); } });
	const socket = await conv.nextSocket(1);
	socket.write(Uint8Array.of(1));
	await until(() => calls === 1, "first delivery");
	socket.write(Uint8Array.of(2));
	await until(() => calls === 2, "second delivery");
	t.true(log.entries.some(([level, , message]) => level === "error" && message.includes("parser bug")));
});

test("NodeTcpClient: connect, bytes both ways, onClose once with the peer's reason", async (t) => {
	const conv = await converter(t);
	const got: number[] = [];
	const events: string[] = [];
	const client = new NodeTcpClient();
	const socket = client.connect({
		host: "127.0.0.1",
		port: conv.port,
		onConnect: () => events.push("connect"),
		onBytes: (bytes) => got.push(...bytes),
		onClose: (reason) => events.push(`close: ${reason}`),
	});
	t.false(socket.write(Uint8Array.of(0)), "not yet connected");
	const peer = await conv.nextSocket(1);
	await until(() => events.length === 1, "connect");
	t.true(socket.write(Uint8Array.of(7, 8)));
	peer.write(Uint8Array.of(9));
	await until(() => conv.received.length === 2 && got.length === 1, "bytes");
	t.deepEqual(conv.received, [7, 8]);
	t.deepEqual(got, [9]);
	peer.end();
	await until(() => events.length === 2, "close");
	t.deepEqual(events, ["connect", "close: closed by peer"]);
	t.false(socket.write(Uint8Array.of(1)));
});

test("NodeTcpClient: a refused connection and a bad port both end in onClose", async (t) => {
	const reasons: string[] = [];
	const client = new NodeTcpClient();
	const onBytes = () => {};
	client.connect({ host: "127.0.0.1", port: 1, onBytes, onClose: (reason) => reasons.push(reason) });
	client.connect({ host: "127.0.0.1", port: 70000, onBytes, onClose: (reason) => reasons.push(reason) });
	await until(() => reasons.length === 2, "both failures");
	t.true(reasons.some((r) => /ECONNREFUSED/.test(r)));
	t.true(reasons.some((r) => /70000|port/i.test(r)));
});

test("parseBusUrl: serial devices", (t) => {
	t.deepEqual(parseBusUrl("/dev/ttyUSB0"), { kind: "serial", path: "/dev/ttyUSB0" });
	t.deepEqual(parseBusUrl(" /dev/serial/by-id/usb-FTDI_FT232R-if00-port0 "), {
		kind: "serial",
		path: "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0",
	});
	t.deepEqual(parseBusUrl("COM3"), { kind: "serial", path: "COM3" });
	t.deepEqual(parseBusUrl("com12"), { kind: "serial", path: "com12" });
	t.deepEqual(parseBusUrl("\\\\.\\COM10"), { kind: "serial", path: "\\\\.\\COM10" });
});

test("parseBusUrl: socket:// converters", (t) => {
	t.deepEqual(parseBusUrl("socket://192.168.1.50:4196"), { kind: "tcp", host: "192.168.1.50", port: 4196 });
	t.deepEqual(parseBusUrl("SOCKET://rs485-gw.local:502/"), { kind: "tcp", host: "rs485-gw.local", port: 502 });
	t.deepEqual(parseBusUrl("socket://[fe80::1]:23"), { kind: "tcp", host: "fe80::1", port: 23 });
});

test("parseBusUrl: clear errors for everything else", (t) => {
	t.throws(() => parseBusUrl("rfc2217://192.168.1.50:4196"), { message: /rfc2217:\/\/ .*not supported.*socket:\/\/HOST:PORT/ });
	t.throws(() => parseBusUrl("loop://"), { message: /loop:\/\/ is not supported/ });
	t.throws(() => parseBusUrl("socket://host"), { message: /expected socket:\/\/HOST:PORT/ });
	t.throws(() => parseBusUrl("socket://host:0"), { message: /port from 1 to 65535/ });
	t.throws(() => parseBusUrl("socket://host:70000"), { message: /port from 1 to 65535/ });
	t.throws(() => parseBusUrl("ttyUSB0"), { message: /expected a serial device/ });
	t.throws(() => parseBusUrl(""), { message: /expected a serial device/ });
});
