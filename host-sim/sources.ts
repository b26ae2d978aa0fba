/**
 * `npm run --silent sources -- --config FILE [--once]`: asks every enabled energy source of a
 * TWCManager config.json and prints what it read, for a user wiring up a new meter (and for checks).
 * With --once: one JSON document, then exit 0 when every source answered, 1 when one failed, 2 on a
 * usage or config error. Without it: a JSON line per poll, at each source's interval, until stopped.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseConfigText } from "../src/config/config.js";
import { createSources } from "../src/energy/registry.js";
import type { SourceContext } from "../src/energy/source.js";
import { SourcePoller, sumReadings, type SourceState } from "../src/energy/source-poller.js";
import { ConsoleLog } from "./console-log.js";
import { NodeClock } from "./node-clock.js";
import { NodeHttpClient } from "./node-http-client.js";
import { NodeMqttClient } from "./node-mqtt-client.js";
import { NodeSerialOpener } from "./node-serial-opener.js";
import { NodeTcpClient } from "./node-tcp-client.js";

/** How long --once waits for a source that is told its values (MQTT, a DSMR telegram). */
const TOLD_WAIT_MS = 12_000;

export const SOURCES_USAGE = `npm run --silent sources -- --config FILE [--once]

  --config FILE   a TWCManager config.json; every section under "sources" with "enabled": true is asked
  --once          ask each source once, print one JSON document, exit 0 if all answered, 1 if one failed
                  (without it: one JSON line per answer, at each source's interval, until Ctrl-C)
  --help

Exit codes: 0 all answered, 1 a source failed, 2 a usage or config error.`;

/** One source in the printed document. */
export function sourceEntry(state: SourceState): Record<string, unknown> {
	const r = state.reading;
	return {
		name: state.name,
		ok: state.ok,
		generationW: state.ok && r ? r.generationW : null,
		consumptionW: state.ok && r ? r.consumptionW : null,
		gridW: state.ok && r ? r.gridW : null,
		voltageV: state.ok && r ? r.voltageV : null,
		batteryW: state.ok && r ? r.batteryW : null,
		socPercent: state.ok && r ? r.socPercent : null,
		error: state.ok ? null : state.error,
	};
}

/** The whole document of --once. */
export function sourcesDocument(states: readonly SourceState[]): Record<string, unknown> {
	const sum = sumReadings(states);
	return { sources: states.map(sourceEntry), generationW: sum.generationW, consumptionW: sum.consumptionW };
}

/** The Node bindings a source may use. */
export function nodeSourceContext(clock: NodeClock, log: ConsoleLog, timeZone?: SourceContext["timeZone"]): SourceContext {
	return { clock, log, timeZone, http: new NodeHttpClient(), tcp: new NodeTcpClient({ log }), mqtt: new NodeMqttClient({ log }), serial: new NodeSerialOpener({ clock, log }) };
}

export function main(argv: string[], out: (text: string) => void, err: (text: string) => void, exit: (code: number) => void): void {
	let values: { config?: string; once?: boolean; help?: boolean };
	try {
		values = parseArgs({ args: argv, options: { config: { type: "string" }, once: { type: "boolean" }, help: { type: "boolean" } }, strict: true }).values;
	} catch (error) {
		err(`${(error as Error).message}\n\n${SOURCES_USAGE}`);
		return exit(2);
	}
	if (values.help) {
		out(SOURCES_USAGE);
		return exit(0);
	}
	if (!values.config) {
		err(`--config is required\n\n${SOURCES_USAGE}`);
		return exit(2);
	}
	let text: string;
	try {
		text = readFileSync(values.config, "utf8");
	} catch (error) {
		err(`cannot read ${values.config}: ${(error as Error).message}`);
		return exit(2);
	}
	const parsed = parseConfigText(text);
	if (!parsed.config) {
		for (const e of parsed.errors) err(`config error: ${e}`);
		return exit(2);
	}
	const clock = new NodeClock();
	// The log goes to stderr, so that stdout holds the JSON alone.
	const log = new ConsoleLog({ level: "warn", clock, writer: (_stream, line) => err(line) });
	const created = createSources(parsed.config.document.sources, nodeSourceContext(clock, log, parsed.config.timeZone));
	for (const w of created.warnings) err(`warning: ${w}`);
	if (created.errors.length > 0) {
		for (const e of created.errors) err(`config error: ${e}`);
		return exit(2);
	}
	if (created.sources.length === 0) {
		err(`no enabled energy source in ${values.config}: add a section under "sources" with "enabled": true`);
		return exit(2);
	}
	if (values.once) {
		const poller = new SourcePoller({ sources: created.sources, clock, log });
		// Sources that are told their values (a P1 meter sends every 10 s at most) get up to 12 s.
		poller.pollAll((states) => {
			out(JSON.stringify(sourcesDocument(states)));
			poller.stop();
			exit(states.every((s) => s.ok) ? 0 : 1);
		}, TOLD_WAIT_MS);
		return;
	}
	const poller = new SourcePoller({
		sources: created.sources,
		clock,
		log,
		onResult: (state) => out(JSON.stringify({ at: new Date(clock.now()).toISOString(), ...sourceEntry(state) })),
	});
	poller.start();
	const stop = () => {
		poller.stop();
		exit(0);
	};
	process.on("SIGINT", stop);
	process.on("SIGTERM", stop);
}

if (process.argv[1] && /sources\.[tj]s$/.test(process.argv[1])) {
	main(
		process.argv.slice(2),
		(text) => process.stdout.write(text + "\n"),
		(text) => process.stderr.write(text + "\n"),
		(code) => {
			process.exitCode = code;
			// Let stdout drain; sockets of a failed source must not keep the process alive.
			setTimeout(() => process.exit(code), 50).unref();
		},
	);
}
