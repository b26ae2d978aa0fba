/**
 * The Modbus TCP sources against a real Modbus TCP server (npm modbus-serial's ServerTCP) on
 * 127.0.0.1, through the real NodeTcpClient: Kostal, SolarEdge local SunSpec, the generic map.
 */
import test from "ava";
import { createServer } from "node:net";
import { ServerTCP } from "modbus-serial";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeTcpClient } from "../../../host-sim/node-tcp-client.js";
import type { EnergySource, PollResult, SourceContext } from "../../../src/energy/source.js";
import { kostalSource as kostal } from "../../../src/energy/sources/kostal.js";
import { modbusTcpSource as modbusTcp } from "../../../src/energy/sources/modbus-tcp.js";
import { createSolarEdgeModbus } from "../../../src/energy/sources/solaredge-modbus.js";
import { silentLog } from "../../../src/platform/log.js";

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const port = (server.address() as { port: number }).port;
			server.close(() => resolve(port));
		});
	});
}

interface Peer {
	port: number;
	/** Requests seen: [function, address, unit]. */
	requests: [number, number, number][];
	close(): Promise<void>;
}

/** A Modbus TCP server answering from register maps (holding / input); other addresses: exception 2. */
async function modbusServer(unitID: number, holding: Map<number, number>, input = new Map<number, number>()): Promise<Peer> {
	const port = await freePort();
	const requests: [number, number, number][] = [];
	const lookup = (map: Map<number, number>, fn: number) => (addr: number, unit: number) => {
		requests.push([fn, addr, unit]);
		const value = map.get(addr);
		if (value === undefined) throw { modbusErrorCode: 2, msg: "Illegal data address" };
		return value;
	};
	const server = new ServerTCP({ getHoldingRegister: lookup(holding, 3), getInputRegister: lookup(input, 4) }, { host: "127.0.0.1", port, unitID });
	await new Promise<void>((resolve, reject) => {
		server.on("initialized", () => resolve());
		server.on("serverError", reject);
	});
	return {
		port,
		requests,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function floatWords(value: number): [number, number] {
	const b = Buffer.alloc(4);
	b.writeFloatBE(value);
	return [b.readUInt16BE(0), b.readUInt16BE(2)];
}

function putFloat(map: Map<number, number>, address: number, value: number, lowWordFirst: boolean): void {
	const [hi, lo] = floatWords(value);
	map.set(address, lowWordFirst ? lo : hi);
	map.set(address + 1, lowWordFirst ? hi : lo);
}

function context(): SourceContext {
	return { clock: new NodeClock(), log: silentLog, tcp: new NodeTcpClient({ connectTimeoutMs: 2000 }) };
}

function poll(source: EnergySource): Promise<PollResult> {
	return new Promise((resolve) => source.poll(resolve));
}

function kostalMap(lowWordFirst: boolean): Map<number, number> {
	const map = new Map<number, number>([[5, lowWordFirst ? 0 : 1]]);
	putFloat(map, 100, 3456.5, lowWordFirst); // total DC power
	putFloat(map, 106, 200, lowWordFirst); // home from battery
	putFloat(map, 108, 150.25, lowWordFirst); // home from grid
	putFloat(map, 116, 900, lowWordFirst); // home from PV
	return map;
}

for (const lowWordFirst of [false, true]) {
	test.serial(`Kostal: unit 71, byte order from register 5 (${lowWordFirst ? "CDAB" : "ABCD"}), DC power and the house load`, async (t) => {
		const peer = await modbusServer(71, kostalMap(lowWordFirst));
		t.teardown(() => peer.close());
		// TWCManager's keys; the port as a string, as its sample config writes it.
		const source = kostal.create({ enabled: true, serverIP: "127.0.0.1", modbusPort: String(peer.port) }, context()) as EnergySource;
		t.teardown(() => source.close());
		const first = await poll(source);
		t.deepEqual(first, { ok: true, reading: { generationW: 3456.5, consumptionW: 1250.25, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
		t.deepEqual(peer.requests.map(([fn, addr, unit]) => `${fn}:${addr}@${unit}`).filter((r, i, all) => all.indexOf(r) === i), ["3:5@71", "3:100@71", "3:101@71", "3:106@71", "3:107@71", "3:108@71", "3:109@71", "3:116@71", "3:117@71"]);
		const before = peer.requests.length;
		t.like(await poll(source), { ok: true, reading: { generationW: 3456.5 } });
		t.false(peer.requests.slice(before).some(([, addr]) => addr === 5), "the byte order is asked once per source");
	});
}

test.serial("Kostal: an exception names the register and the reason; a closed port says it cannot connect", async (t) => {
	const map = kostalMap(false);
	map.delete(106);
	map.delete(107);
	const peer = await modbusServer(71, map);
	t.teardown(() => peer.close());
	const source = kostal.create({ enabled: true, serverIP: "127.0.0.1", modbusPort: peer.port }, context()) as EnergySource;
	t.teardown(() => source.close());
	t.deepEqual(await poll(source), { ok: false, error: `Kostal: 127.0.0.1:${peer.port} unit 71: holding register 106..107: the device answered exception 2: illegal data address` });
	const closed = await freePort();
	const nobody = kostal.create({ enabled: true, serverIP: "127.0.0.1", modbusPort: closed }, context()) as EnergySource;
	t.teardown(() => nobody.close());
	const result = await poll(nobody);
	t.false(result.ok);
	t.regex((result as { error: string }).error, new RegExp(`^Kostal: 127\\.0\\.0\\.1:${closed} unit 71: register 5 \\(byte order\\): cannot connect \\(.*ECONNREFUSED.*\\)$`));
	t.is(kostal.create({ enabled: true }, context()), "sources.Kostal.serverIP: required");
	t.is(kostal.create({ enabled: true, serverIP: "x", modbusPort: "http" }, context()), 'sources.Kostal.modbusPort: must be a port number from 1 to 65535 (got "http")');
});

/** A SolarEdge inverter's SunSpec registers: 2345 W (23450 × 10^-1), 240.1 V, and meters. */
function solarEdgeMap(): Map<number, number> {
	const map = new Map<number, number>();
	const put = (address: number, values: number[]) => values.forEach((v, i) => map.set(address + i, v & 0xffff));
	put(40079, [2401, 2402, 2403, -1, 23450, -1]);
	// Meter1: export meter (model 203), 1200 W exported; Meter2: consumption meter (model 203), 345 W.
	put(40188, [203]);
	put(40206, [12, 4, 4, 4, 2]);
	put(40188 + 174, [203]);
	put(40206 + 174, [345, 115, 115, 115, 0]);
	return map;
}

test.serial("SolarEdge local Modbus: AC power with its scale factor; export and consumption meters as TWCManager sums them", async (t) => {
	const peer = await modbusServer(1, solarEdgeMap());
	t.teardown(() => peer.close());
	const inverterOnly = createSolarEdgeModbus({ enabled: true, inverterHost: "127.0.0.1", inverterPort: String(peer.port) }, context()) as EnergySource;
	t.teardown(() => inverterOnly.close());
	t.deepEqual(await poll(inverterOnly), { ok: true, reading: { generationW: 2345, consumptionW: null, gridW: null, voltageV: 240.1, batteryW: null, socPercent: null } });
	const withMeters = createSolarEdgeModbus({
		enabled: true,
		inverterHost: "127.0.0.1",
		inverterPort: peer.port,
		smartMeters: [{ name: "Meter1", type: "export" }, { name: "Meter2", type: "consumption" }],
	}, context()) as EnergySource;
	t.teardown(() => withMeters.close());
	// consumption = consumption meters + generation − export = 345 + 2345 − 1200.
	t.like(await poll(withMeters), { ok: true, reading: { generationW: 2345, consumptionW: 1490, gridW: -1200 } });
	const missing = createSolarEdgeModbus({ enabled: true, inverterHost: "127.0.0.1", inverterPort: peer.port, smartMeters: [{ name: "Meter3", type: "consumption" }] }, context()) as EnergySource;
	t.teardown(() => missing.close());
	t.deepEqual(await poll(missing), { ok: false, error: `SolarEdge: 127.0.0.1:${peer.port} unit 1: holding register 40536: the device answered exception 2: illegal data address` });
	t.is(createSolarEdgeModbus({ enabled: true, inverterHost: "h", smartMeters: [{ name: "Meter4", type: "export" }] }, context()), 'sources.SolarEdge.smartMeters[0].name: must be "Meter1", "Meter2" or "Meter3" (got "Meter4")');
});

test.serial("generic ModbusTCP: the SunSpec inverter and meter maps", async (t) => {
	const map = solarEdgeMap();
	// A SunSpec meter (model 203) right after the common model: 1500 W import (150 × 10^1), 230 V.
	const put = (address: number, values: number[]) => values.forEach((v, i) => map.set(address + i, v & 0xffff));
	put(40069, [203, 105]);
	put(40077, [2300]);
	put(40084, [-1]);
	put(40087, [150]);
	put(40091, [1]);
	const peer = await modbusServer(1, map);
	t.teardown(() => peer.close());
	const inverter = modbusTcp.create({ enabled: true, host: "127.0.0.1", port: peer.port, preset: "sunspec-inverter" }, context()) as EnergySource;
	t.teardown(() => inverter.close());
	t.deepEqual(await poll(inverter), { ok: true, reading: { generationW: 2345, consumptionW: null, gridW: null, voltageV: 240.1, batteryW: null, socPercent: null } });
	const meter = modbusTcp.create({ enabled: true, host: "127.0.0.1", port: String(peer.port), preset: "sunspec-meter" }, context()) as EnergySource;
	t.teardown(() => meter.close());
	t.like(await poll(meter), { ok: true, reading: { gridW: 1500, voltageV: 230 } });
});

test.serial("generic ModbusTCP: the SMA map (unit 3, 30775 int32), NaN at night is 0 W; a custom map with input registers and CDAB floats", async (t) => {
	const holding = new Map<number, number>([[30775, 0], [30776, 4321], [30783, 0], [30784, 23456]]);
	const input = new Map<number, number>();
	putFloat(input, 10, -812.5, true); // grid, low word first
	putFloat(input, 20, 3100, true); // generation
	input.set(30, 87); // state of charge
	const peer = await modbusServer(3, holding, input);
	t.teardown(() => peer.close());
	const sma = modbusTcp.create({ enabled: true, host: "127.0.0.1", port: peer.port, preset: "sma" }, context()) as EnergySource;
	t.teardown(() => sma.close());
	t.deepEqual(await poll(sma), { ok: true, reading: { generationW: 4321, consumptionW: null, gridW: null, voltageV: 234.56, batteryW: null, socPercent: null } });
	holding.set(30775, 0x8000);
	holding.set(30776, 0);
	t.like(await poll(sma), { ok: true, reading: { generationW: 0 } });
	const custom = modbusTcp.create({
		enabled: true,
		serverIP: "127.0.0.1",
		port: peer.port,
		unit: 3,
		grid: { register: 10, type: "float32", wordOrder: "little", function: 4 },
		generation: { register: 20, type: "float32", wordOrder: "little", function: 4 },
		soc: { register: 30, type: "uint16", function: 4 },
	}, context()) as EnergySource;
	t.teardown(() => custom.close());
	// No consumption register: the house load is generation + grid import.
	t.deepEqual(await poll(custom), { ok: true, reading: { generationW: 3100, consumptionW: 2287.5, gridW: -812.5, voltageV: null, batteryW: null, socPercent: 87 } });
	t.is(modbusTcp.create({ enabled: true, host: "h", preset: "fronius" }, context()), 'sources.ModbusTCP.preset: unknown map "fronius" (known: sunspec-inverter, sunspec-meter, sma)');
	t.is(modbusTcp.create({ enabled: true, host: "h", generation: { register: 1, type: "int64" } }, context()), 'sources.ModbusTCP.generation.type: must be one of int16, uint16, int32, uint32, float32 (got "int64")');
	t.is(modbusTcp.create({ enabled: true, host: "h", grid: { register: 1, function: 6 } }, context()), "sources.ModbusTCP.grid.function: must be 3 (holding registers) or 4 (input registers) (got 6)");
	t.is(modbusTcp.create({ enabled: true, host: "h" }, context()), 'sources.ModbusTCP: no values to read (give "preset" (sunspec-inverter, sunspec-meter, sma) or at least "generation", "consumption" or "grid")');
});

test.serial("a source pointed at a port that is not Modbus (an HTTP server) fails with a reason, never hangs", async (t) => {
	const http = createServer((socket) => socket.on("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n")));
	await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
	t.teardown(() => new Promise<void>((resolve) => http.close(() => resolve())));
	const port = (http.address() as { port: number }).port;
	const source = kostal.create({ enabled: true, serverIP: "127.0.0.1", modbusPort: port }, context()) as EnergySource;
	t.teardown(() => source.close());
	const result = await poll(source);
	t.false(result.ok);
	t.regex((result as { error: string }).error, /register 5 \(byte order\): not a Modbus TCP answer .*is this the Modbus TCP port\?$/);
});
