/**
 * The desktop simulator (lin) has no app partitions and no bootloader: see modules/esp32/firmware-io.ts.
 * An upload is refused with a clear reason; the boot check finds nothing pending.
 */
import type { FirmwareTarget } from "device/update-check";

export function openNextPartition(_byteLength: number): FirmwareTarget {
	throw new Error("the desktop simulator cannot install firmware (the ESP32 build can)");
}

export function runningImageStart(_bytes: number): Uint8Array | undefined {
	return undefined;
}

export function confirmRunning(): string | undefined {
	return undefined;
}

export function rollbackRunning(): string | undefined {
	return "the desktop simulator has no previous firmware to go back to";
}

export function restart(): void {
	trace("restart requested: the desktop simulator does not restart; quit and start it again\n");
}

export const canUpdate = false;
