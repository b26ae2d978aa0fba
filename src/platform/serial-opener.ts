/**
 * Serial ports other than the RS485 bus (a DSMR P1 smart meter's port): opened by path on the host
 * (a USB P1 cable) and by UART on the device. Same byte port as the bus.
 */
import type { BytePort } from "./byte-port.js";

export interface SerialOpenOptions {
	/** A device path on the host ("/dev/ttyUSB1"), or "uart1"/"uart2" on the device. */
	path: string;
	baud: number;
	/** DSMR 2.2 and older: 7 data bits, even parity; DSMR 4/5: 8N1. */
	format?: "8N1" | "7E1";
}

export interface SerialOpener {
	open(options: SerialOpenOptions): BytePort;
}
