import test from "ava";
import { SerialPortMock } from "serialport";
import { SerialBusPort, type SerialStreamOptions } from "../../../host-sim/serial-bus-port.js";
import { CountingClock, RecordingListener, recordingLog } from "./helpers.js";

test("a device that does not exist: onStatus(false, reason), logged, retried every retryMs", async (t) => {
	const clock = new CountingClock();
	const log = recordingLog();
	const path = "/dev/ttyDOES-NOT-EXIST-42";
	const port = new SerialBusPort({ path, log, clock, retryMs: 10 });
	t.teardown(() => port.close());
	const listener = new RecordingListener();
	port.listen(listener);
	await listener.until(() => listener.statuses.length === 1, "failure");
	t.is(listener.statuses[0][0], false);
	t.regex(listener.statuses[0][1], /No such file or directory/);
	t.true(log.entries.some(([level, topic, message]) => level === "warn" && topic === "serial" && message.includes(path)));
	t.false(port.write(Uint8Array.of(1)));
	// Retries keep coming: each failed attempt is reported (the master counts them as reconnect
	// attempts), but logged as a warning only once.
	const end = Date.now() + 3000;
	while (clock.delays.length < 3 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
	t.deepEqual(clock.delays.slice(0, 3), [10, 10, 10]);
	t.true(listener.statuses.length >= 3);
	t.true(listener.statuses.every(([open]) => open === false));
	t.is(log.entries.filter(([level]) => level === "warn").length, 1);
	port.close();
	const count = clock.delays.length;
	await new Promise((resolve) => setTimeout(resolve, 40));
	t.is(clock.delays.length, count, "no retries after close()");
});

// The rest runs on serialport's mock binding: the same stream class as a real port.
let mockSerial = 0;
function mockPort(options: { retryMs?: number } = {}) {
	const path = `/dev/mock-twc-${++mockSerial}`;
	const streams: SerialPortMock[] = [];
	const opened: SerialStreamOptions[] = [];
	const port = new SerialBusPort({
		path,
		baudRate: 9600,
		log: recordingLog(),
		clock: new CountingClock(),
		retryMs: options.retryMs ?? 10,
		createStream: (o) => {
			opened.push(o);
			const stream = new SerialPortMock(o);
			streams.push(stream);
			return stream;
		},
	});
	return { path, port, streams, opened };
}

test("opens 8N1 at 9600 baud, bytes flow both ways", async (t) => {
	const { path, port, streams, opened } = mockPort();
	SerialPortMock.binding.createPort(path, { record: true });
	t.teardown(() => port.close());
	const listener = new RecordingListener();
	port.listen(listener);
	await listener.until(() => listener.statuses.length === 1, "open");
	t.deepEqual(listener.statuses[0], [true, `opened ${path}`]);
	t.like(opened[0], { path, baudRate: 9600, dataBits: 8, parity: "none", stopBits: 1 });

	t.true(port.write(Uint8Array.of(0xc0, 0xfb, 0xe0, 0xc0)));
	const binding = streams[0].port!;
	const end = Date.now() + 2000;
	while (binding.recording.length < 4 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
	t.deepEqual([...binding.recording], [0xc0, 0xfb, 0xe0, 0xc0]);

	binding.emitData(Buffer.from([0xc0, 0xfd, 0xe2, 0xc0]));
	await listener.until(() => listener.bytes.length === 4, "bytes");
	t.deepEqual(listener.bytes, [0xc0, 0xfd, 0xe2, 0xc0]);
});

test("a device that appears later is opened by a retry", async (t) => {
	const { path, port } = mockPort();
	t.teardown(() => port.close());
	const listener = new RecordingListener();
	port.listen(listener);
	await listener.until(() => listener.statuses.length === 1, "failure");
	t.is(listener.statuses[0][0], false);
	SerialPortMock.binding.createPort(path);
	await listener.until(() => listener.statuses.length === 2, "open");
	t.is(listener.statuses[1][0], true);
	t.true(port.write(Uint8Array.of(1)));
});

test("an unplugged device is reported lost and reopened", async (t) => {
	const { path, port, streams } = mockPort();
	SerialPortMock.binding.createPort(path);
	t.teardown(() => port.close());
	const listener = new RecordingListener();
	port.listen(listener);
	await listener.until(() => listener.statuses.length === 1, "open");
	// What serialport does when a read fails because the device went away.
	streams[0]._disconnected(new Error("device disconnected"));
	await listener.until(() => listener.statuses.length === 2, "loss");
	t.deepEqual(listener.statuses[1], [false, "device disconnected"]);
	await listener.until(() => listener.statuses.length === 3, "reopen");
	t.is(listener.statuses[2][0], true);
	t.is(streams.length, 2);
	streams[1].port!.emitData(Buffer.from([7]));
	await listener.until(() => listener.bytes.length === 1, "bytes after reopen");
});

test("close() closes the device and stops retrying; a throwing listener is contained", async (t) => {
	const { path, port, streams } = mockPort();
	SerialPortMock.binding.createPort(path);
	const listener = new RecordingListener();
	let throws = 0;
	port.listen({
		onBytes: () => { throws++; throw new Error("parser bug"); },
		onStatus: (open, reason) => listener.onStatus(open, reason),
	});
	await listener.until(() => listener.statuses.length === 1, "open");
	streams[0].port!.emitData(Buffer.from([1]));
	const end = Date.now() + 2000;
	while (throws === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
	t.is(throws, 1);
	port.close();
	await new Promise((resolve) => setTimeout(resolve, 40));
	t.false(streams[0].isOpen);
	t.is(streams.length, 1);
	t.is(listener.statuses.length, 1, "no status after close()");
	t.false(port.write(Uint8Array.of(1)));
});
