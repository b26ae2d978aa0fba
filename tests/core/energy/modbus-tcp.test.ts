import test from "ava";
import { decodeRegisters, exceptionName, isNotAvailable, MbapReader, ModbusTcpClient, readAnswerRegisters, readRequestFrame, type RegistersResult } from "../../../src/energy/modbus-tcp.js";
import type { TcpClient, TcpClientOptions, TcpSocket } from "../../../src/platform/tcp.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";

function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function bytes(text: string): Uint8Array {
	return new Uint8Array(text.split(" ").map((h) => parseInt(h, 16)));
}

test("request frames are byte-exact: MBAP header, unit, function 3/4, address, count", (t) => {
	// Kostal: transaction 1, unit 71, read holding register 5, 1 register.
	t.is(hex(readRequestFrame(1, 71, 3, 5, 1)), "00 01 00 00 00 06 47 03 00 05 00 01");
	// SMA: transaction 0x1234, unit 3, read input registers 30775..30776.
	t.is(hex(readRequestFrame(0x1234, 3, 4, 30775, 2)), "12 34 00 00 00 06 03 04 78 37 00 02");
	// SunSpec: unit 1, 40083, 2 registers.
	t.is(hex(readRequestFrame(0xffff, 1, 3, 40083, 2)), "ff ff 00 00 00 06 01 03 9c 93 00 02");
});

test("answers are split off the stream in any chunking and parsed to registers", (t) => {
	const reader = new MbapReader();
	const answer = bytes("00 07 00 00 00 07 47 03 04 45 00 00 00");
	t.deepEqual(reader.push(answer.subarray(0, 5)), []);
	const frames = reader.push(answer.subarray(5));
	t.true(Array.isArray(frames));
	const [frame] = frames as { transactionId: number; unit: number; pdu: Uint8Array }[];
	t.is(frame.transactionId, 7);
	t.is(frame.unit, 71);
	t.deepEqual(readAnswerRegisters(frame.pdu, 3, 2), [0x4500, 0]);
	// Two answers in one chunk.
	const two = reader.push(bytes("00 01 00 00 00 05 01 04 02 00 2a 00 02 00 00 00 05 01 04 02 ff ff"));
	t.deepEqual((two as { transactionId: number }[]).map((f) => f.transactionId), [1, 2]);
});

test("exception answers are named", (t) => {
	t.is(readAnswerRegisters(bytes("83 02"), 3, 2), "the device answered exception 2: illegal data address");
	t.is(readAnswerRegisters(bytes("84 01"), 4, 1), "the device answered exception 1: illegal function");
	t.is(readAnswerRegisters(bytes("83 0b"), 3, 1), "the device answered exception 11: gateway target device failed to respond");
	t.is(exceptionName(6), "server device busy");
	t.is(readAnswerRegisters(bytes("03 02 00 01"), 3, 2), "answer holds 2 bytes, asked for 2 registers (4 bytes)");
	t.is(readAnswerRegisters(bytes("04 02 00 01"), 3, 1), "answer to function 4, asked function 3");
});

test("bytes that are not Modbus TCP (an HTTP server on that port) are an error", (t) => {
	const reader = new MbapReader();
	const http = "HTTP/1.1 400 Bad Request\r\n";
	const result = reader.push(new Uint8Array(Array.from(http, (c) => c.charCodeAt(0))));
	t.is(typeof result, "string");
	t.regex(result as string, /^not a Modbus TCP answer .*is this the Modbus TCP port\?$/);
});

test("values decode by type and word order", (t) => {
	t.is(decodeRegisters([0xfffe], "int16"), -2);
	t.is(decodeRegisters([0xfffe], "uint16"), 65534);
	t.is(decodeRegisters([0xffff, 0xfff6], "int32"), -10);
	t.is(decodeRegisters([0x0001, 0x0002], "uint32"), 65538);
	t.is(decodeRegisters([0x0002, 0x0001], "uint32", "little"), 65538);
	// 1834.5 as IEEE-754: 0x44E55000.
	t.is(decodeRegisters([0x44e5, 0x5000], "float32"), 1834.5);
	t.is(decodeRegisters([0x5000, 0x44e5], "float32", "little"), 1834.5);
	t.is(decodeRegisters([0xc2c8, 0x0000], "float32"), -100);
	t.is(decodeRegisters([0, 0], "float32"), 0);
	t.true(isNotAvailable([0x8000, 0], "int32"));
	t.true(isNotAvailable([0x8000], "int16"));
	t.false(isNotAvailable([0x7fff], "int16"));
});

/** A TcpClient whose peer the test plays. */
class FakeTcp implements TcpClient {
	connections: { options: TcpClientOptions; written: Uint8Array[]; closed: boolean }[] = [];
	connect(options: TcpClientOptions): TcpSocket {
		const connection = { options, written: [] as Uint8Array[], closed: false };
		this.connections.push(connection);
		return {
			write: (b) => (connection.written.push(b.slice()), true),
			close: () => {
				connection.closed = true;
			},
		};
	}
	get last() {
		return this.connections[this.connections.length - 1];
	}
}

function collect() {
	const results: RegistersResult[] = [];
	return { results, done: (r: RegistersResult) => results.push(r) };
}

test("the client sends one request at a time with rising transaction ids and matches the answers", (t) => {
	const clock = new VirtualClock(0);
	const tcp = new FakeTcp();
	const client = new ModbusTcpClient({ tcp, clock, host: "10.0.0.5", port: 1502, unit: 71 });
	const { results, done } = collect();
	client.read(3, 5, 1, done);
	client.read(3, 100, 2, done);
	t.is(tcp.connections.length, 1);
	t.is(tcp.last.options.host, "10.0.0.5");
	t.is(tcp.last.options.port, 1502);
	t.deepEqual(tcp.last.written, [], "nothing is sent before the connection opens");
	tcp.last.options.onConnect!();
	t.deepEqual(tcp.last.written.map(hex), ["00 01 00 00 00 06 47 03 00 05 00 01"]);
	// A stray answer with another transaction id is skipped.
	tcp.last.options.onBytes(bytes("00 09 00 00 00 05 47 03 02 00 07"));
	t.deepEqual(results, []);
	tcp.last.options.onBytes(bytes("00 01 00 00 00 05 47 03 02 00 01"));
	t.deepEqual(results, [{ ok: true, registers: [1] }]);
	t.deepEqual(tcp.last.written.map(hex).slice(1), ["00 02 00 00 00 06 47 03 00 64 00 02"]);
	tcp.last.options.onBytes(bytes("00 02 00 00 00 03 47 83 02"));
	t.deepEqual(results[1], { ok: false, error: "the device answered exception 2: illegal data address" });
	t.is(tcp.connections.length, 1, "the connection is kept for the next poll");
	t.is(clock.pending, 0);
	client.close();
	t.true(tcp.last.closed);
});

test("a request without an answer times out, the connection is dropped and the next read reconnects", (t) => {
	const clock = new VirtualClock(0);
	const tcp = new FakeTcp();
	const client = new ModbusTcpClient({ tcp, clock, host: "h", port: 502, unit: 1, timeoutMs: 2000 });
	const { results, done } = collect();
	client.read(4, 30775, 2, done);
	tcp.last.options.onConnect!();
	clock.advance(1999);
	t.deepEqual(results, []);
	clock.advance(1);
	t.deepEqual(results, [{ ok: false, error: "no answer within 2000 ms" }]);
	t.true(tcp.connections[0].closed);
	client.read(4, 30775, 2, done);
	t.is(tcp.connections.length, 2);
	tcp.last.options.onConnect!();
	// The id keeps rising: a late answer to the first request can never be taken for this one.
	t.is(hex(tcp.last.written[0]), "00 02 00 00 00 06 01 04 78 37 00 02");
	tcp.last.options.onBytes(bytes("00 02 00 00 00 07 01 04 04 00 00 07 2a"));
	t.deepEqual(results[1], { ok: true, registers: [0, 1834] });
});

test("a refused connection or a connect that hangs fails every waiting request with the reason", (t) => {
	const clock = new VirtualClock(0);
	const tcp = new FakeTcp();
	const client = new ModbusTcpClient({ tcp, clock, host: "h", port: 502, unit: 1, timeoutMs: 3000 });
	const { results, done } = collect();
	client.read(3, 1, 1, done);
	client.read(3, 2, 1, done);
	tcp.last.options.onClose("connect ECONNREFUSED 127.0.0.1:502");
	t.deepEqual(results, [
		{ ok: false, error: "cannot connect (connect ECONNREFUSED 127.0.0.1:502)" },
		{ ok: false, error: "cannot connect (connect ECONNREFUSED 127.0.0.1:502)" },
	]);
	client.read(3, 1, 1, done);
	clock.advance(3000);
	t.deepEqual(results[2], { ok: false, error: "could not connect within 3000 ms" });
	t.true(tcp.last.closed);
	client.read(3, 0, 200, done);
	t.deepEqual(results[3], { ok: false, error: "cannot read 200 registers at 0 (1 to 125 registers within 0..65535)" });
});

test("garbage from the peer fails the request and drops the connection", (t) => {
	const clock = new VirtualClock(0);
	const tcp = new FakeTcp();
	const client = new ModbusTcpClient({ tcp, clock, host: "h", port: 80, unit: 1 });
	const { results, done } = collect();
	client.read(3, 1, 1, done);
	tcp.last.options.onConnect!();
	tcp.last.options.onBytes(new Uint8Array(Array.from("HTTP/1.1 400 Bad Request\r\n\r\n", (c) => c.charCodeAt(0))));
	t.is(results.length, 1);
	t.regex((results[0] as { error: string }).error, /^not a Modbus TCP answer/);
	t.true(tcp.last.closed);
	t.is(clock.pending, 0);
});
