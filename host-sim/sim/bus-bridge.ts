/**
 * Joins the simulated bus to a real one (npm start -- --bus … --slaves N): whatever is said on the
 * simulated bus goes out on the real port, and whatever the real units say comes onto the simulated
 * bus, so simulated and real wall connectors share one master.
 */
import type { BytePort } from "../../src/platform/byte-port.js";
import type { Log } from "../../src/platform/log.js";
import type { SimulatedBus } from "./bus.js";

export function bridgeBus(bus: SimulatedBus, real: BytePort, log: Log): void {
	const port = bus.attach("real-bus", "slave");
	let wasOpen: boolean | undefined;
	let lastReason = "";
	port.listen({ onBytes: (bytes) => real.write(bytes) });
	real.listen({
		onBytes: (bytes) => port.write(bytes.slice()),
		onStatus: (open, reason) => {
			// Ports report every failed reopen attempt: log the changes only.
			if (open === wasOpen && reason === lastReason) return;
			wasOpen = open;
			lastReason = reason;
			log.write(open ? "info" : "error", "bus", open ? `real bus open: ${reason}` : `real bus lost: ${reason}; retrying`);
		},
	});
}
