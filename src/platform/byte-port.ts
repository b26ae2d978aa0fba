/**
 * The RS485 bus as the core sees it: bytes out, bytes in. Bound to ECMA-419 serial on the device
 * (modules/serial-port.ts), to a simulated bus, a USB adapter or a TCP converter on the host.
 */
export interface BytePortListener {
	/** Bytes as they arrive, in any chunking; the array may be reused after the call returns. */
	onBytes(bytes: Uint8Array): void;
	/** The port opened (true) or was lost (false, with a reason); a lost port is retried by its binding. */
	onStatus?(open: boolean, reason: string): void;
}

export interface BytePort {
	/** Starts delivering received bytes to the listener. */
	listen(listener: BytePortListener): void;
	/** Queues one whole frame for transmission; false if the port is not open now (nothing was sent). */
	write(bytes: Uint8Array): boolean;
	close(): void;
}
