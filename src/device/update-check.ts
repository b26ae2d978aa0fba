/**
 * Firmware updates, the portable half: receiving an image (FirmwareUpload, an upload sink for the
 * HTTP server) and deciding after the reboot whether the new image stays (UpdateCheck).
 *
 * The device binding (modules/ota.ts) gives the flash (`FirmwareTarget`), a place that survives a
 * reboot for the note of a pending update (`PendingStore`), and the bootloader's confirm and
 * rollback. The rule: the new image is kept only if, within 2 minutes of its first start, the
 * master has linked a wall connector and the HTTP API has answered a request. Otherwise the device
 * marks it invalid and restarts into the previous image. A crash or a watchdog reset during those
 * 2 minutes restarts the ESP32 before the image is confirmed, and the bootloader goes back to the
 * previous image by itself (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE).
 */
import type { Clock, TimerHandle } from "../platform/clock.js";
import type { Log } from "../platform/log.js";

/** First byte of every ESP32 application image (esp_image_header_t.magic). */
export const ESP_IMAGE_MAGIC = 0xe9;
/** Bytes of the image start that identify it (the header and the app description with its ELF SHA-256). */
export const FINGERPRINT_BYTES = 256;
/** How long a new image has to prove itself. */
export const TRIAL_MS = 2 * 60_000;

/** FNV-1a over bytes: identifies an image by its first FINGERPRINT_BYTES (not a security check). */
export function fingerprint(bytes: Uint8Array): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < bytes.length; i++) {
		hash ^= bytes[i];
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash >>> 0;
}

/** The note written when an image has been installed, read at the next start. */
export interface PendingUpdate {
	/** fingerprint() of the new image's first FINGERPRINT_BYTES. */
	fingerprint: number;
	bytes: number;
	/** Clock ms of the installation (may be 1970 on an ESP32 without SNTP). */
	installedAt: number;
	/** Set when the new image failed its trial: why (read by the previous image after the rollback). */
	rejected?: string;
}

export interface PendingStore {
	read(): PendingUpdate | undefined;
	/** Throws when it cannot write. */
	write(note: PendingUpdate): void;
	clear(): void;
}

/** The next app partition, as the device binding opens it. Each call may throw with a reason. */
export interface FirmwareTarget {
	/** Bytes the partition holds. */
	readonly capacity: number;
	write(chunk: Uint8Array): void;
	/** Finishes the image (the SDK checks it) and makes it the boot partition. */
	complete(): void;
	/** Drops what was written; the boot partition stays as it was. */
	abort(): void;
}

/** What the HTTP server's upload hook answers at the end (modules/http-server.ts UploadSink). */
export interface UploadResult {
	status: number;
	body?: string;
	contentType?: string;
}

export interface FirmwareUploadOptions {
	log?: Log;
	/** Opens the next app partition, or throws saying why (e.g. this build cannot update itself). */
	open(byteLength: number): FirmwareTarget;
	pending: PendingStore;
	/** Called once the new image is the boot partition: restart soon (after the answer has gone out). */
	installed(note: PendingUpdate): void;
	now(): number;
}

/**
 * Receives one firmware image, streamed: `begin`, `write`…, `end` (or `abort`). An error text from
 * `begin` or `write` refuses the upload (the server answers it); nothing changes on the device until
 * `end` has the whole image, which the SDK checks before it becomes the boot partition.
 */
export class FirmwareUpload {
	readonly #options: FirmwareUploadOptions;
	#target: FirmwareTarget | undefined;
	#expected = 0;
	#received = 0;
	#head = new Uint8Array(FINGERPRINT_BYTES);
	#error: string | undefined;

	constructor(options: FirmwareUploadOptions) {
		this.#options = options;
	}

	/** An upload is being received. */
	get busy(): boolean {
		return this.#target !== undefined;
	}

	begin(contentLength: number | undefined): string | undefined {
		if (this.#target !== undefined) return "an update is already being received; try again when it has finished";
		if (contentLength === undefined) return "Content-Length is required: send the image file as the request body (curl --data-binary @firmware.bin)";
		if (!Number.isInteger(contentLength) || contentLength <= FINGERPRINT_BYTES) return `the image is too small to be an ESP32 application (${contentLength} bytes)`;
		let target: FirmwareTarget;
		try {
			target = this.#options.open(contentLength);
		} catch (error) {
			return `cannot open the update partition: ${message(error)}`;
		}
		if (contentLength > target.capacity) {
			safely(() => target.abort());
			return `the image (${contentLength} bytes) is larger than the update partition (${target.capacity} bytes)`;
		}
		this.#target = target;
		this.#expected = contentLength;
		this.#received = 0;
		this.#error = undefined;
		this.#options.log?.write("info", "update", `receiving a firmware image of ${contentLength} bytes`);
		return undefined;
	}

	write(chunk: ArrayBuffer): string | undefined {
		const target = this.#target;
		if (target === undefined) return "no update in progress";
		const bytes = new Uint8Array(chunk);
		if (this.#received === 0 && bytes.length > 0 && bytes[0] !== ESP_IMAGE_MAGIC) {
			return this.#fail(`not an ESP32 application image (first byte 0x${hex2(bytes[0])}, expected 0x${hex2(ESP_IMAGE_MAGIC)}): use the .bin that the esp32 build makes`);
		}
		if (this.#received + bytes.length > this.#expected) return this.#fail(`more bytes than the announced ${this.#expected}`);
		if (this.#received < FINGERPRINT_BYTES) {
			const n = Math.min(bytes.length, FINGERPRINT_BYTES - this.#received);
			this.#head.set(bytes.subarray(0, n), this.#received);
		}
		try {
			target.write(bytes);
		} catch (error) {
			return this.#fail(`writing the update partition failed at byte ${this.#received}: ${message(error)}`);
		}
		this.#received += bytes.length;
		return undefined;
	}

	end(): UploadResult {
		const target = this.#target;
		if (target === undefined) return answer(400, this.#error ?? "no update in progress");
		this.#target = undefined;
		if (this.#received !== this.#expected) {
			safely(() => target.abort());
			return answer(400, `the image is incomplete: ${this.#received} of ${this.#expected} bytes arrived; nothing was changed`);
		}
		try {
			target.complete();
		} catch (error) {
			safely(() => target.abort());
			return answer(422, `the image was refused (${message(error)}); nothing was changed, the running firmware stays`);
		}
		const note: PendingUpdate = { fingerprint: fingerprint(this.#head), bytes: this.#received, installedAt: this.#options.now() };
		let warning = "";
		try {
			this.#options.pending.write(note);
		} catch (error) {
			// Without the note the new image is still confirmed when its checks pass, but not rolled back by us.
			warning = ` (the note for the 2-minute check could not be stored: ${message(error)})`;
		}
		this.#options.log?.write("info", "update", `firmware image of ${note.bytes} bytes installed; restarting into it${warning}`);
		this.#options.installed(note);
		return {
			status: 200,
			contentType: "application/json",
			body: JSON.stringify({
				installed: true,
				bytes: note.bytes,
				next: `the device restarts into the new firmware now. It keeps it only if, within ${TRIAL_MS / 60_000} minutes, the master links a wall connector and the API answers (ask GET /api/v1/network); otherwise it goes back to the current firmware${warning}`,
			}),
		};
	}

	abort(reason: string): void {
		const target = this.#target;
		this.#target = undefined;
		if (target === undefined) return;
		safely(() => target.abort());
		this.#options.log?.write("warn", "update", `firmware upload aborted after ${this.#received} bytes: ${reason}`);
	}

	#fail(text: string): string {
		const target = this.#target;
		this.#target = undefined;
		this.#error = text;
		if (target !== undefined) safely(() => target.abort());
		this.#options.log?.write("warn", "update", `firmware upload refused: ${text}`);
		return text;
	}
}

/** "none": no update to judge; "trial": a new image on probation; then one of the verdicts. */
export type UpdateState = "none" | "trial" | "confirmed" | "rolledBack" | "rollbackFailed";

export interface UpdateStatus {
	state: UpdateState;
	/** Trial: when it ends (clock ms). */
	deadline?: number;
	linked: boolean;
	apiAnswered: boolean;
	/** What happened, in words (also for the problems list). */
	message?: string;
}

export interface UpdateCheckOptions {
	clock: Clock;
	log?: Log;
	pending: PendingStore;
	/** fingerprint() of the running image's first FINGERPRINT_BYTES, when the device can read it. */
	running: number | undefined;
	/** True once the master has linked at least one wall connector. */
	linked(): boolean;
	/** Tells the bootloader to keep the running image; an error text if it could not. */
	confirm(): string | undefined;
	/**
	 * Marks the running image invalid and restarts into the previous one. On the ESP32 this does not
	 * return when it works; an error text says why it could not (undefined: the restart is under way).
	 */
	rollback(): string | undefined;
	trialMs?: number;
}

/**
 * Judges the running image once per start. Call `start()` at boot and `apiAnswered()` whenever the
 * HTTP API has answered a request.
 */
export class UpdateCheck {
	readonly #o: UpdateCheckOptions;
	#state: UpdateState = "none";
	#deadline: number | undefined;
	#answered = false;
	#linked = false;
	#message: string | undefined;
	#tick: TimerHandle | undefined;

	constructor(options: UpdateCheckOptions) {
		this.#o = options;
	}

	get status(): UpdateStatus {
		const status: UpdateStatus = { state: this.#state, linked: this.#linked, apiAnswered: this.#answered };
		if (this.#deadline !== undefined) status.deadline = this.#deadline;
		if (this.#message !== undefined) status.message = this.#message;
		return status;
	}

	/** A problem for the user, when the last update did not stay. */
	get problem(): string | undefined {
		return this.#state === "rolledBack" || this.#state === "rollbackFailed" ? this.#message : undefined;
	}

	start(): void {
		const o = this.#o;
		let note: PendingUpdate | undefined;
		try {
			note = o.pending.read();
		} catch (error) {
			o.log?.write("warn", "update", `cannot read the pending-update note: ${message(error)}`);
		}
		if (note !== undefined && o.running !== undefined && note.fingerprint !== o.running) {
			// The new image is not the one running: it was rolled back (by us, or by the bootloader after a reset).
			this.#state = "rolledBack";
			this.#message = `the firmware update of ${note.bytes} bytes did not stay: ${note.rejected ?? "the new firmware restarted before it was confirmed (crash or watchdog), and the bootloader went back to this one"}`;
			o.log?.write("error", "update", this.#message);
			safely(() => o.pending.clear());
			this.#watch(false);
			return;
		}
		if (note !== undefined) {
			this.#state = "trial";
			this.#deadline = o.clock.now() + (o.trialMs ?? TRIAL_MS);
			o.log?.write("info", "update", `new firmware on trial: it stays if the master links a wall connector and the API answers within ${Math.round((o.trialMs ?? TRIAL_MS) / 1000)} s`);
		}
		this.#watch(note !== undefined);
	}

	apiAnswered(): void {
		if (this.#answered) return;
		this.#answered = true;
		this.#check();
	}

	#watch(trial: boolean): void {
		const loop = () => {
			this.#tick = undefined;
			if (this.#check()) return;
			if (trial && this.#deadline !== undefined && this.#o.clock.now() >= this.#deadline) {
				this.#reject();
				return;
			}
			this.#tick = this.#o.clock.setTimer(1000, loop);
		};
		this.#tick = this.#o.clock.setTimer(1000, loop);
	}

	/** True when there is nothing left to watch. */
	#check(): boolean {
		if (this.#state === "confirmed" || this.#state === "rollbackFailed") return true;
		if (!this.#linked && safeBool(() => this.#o.linked())) this.#linked = true;
		if (!this.#linked || !this.#answered) return false;
		// Both conditions met: keep this image. Harmless on an image that is already confirmed.
		const error = this.#o.confirm();
		if (this.#state === "trial") {
			this.#deadline = undefined;
			if (error === undefined) {
				this.#state = "confirmed";
				this.#message = "the new firmware linked the bus and answered the API: it stays";
				this.#o.log?.write("info", "update", this.#message);
				safely(() => this.#o.pending.clear());
			} else {
				this.#state = "rollbackFailed";
				this.#message = `the new firmware passed its checks but the bootloader could not be told to keep it: ${error}`;
				this.#o.log?.write("error", "update", this.#message);
			}
		} else if (error !== undefined) {
			this.#o.log?.write("warn", "update", `could not confirm the running firmware: ${error}`);
		}
		if (this.#tick !== undefined) this.#o.clock.clearTimer(this.#tick);
		this.#tick = undefined;
		return true;
	}

	#reject(): void {
		const missing = [this.#linked ? "" : "the master linked no wall connector", this.#answered ? "" : "the API answered no request"].filter((s) => s !== "").join(" and ");
		const reason = `the new firmware was rolled back: within ${Math.round((this.#o.trialMs ?? TRIAL_MS) / 1000)} s ${missing}`;
		this.#o.log?.write("error", "update", `${reason}; restarting into the previous firmware`);
		const note = safeRead(this.#o.pending);
		if (note !== undefined) safely(() => this.#o.pending.write({ fingerprint: note.fingerprint, bytes: note.bytes, installedAt: note.installedAt, rejected: reason }));
		const error = this.#o.rollback();
		this.#deadline = undefined;
		if (error === undefined) {
			this.#state = "rolledBack";
			this.#message = `${reason}; restarting into the previous firmware`;
			return;
		}
		// The rollback did not happen: keep running the new image and say so.
		this.#state = "rollbackFailed";
		this.#message = `${reason}, but the rollback failed (${error}): the new firmware keeps running`;
		this.#o.log?.write("error", "update", this.#message);
		safely(() => this.#o.pending.clear());
	}
}

function answer(status: number, error: string): UploadResult {
	return { status, contentType: "application/json", body: JSON.stringify({ error }) };
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

function hex2(n: number): string {
	return (n < 16 ? "0" : "") + n.toString(16).toUpperCase();
}

function safely(action: () => void): void {
	try {
		action();
	} catch {
		// Cleanup only: the caller has already said what went wrong.
	}
}

function safeBool(read: () => boolean): boolean {
	try {
		return read();
	} catch {
		return false;
	}
}

function safeRead(store: PendingStore): PendingUpdate | undefined {
	try {
		return store.read();
	} catch {
		return undefined;
	}
}
