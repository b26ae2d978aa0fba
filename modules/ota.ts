/**
 * Firmware updates on the device: an UploadSink for the HTTP server (`server.addUpload(path,
 * sink)`, modules/http-server.ts) that writes the image into the next OTA partition, and the check
 * at boot that keeps a new image only if, within 2 minutes, the master links a wall connector and
 * the API answers (src/device/update-check.ts has the rules and their tests).
 *
 * The note of a pending update lives in NVS (`preference`, domain "twc-ota"), which survives the
 * restart and is not in either app partition. On lin there are no partitions: uploads are refused
 * with the reason, and nothing is ever pending (modules/lin/firmware-io.ts).
 *
 * Nothing at module load (preloaded).
 */
import Preference from "preference";
import Timer from "timer";
import { FINGERPRINT_BYTES, FirmwareUpload, UpdateCheck, fingerprint, type PendingStore, type PendingUpdate } from "device/update-check";
import type { Clock } from "platform/clock";
import type { HttpServer } from "platform/http-server";
import type { Log } from "platform/log";
import { canUpdate, confirmRunning, openNextPartition, restart, rollbackRunning, runningImageStart } from "firmware-io";

const DOMAIN = "twc-ota";
const KEY = "pending";
/** Time for the answer to reach the client before the restart. */
const RESTART_DELAY_MS = 1500;

/** The pending-update note in NVS, as JSON text. */
export class PreferencePendingStore implements PendingStore {
	read(): PendingUpdate | undefined {
		const text = Preference.get(DOMAIN, KEY);
		if (typeof text !== "string" || text === "") return undefined;
		const value = JSON.parse(text) as Partial<PendingUpdate>;
		if (typeof value.fingerprint !== "number" || typeof value.bytes !== "number") return undefined;
		const note: PendingUpdate = { fingerprint: value.fingerprint, bytes: value.bytes, installedAt: Number(value.installedAt) || 0 };
		if (typeof value.rejected === "string") note.rejected = value.rejected;
		return note;
	}

	write(note: PendingUpdate): void {
		const copy: PendingUpdate = { fingerprint: note.fingerprint, bytes: note.bytes, installedAt: note.installedAt };
		if (note.rejected !== undefined) copy.rejected = note.rejected;
		Preference.set(DOMAIN, KEY, JSON.stringify(copy));
	}

	clear(): void {
		Preference.delete(DOMAIN, KEY);
	}
}

/** The sink to register with the HTTP server, e.g. `server.addUpload("/api/v1/firmware", createFirmwareUpload(...))`. */
export function createFirmwareUpload(log: Log, clock: Clock, pending: PendingStore = new PreferencePendingStore()): FirmwareUpload {
	return new FirmwareUpload({
		log,
		pending,
		now: () => clock.now(),
		open: (byteLength) => openNextPartition(byteLength),
		installed: () => {
			Timer.set(() => restart(), RESTART_DELAY_MS);
		},
	});
}

export interface BootCheckOptions {
	clock: Clock;
	log: Log;
	/** True once the master has linked a wall connector (e.g. `() => app.master.slaves.length > 0`). */
	linked(): boolean;
	pending?: PendingStore;
}

/** Starts the 2-minute check of this boot; call `apiAnswered()` on it when the API answers (see `observeAnswers`). */
export function startBootCheck(options: BootCheckOptions): UpdateCheck {
	const head = runningImageStart(FINGERPRINT_BYTES);
	const check = new UpdateCheck({
		clock: options.clock,
		log: options.log,
		pending: options.pending ?? new PreferencePendingStore(),
		running: head === undefined ? undefined : fingerprint(head),
		linked: options.linked,
		confirm: () => (canUpdate ? confirmRunning() : undefined),
		rollback: () => rollbackRunning(),
	});
	check.start();
	return check;
}

/**
 * The same HttpServer, telling `onAnswer` about every API answer below 500 (a request to /api/…
 * that the router served): what the boot check waits for.
 */
export function observeAnswers(server: HttpServer, onAnswer: () => void): HttpServer {
	return {
		serve(handler) {
			server.serve((request) => {
				const response = handler(request);
				if (response.status < 500 && request.path.startsWith("/api/")) onAnswer();
				return response;
			});
		},
		close() {
			server.close();
		},
	};
}
