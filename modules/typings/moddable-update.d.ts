/**
 * What modules/ota.ts and modules/esp32/firmware-io.ts use of SDK modules that @moddable/typings
 * 5.6.0 does not declare (the SDK 8.2.3 checkout has its own typings for them: typings/embedded/
 * update.d.ts and storage/flash.d.ts; mcconfig uses those). Written from the SDK's sources:
 * modules/io/update/esp32/update-esp32.{js,c}, modules/io/flash/esp32/flash-esp32.{js,c},
 * tools/ffi.js (the manifest's "ffi" block generates mc/ffi with the functions it names).
 */
declare module "embedded:storage/flash" {
	export interface FlashPartition {
		close(): void;
		read(byteLength: number, byteOffset: number): ArrayBuffer;
		write(buffer: ArrayBufferLike | ArrayBufferView, byteOffset: number): void;
		eraseBlock(start: number, end?: number): void;
		status(): { size: number; blockLength: number; blocks: number; writeAlign: number; eraseValue: number };
	}
	const flash: {
		/** path: a partition label, or "running" / "nextota" / "xs" on the ESP32. */
		open(options: { path: string; mode?: "r" | "r+" }): FlashPartition;
	};
	export default flash;
}

declare module "embedded:update" {
	import type { FlashPartition } from "embedded:storage/flash";
	export interface Updater {
		/** Appends (mode "a", the default) or writes at byteOffset (mode "w"). Throws on a flash error. */
		write(bytes: ArrayBufferLike | ArrayBufferView, byteOffset?: number): void;
		/** esp_ota_end (checks the image) and esp_ota_set_boot_partition; throws if either fails. */
		complete(): void;
		/** Drops an unfinished update (esp_ota_abort). */
		close(): void;
	}
	const Update: { open(options: { partition: FlashPartition; mode?: "a" | "w"; byteLength?: number }): Updater };
	export default Update;
}

declare module "mc/ffi" {
	/** The functions platforms.esp32.ffi.functions names in manifest.json (see docs/esp32.md). */
	export default class FFI {
		constructor();
		/** ESP-IDF esp_err_t esp_ota_mark_app_valid_cancel_rollback(void): 0 = ESP_OK. */
		esp_ota_mark_app_valid_cancel_rollback(): number;
		/** Marks the running app invalid and restarts into the previous one; returns only on failure. */
		esp_ota_mark_app_invalid_rollback_and_reboot(): number;
		esp_restart(): void;
	}
}
