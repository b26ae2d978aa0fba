import test from "ava";
import { ESP_IMAGE_MAGIC, FirmwareUpload, fingerprint, UpdateCheck, type FirmwareTarget, type PendingStore, type PendingUpdate } from "../../../src/device/update-check.js";
import type { Log, LogLevel } from "../../../src/platform/log.js";
import { VirtualClock } from "../../../src/platform/virtual-clock.js";

/** The note as flash would keep it across a reboot. */
function memoryStore(initial?: PendingUpdate): PendingStore & { note: PendingUpdate | undefined } {
	const store = {
		note: initial,
		read: () => (store.note === undefined ? undefined : { ...store.note }),
		write: (note: PendingUpdate) => void (store.note = { ...note }),
		clear: () => void (store.note = undefined),
	};
	return store;
}

/** A next-app partition in RAM. */
function partition(capacity = 4096) {
	const state = { written: [] as number[], completed: false, aborted: false, refuse: undefined as string | undefined };
	const target: FirmwareTarget = {
		capacity,
		write: (chunk) => void state.written.push(...chunk),
		complete: () => {
			if (state.refuse !== undefined) throw new Error(state.refuse);
			state.completed = true;
		},
		abort: () => void (state.aborted = true),
	};
	return { state, target };
}

function image(bytes: number, seed = 1): Uint8Array {
	const data = new Uint8Array(bytes);
	for (let i = 0; i < bytes; i++) data[i] = (i * 31 + seed) & 0xff;
	data[0] = ESP_IMAGE_MAGIC;
	return data;
}

function chunks(data: Uint8Array, size: number): ArrayBuffer[] {
	const out: ArrayBuffer[] = [];
	for (let i = 0; i < data.length; i += size) out.push(data.slice(i, i + size).buffer as ArrayBuffer);
	return out;
}

function uploader(capacity = 4096) {
	const flash = partition(capacity);
	const pending = memoryStore();
	const installed: PendingUpdate[] = [];
	const upload = new FirmwareUpload({ open: () => flash.target, pending, installed: (note) => void installed.push(note), now: () => 123 });
	return { flash, pending, installed, upload };
}

test("an image uploaded in chunks goes to the next partition, becomes the boot image, and leaves a note for the trial", (t) => {
	const { flash, pending, installed, upload } = uploader();
	const data = image(3000);
	t.is(upload.begin(data.length), undefined);
	for (const chunk of chunks(data, 700)) t.is(upload.write(chunk), undefined);
	const result = upload.end();
	t.is(result.status, 200);
	t.regex(result.body ?? "", /restarts into the new firmware/);
	t.regex(result.body ?? "", /within 2 minutes, the master links a wall connector and the API answers/);
	t.deepEqual(flash.state.written, [...data]);
	t.true(flash.state.completed);
	const note = { fingerprint: fingerprint(data.subarray(0, 256)), bytes: 3000, installedAt: 123 };
	t.deepEqual(pending.note, note);
	t.deepEqual(installed, [note], "the device is told to restart");
});

test("uploads refused before anything changes: no length, too big, not an ESP32 image, a second one at once", (t) => {
	const { flash, pending, installed, upload } = uploader(2048);
	t.regex(upload.begin(undefined) ?? "", /Content-Length is required/);
	t.regex(upload.begin(4096) ?? "", /larger than the update partition \(2048 bytes\)/);
	t.is(upload.begin(1000), undefined);
	t.regex(upload.begin(1000) ?? "", /already being received/);
	const wrong = new Uint8Array(1000).fill(0x7f); // e.g. an ELF or a zip
	t.regex(upload.write(wrong.buffer) ?? "", /not an ESP32 application image \(first byte 0x7F, expected 0xE9\)/);
	t.true(flash.state.aborted);
	t.is(upload.end().status, 400);
	t.false(flash.state.completed);
	t.is(pending.note, undefined);
	t.deepEqual(installed, []);
});

test("a short upload, a cut connection and an image the SDK refuses change nothing", (t) => {
	{
		const { flash, pending, upload } = uploader();
		upload.begin(2000);
		upload.write(image(1500).buffer as ArrayBuffer);
		const result = upload.end();
		t.is(result.status, 400);
		t.regex(result.body ?? "", /incomplete: 1500 of 2000 bytes/);
		t.true(flash.state.aborted);
		t.false(flash.state.completed);
		t.is(pending.note, undefined);
	}
	{
		const { flash, upload } = uploader();
		upload.begin(2000);
		upload.write(image(500).buffer as ArrayBuffer);
		upload.abort("connection closed");
		t.true(flash.state.aborted);
		t.false(upload.busy, "a new upload may start");
	}
	{
		const { flash, pending, installed, upload } = uploader();
		flash.state.refuse = "image validation failed";
		upload.begin(1000);
		upload.write(image(1000).buffer as ArrayBuffer);
		const result = upload.end();
		t.is(result.status, 422);
		t.regex(result.body ?? "", /refused \(image validation failed\); nothing was changed/);
		t.is(pending.note, undefined);
		t.deepEqual(installed, []);
	}
});

function boot(options: { note?: PendingUpdate; running?: number; confirmError?: string; rollbackError?: string }) {
	const clock = new VirtualClock(0);
	const pending = memoryStore(options.note);
	const lines: string[] = [];
	const log: Log = { write: (level: LogLevel, topic: string, message: string) => void lines.push(`${level} ${topic}: ${message}`) };
	const calls: string[] = [];
	let linked = false;
	const check = new UpdateCheck({
		clock,
		log,
		pending,
		running: options.running,
		linked: () => linked,
		confirm: () => {
			calls.push("confirm");
			return options.confirmError;
		},
		rollback: () => {
			calls.push("rollback");
			return options.rollbackError;
		},
	});
	check.start();
	return { clock, pending, calls, lines, check, link: () => void (linked = true) };
}

const NEW = { fingerprint: 0xabcdef01, bytes: 900_000, installedAt: 5 };

test("a new image that links the bus and answers the API within 2 minutes is kept", (t) => {
	const { clock, pending, calls, check, link } = boot({ note: NEW, running: NEW.fingerprint });
	t.is(check.status.state, "trial");
	t.is(check.status.deadline, 120_000);
	clock.advance(30_000);
	link();
	clock.advance(30_000);
	t.deepEqual(calls, [], "not yet: the API has not answered");
	check.apiAnswered();
	t.deepEqual(calls, ["confirm"]);
	t.is(check.status.state, "confirmed");
	t.is(pending.note, undefined, "the note is cleared");
	clock.advance(10 * 60_000);
	t.deepEqual(calls, ["confirm"], "decided once");
});

test("a new image that links no wall connector within 2 minutes is rolled back, and the previous image says why", (t) => {
	const { clock, pending, calls, check } = boot({ note: NEW, running: NEW.fingerprint });
	check.apiAnswered();
	clock.advance(119_000);
	t.deepEqual(calls, []);
	clock.advance(2_000);
	t.deepEqual(calls, ["rollback"]);
	t.regex(pending.note?.rejected ?? "", /within 120 s the master linked no wall connector/);
	// The previous image starts: it is not the noted one, so it reports the rollback.
	const previous = boot({ note: pending.note, running: 0x11111111 });
	t.is(previous.check.status.state, "rolledBack");
	t.regex(previous.check.problem ?? "", /did not stay: the new firmware was rolled back: within 120 s the master linked no wall connector/);
	t.is(previous.pending.note, undefined);
});

test("neither the bus nor the API within 2 minutes: both named", (t) => {
	const { clock, pending } = boot({ note: NEW, running: NEW.fingerprint });
	clock.advance(125_000);
	t.regex(pending.note?.rejected ?? "", /the master linked no wall connector and the API answered no request/);
});

test("a new image that crashed before its trial ended: the bootloader went back, and the previous image says so", (t) => {
	const { check, calls, link, clock } = boot({ note: NEW, running: 0x22222222 });
	t.is(check.status.state, "rolledBack");
	t.regex(check.problem ?? "", /restarted before it was confirmed \(crash or watchdog\)/);
	// The previous image is itself confirmed (harmless) once it runs normally; no rollback from it.
	link();
	check.apiAnswered();
	clock.advance(200_000);
	t.deepEqual(calls, ["confirm"]);
});

test("a rollback that cannot happen: the new image keeps running and the problem is shown", (t) => {
	const { clock, check, pending } = boot({ note: NEW, running: NEW.fingerprint, rollbackError: "no previous valid firmware" });
	clock.advance(121_000);
	t.is(check.status.state, "rollbackFailed");
	t.regex(check.problem ?? "", /but the rollback failed \(no previous valid firmware\): the new firmware keeps running/);
	t.is(pending.note, undefined);
});

test("a normal start (no update pending) never rolls back, however long the bus stays silent", (t) => {
	const { clock, calls, check } = boot({ running: 0x33333333 });
	t.is(check.status.state, "none");
	clock.advance(60 * 60_000);
	t.deepEqual(calls, []);
	check.apiAnswered();
	t.deepEqual(calls, [], "not linked yet");
});
