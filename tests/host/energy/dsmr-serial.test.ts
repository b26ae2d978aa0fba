/**
 * sources.DSMR through the real serial path: socat makes a pair of pseudo-terminals, the source
 * opens one with NodeSerialOpener (the serialport package), the test writes each fixture telegram
 * into the other as a meter would.
 */
import test from "ava";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeClock } from "../../../host-sim/node-clock.js";
import { NodeSerialOpener } from "../../../host-sim/node-serial-opener.js";
import { ENCRYPTED_REASON } from "../../../src/energy/dsmr.js";
import type { EnergySource, PollResult, SourceContext } from "../../../src/energy/source.js";
import { dsmrSource as dsmr } from "../../../src/energy/sources/dsmr.js";
import { silentLog } from "../../../src/platform/log.js";

const FIXTURES = join(process.cwd(), "../shared/fixtures");
const KEYS = JSON.parse(readFileSync(join(FIXTURES, "answer_keys.json"), "utf8")) as Record<string, Record<string, unknown>>;
const TELEGRAMS = Object.keys(KEYS).filter((name) => name.startsWith("dsmr/"));
const ENCRYPTED = ["dsmr/athombv-node-dsmr-parser/encrypted/dsmr-luxembourgh-spec-example-with-aad.txt", "dsmr/athombv-node-dsmr-parser/encrypted/dsmr-luxembourgh-spec-example-without-aad.txt"];

const hasSocat = spawnSync("sh", ["-c", "command -v socat"]).status === 0;

interface Ptys {
	meter: string;
	reader: string;
	socat: ChildProcess;
	dir: string;
}

async function ptyPair(): Promise<Ptys> {
	const dir = mkdtempSync(join(tmpdir(), "twc-dsmr-"));
	const meter = join(dir, "meter");
	const reader = join(dir, "reader");
	const socat = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${meter}`, `pty,raw,echo=0,link=${reader}`], { stdio: "ignore" });
	const end = Date.now() + 5000;
	while (!(existsSync(meter) && existsSync(reader))) {
		if (Date.now() > end) throw new Error("socat made no pseudo-terminals");
		await new Promise((r) => setTimeout(r, 20));
	}
	return { meter, reader, socat, dir };
}

function stop(ptys: Ptys): void {
	ptys.socat.kill("SIGTERM");
	rmSync(ptys.dir, { recursive: true, force: true });
}

function poll(source: EnergySource): Promise<PollResult> {
	return new Promise((resolve) => source.poll(resolve));
}

async function pollUntil(source: EnergySource, check: (r: PollResult) => boolean, ms = 3000): Promise<PollResult> {
	const end = Date.now() + ms;
	let result = await poll(source);
	while (!check(result) && Date.now() < end) {
		await new Promise((r) => setTimeout(r, 25));
		result = await poll(source);
	}
	return result;
}

/** Opens the reader side as sources.DSMR, waits until the port is open, writes `bytes`, polls. */
async function throughPty(ptys: Ptys, bytes: Buffer, config: Record<string, unknown> = {}): Promise<PollResult> {
	const clock = new NodeClock();
	const context: SourceContext = { clock, log: silentLog, serial: new NodeSerialOpener({ clock, log: silentLog, retryMs: 100 }) };
	const source = dsmr.create({ enabled: true, serialPort: ptys.reader, baudrate: 115200, ...config }, context) as EnergySource;
	try {
		await new Promise((r) => setTimeout(r, 100)); // the port opens
		const fd = openSync(ptys.meter, "w");
		writeSync(fd, bytes);
		closeSync(fd);
		return await pollUntil(source, (r) => r.ok || !/no telegram received/.test(r.error));
	} finally {
		source.close();
	}
}

test.serial("every fixture telegram written into a pseudo-terminal yields its answer key through sources.DSMR", async (t) => {
	if (!hasSocat) {
		t.log("socat is not installed (apt-get install socat): the pseudo-terminal test is skipped");
		t.pass();
		return;
	}
	const ptys = await ptyPair();
	t.teardown(() => stop(ptys));
	t.is(TELEGRAMS.length, 36);
	for (const name of TELEGRAMS) {
		const key = KEYS[name];
		const result = await throughPty(ptys, readFileSync(join(FIXTURES, name)));
		const importW = key["import_W(1.7.0)"] as number | null;
		const exportW = key["export_W(2.7.0)"] as number | null;
		if (importW === null && exportW === null) {
			t.deepEqual(result, { ok: false, error: "DSMR: the telegram holds no actual power (1-0:1.7.0 / 1-0:2.7.0): this meter does not report it on P1" }, name);
			continue;
		}
		if (!result.ok) {
			t.fail(`${name}: ${result.error}`);
			continue;
		}
		t.is(result.reading.consumptionW, importW, `${name} consumption = import`);
		t.is(result.reading.generationW, exportW, `${name} generation = export`);
		t.is(result.reading.gridW, Math.round(((importW ?? 0) - (exportW ?? 0)) * 1000) / 1000, `${name} grid`);
	}
});

test.serial("encrypted telegrams on the serial line are refused with the reason; requireCRC refuses a corrupted telegram", async (t) => {
	if (!hasSocat) {
		t.log("socat is not installed (apt-get install socat): the pseudo-terminal test is skipped");
		t.pass();
		return;
	}
	const ptys = await ptyPair();
	t.teardown(() => stop(ptys));
	for (const name of ENCRYPTED) {
		// The bytes the hex dump shows, as the meter sends them.
		const dump = readFileSync(join(FIXTURES, name), "utf8");
		const raw = Buffer.from((dump.match(/[0-9a-f]{2}/gi) ?? []).map((h) => parseInt(h, 16)));
		t.deepEqual(await throughPty(ptys, raw), { ok: false, error: `DSMR: ${ENCRYPTED_REASON}` }, name);
	}
	const anonymised = readFileSync(join(FIXTURES, "dsmr/athombv-node-dsmr-parser/dsmr-4.2-xmx-1.txt"));
	t.like(await throughPty(ptys, anonymised), { ok: true, reading: { consumptionW: 494 } });
	const refused = await throughPty(ptys, anonymised, { requireCRC: true });
	t.deepEqual(refused, { ok: false, error: "DSMR: telegram CRC D3B0 does not match its contents (a corrupted telegram; check the cable)" });
});

test.serial("a serial port that does not exist is named in the error", async (t) => {
	const clock = new NodeClock();
	const context: SourceContext = { clock, log: silentLog, serial: new NodeSerialOpener({ clock, log: silentLog, retryMs: 100 }) };
	const source = dsmr.create({ enabled: true, serialPort: "/dev/does-not-exist-p1" }, context) as EnergySource;
	t.teardown(() => source.close());
	const result = await pollUntil(source, (r) => !r.ok && /cannot read/.test(r.error));
	t.regex((result as { error: string }).error, /^DSMR: cannot read \/dev\/does-not-exist-p1: .*(No such file|ENOENT|cannot open)/i);
});
