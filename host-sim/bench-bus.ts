/**
 * The bus benchmark: the real master with 1, 2 and 3 simulated wall connectors (cars charging) on
 * the simulated bus for a simulated hour, in virtual time. It measures what a user's wall
 * connectors feel: the heartbeat rhythm per slave, collisions of our frames, and how long a unit
 * waits from its first link-ready to its first heartbeat.
 */
import { App } from "../src/app.js";
import { parseConfig } from "../src/config/config.js";
import { silentLog } from "../src/platform/log.js";
import { seededRandom } from "../src/platform/random.js";
import { VirtualClock } from "../src/platform/virtual-clock.js";
import { FrameDecoder } from "../src/twc/frame.js";
import { decodeMessage, Opcode, opcodeOf } from "../src/twc/messages.js";
import type { BusTransmission } from "./sim/bus.js";
import { buildWorld } from "./sim/world.js";

export interface Distribution {
	count: number;
	mean: number;
	p99: number;
	min: number;
	max: number;
}

export interface BusBenchResult {
	slaves: number;
	simulatedMs: number;
	cpuMs: number;
	/** Interval between two heartbeats to the same slave, over all slaves (ms). */
	heartbeatInterval: Distribution;
	/** Our frames that overlapped a slave's reply to one of our requests (goal 0). */
	replyCollisions: number;
	/** Our frames that overlapped a unit's link-ready (unsolicited, or answering our broadcast). */
	linkReadyCollisions: number;
	/** Several slaves talking at once (answering a broadcast together). */
	slaveVsSlaveCollisions: number;
	/** From each unit's first link-ready to its first heartbeat from us (ms). */
	linkUp: Distribution;
	heartbeatsMissed: number;
	framesOnBus: number;
}

export function distribution(values: readonly number[]): Distribution {
	if (values.length === 0) return { count: 0, mean: NaN, p99: NaN, min: NaN, max: NaN };
	const sorted = [...values].sort((a, b) => a - b);
	const sum = sorted.reduce((a, b) => a + b, 0);
	return {
		count: sorted.length,
		mean: sum / sorted.length,
		p99: sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)],
		min: sorted[0],
		max: sorted[sorted.length - 1],
	};
}

/** The opcode of a frame as its sender wrote it (undefined if it is not one whole frame). */
function sentOpcode(t: BusTransmission): number | undefined {
	let opcode: number | undefined;
	new FrameDecoder((body) => (opcode = opcodeOf(body))).push(t.sent, 0);
	return opcode;
}

export function benchBus(slaves: number, simulatedMs = 3_600_000, seed = 1): BusBenchResult {
	const clock = new VirtualClock();
	const world = buildWorld(clock, { slaves, seed, car: { neverFills: true } });
	const { config } = parseConfig({ config: { wiringMaxAmpsAllTWCs: 16 * slaves, wiringMaxAmpsPerTWC: 32 } });
	const app = new App({ clock, log: silentLog, random: seededRandom(seed), bus: world.masterPort }, config!);

	const lastHeartbeat = new Map<number, number>();
	const intervals: number[] = [];
	const recent: BusTransmission[] = [];
	let replyCollisions = 0;
	let linkReadyCollisions = 0;
	let framesOnBus = 0;
	world.bus.monitor((t) => {
		framesOnBus++;
		if (t.role === "master") {
			const opcode = sentOpcode(t);
			if (opcode === Opcode.MasterHeartbeat) {
				let body: Uint8Array | undefined;
				new FrameDecoder((b) => (body = b.slice())).push(t.sent, 0);
				const m = decodeMessage(body!);
				if (m.kind === "masterHeartbeat") {
					const previous = lastHeartbeat.get(m.receiver);
					if (previous !== undefined) intervals.push(t.startMs - previous);
					lastHeartbeat.set(m.receiver, t.startMs);
				}
			}
		}
		// Classify each collision of ours by what the slave was saying.
		recent.push(t);
		while (recent.length > 0 && recent[0].endMs < t.startMs - 200) recent.shift();
		if (!t.collided) return;
		for (const other of recent) {
			if (other === t || other.role === t.role || other.endMs <= t.startMs || t.endMs <= other.startMs) continue;
			const slaveFrame = t.role === "slave" ? t : other;
			if (t.role === "slave" && other.role === "master") continue; // counted when the master frame ends
			if (sentOpcode(slaveFrame) === Opcode.SlaveLinkReady) linkReadyCollisions++;
			else replyCollisions++;
		}
	});

	const started = performance.now();
	app.start();
	clock.advance(simulatedMs);
	const cpuMs = performance.now() - started;
	app.stop();

	const linkUp = world.units
		.filter((u) => u.firstLinkReadyAt !== undefined && u.firstHeartbeatAt !== undefined)
		.map((u) => u.firstHeartbeatAt! - u.firstLinkReadyAt!);
	return {
		slaves,
		simulatedMs,
		cpuMs,
		heartbeatInterval: distribution(intervals),
		replyCollisions,
		linkReadyCollisions,
		slaveVsSlaveCollisions: world.bus.stats.collisions.slaveVsSlave,
		linkUp: distribution(linkUp),
		heartbeatsMissed: app.master.stats.repliesMissed,
		framesOnBus,
	};
}
