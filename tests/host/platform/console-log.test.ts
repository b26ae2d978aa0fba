import test from "ava";
import { ConsoleLog, type LogStream } from "../../../host-sim/console-log.js";

function capture() {
	const lines: [LogStream, string][] = [];
	return { lines, writer: (stream: LogStream, line: string) => void lines.push([stream, line]) };
}

const clock = { now: () => Date.UTC(2026, 5, 21, 12, 0, 0) };

test("one line per entry: ISO time, level, topic, message; errors and warnings to stderr", (t) => {
	const { lines, writer } = capture();
	const log = new ConsoleLog({ writer, clock });
	log.write("info", "bus", "slave 0x1234 linked");
	log.write("warn", "serial", "port lost");
	log.write("error", "http", "two\nlines");
	t.deepEqual(lines, [
		["stdout", "2026-06-21T12:00:00.000Z INFO  bus: slave 0x1234 linked"],
		["stderr", "2026-06-21T12:00:00.000Z WARN  serial: port lost"],
		["stderr", "2026-06-21T12:00:00.000Z ERROR http: two\\nlines"],
	]);
});

test("the minimum level drops the entries below it (default info) and can be changed", (t) => {
	const { lines, writer } = capture();
	const log = new ConsoleLog({ writer, clock });
	log.write("debug", "bus", "frame");
	t.is(lines.length, 0);
	log.level = "debug";
	log.write("debug", "bus", "frame");
	t.is(lines.length, 1);
	const quiet = new ConsoleLog({ writer, clock, level: "warn" });
	quiet.write("info", "x", "dropped");
	quiet.write("warn", "x", "kept");
	quiet.write("error", "x", "kept");
	t.is(lines.length, 3);
	t.deepEqual(quiet.recent().map((e) => e.level), ["warn", "error"]);
});

test("recent() keeps the last N entries, oldest first", (t) => {
	const { writer } = capture();
	const log = new ConsoleLog({ writer, clock, ringSize: 3 });
	t.deepEqual(log.recent(), []);
	for (let i = 1; i <= 5; i++) log.write("info", "t", `m${i}`);
	t.deepEqual(log.recent().map((e) => e.message), ["m3", "m4", "m5"]);
	t.deepEqual(log.recent()[0], { time: clock.now(), level: "info", topic: "t", message: "m3" });
	// Entries are copies: the caller cannot edit the ring.
	log.recent()[0].message = "changed";
	t.is(log.recent()[0].message, "m3");
});

test("the ring holds 200 entries by default", (t) => {
	const log = new ConsoleLog({ writer: () => {}, clock });
	for (let i = 0; i < 250; i++) log.write("info", "t", String(i));
	const recent = log.recent();
	t.is(recent.length, 200);
	t.is(recent[0].message, "50");
	t.is(recent[199].message, "249");
});

test("a failing writer does not throw into the caller", (t) => {
	const log = new ConsoleLog({ writer: () => { throw new Error("EPIPE"); }, clock });
	t.notThrows(() => log.write("error", "t", "x"));
	t.is(log.recent().length, 1);
});
