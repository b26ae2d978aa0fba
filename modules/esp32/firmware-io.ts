/**
 * The ESP32's update partitions and bootloader, for modules/ota.ts (the manifest maps "firmware-io"
 * here on esp32 and to modules/lin/firmware-io.ts on lin, where neither exists).
 *
 * - Writing: ECMA-419 `embedded:update` on the "nextota" partition (`embedded:storage/flash`),
 *   as the SDK's examples/io/listener/httpserverota does. `complete()` runs esp_ota_end (which
 *   checks the image) and esp_ota_set_boot_partition.
 * - Confirm and rollback: neither `embedded:update` nor the classic `ota` module exposes
 *   esp_ota_mark_app_valid_cancel_rollback / esp_ota_mark_app_invalid_rollback_and_reboot. The
 *   SDK's FFI does: manifest.json's platforms.esp32.ffi.functions names them, and mcconfig
 *   generates `mc/ffi` with one method each (tools/ffi.js). Not built here (no ESP-IDF on this
 *   machine): type-checked only.
 *
 * Nothing at module load (preloaded): the FFI object is made on first use.
 */
import Update, { type Updater } from "embedded:update";
import flash from "embedded:storage/flash";
import FFI from "mc/ffi";
import type { FirmwareTarget } from "device/update-check";

/** ESP_OK. */
const OK = 0;

let natives: FFI | undefined;
function ffi(): FFI {
	if (natives === undefined) natives = new FFI();
	return natives;
}

/** Opens the next OTA partition for an image of `byteLength` bytes. Throws with the SDK's reason. */
export function openNextPartition(byteLength: number): FirmwareTarget {
	const partition = flash.open({ path: "nextota", mode: "r+" });
	const capacity = partition.status().size;
	if (byteLength > capacity) {
		partition.close();
		return { capacity, write() {}, complete() {}, abort() {} };
	}
	let updater: Updater | undefined = Update.open({ partition });
	return {
		capacity,
		write(chunk) {
			if (updater === undefined) throw new Error("update closed");
			updater.write(chunk);
		},
		complete() {
			if (updater === undefined) throw new Error("update closed");
			try {
				updater.complete();
			} finally {
				updater.close();
				updater = undefined;
				partition.close();
			}
		},
		abort() {
			updater?.close();
			updater = undefined;
			partition.close();
		},
	};
}

/** The first `bytes` bytes of the running app image (to tell whether a new image is the one running). */
export function runningImageStart(bytes: number): Uint8Array | undefined {
	try {
		const running = flash.open({ path: "running", mode: "r" });
		try {
			return new Uint8Array(running.read(bytes, 0));
		} finally {
			running.close();
		}
	} catch {
		return undefined;
	}
}

/** Tells the bootloader to keep the running image (harmless when it is already valid). */
export function confirmRunning(): string | undefined {
	const err = ffi().esp_ota_mark_app_valid_cancel_rollback();
	return err === OK ? undefined : `esp_ota_mark_app_valid_cancel_rollback returned ${err}`;
}

/** Marks the running image invalid and restarts into the previous one; returns only when it cannot. */
export function rollbackRunning(): string | undefined {
	const err = ffi().esp_ota_mark_app_invalid_rollback_and_reboot();
	return `esp_ota_mark_app_invalid_rollback_and_reboot returned ${err} (no previous valid firmware?)`;
}

export function restart(): void {
	ffi().esp_restart();
}

export const canUpdate = true;
