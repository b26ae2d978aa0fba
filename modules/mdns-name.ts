/**
 * The device's name on the local network, `twc-xxxx.local` by default (xxxx: the end of the MAC
 * address, as for the access point) or the configured `hostname`, with the HTTP server announced
 * as an `_http._tcp` service. On the SDK's `mdns` module: it probes the name first, and if another
 * device holds it, takes `name-2`, `name-3` … (the chosen name is reported and logged).
 *
 * mDNS needs an IP address: start it when the station has one, close it when the network is lost.
 * Nothing at module load (preloaded).
 */
import MDNS from "mdns";
import type { Log } from "platform/log";
import { macAddress, macSuffix } from "./access-point.js";

/** MDNS callback messages (modules/network/mdns/mdns.js). */
const HOST_NAME = 1;
const ERROR = -1;

/** "twc-1a2b" from the MAC address. */
export function defaultHostname(mac = macAddress()): string {
	return `twc-${macSuffix(mac).toLowerCase()}`;
}

export class MdnsName {
	readonly #wanted: string;
	readonly #log: Log;
	readonly #httpPort: number;
	#mdns: MDNS | undefined;
	#claimed: string | undefined;

	/** `hostname` without ".local"; "" or undefined: the default twc-xxxx. */
	constructor(options: { hostname?: string; httpPort: number; log: Log }) {
		this.#wanted = options.hostname !== undefined && options.hostname !== "" ? options.hostname : defaultHostname();
		this.#httpPort = options.httpPort;
		this.#log = options.log;
	}

	/** The name answered on the network ("twc-1a2b.local"), or the one being claimed. */
	get name(): string {
		return `${this.#claimed ?? this.#wanted}.local`;
	}

	/** Starts (again) answering for the name; call when the station has an IP address. */
	start(): void {
		this.close();
		try {
			const mdns: MDNS = new MDNS({ hostName: this.#wanted }, (message: number, value?: string) => {
				if (message === HOST_NAME && value !== undefined && value !== "") {
					this.#claimed = value;
					if (value !== this.#wanted) this.#log.write("warn", "mdns", `${this.#wanted}.local is taken on this network: using ${value}.local`);
					else this.#log.write("info", "mdns", `reachable as ${value}.local`);
					try {
						mdns.add({ name: "http", protocol: "tcp", port: this.#httpPort, txt: { path: "/" } });
					} catch (error) {
						this.#log.write("warn", "mdns", `could not announce the web server: ${String(error)}`);
					}
				} else if (message === ERROR) {
					this.#log.write("error", "mdns", `could not claim a name based on ${this.#wanted}.local`);
				}
			});
			this.#mdns = mdns;
		} catch (error) {
			this.#log.write("error", "mdns", `mDNS did not start: ${String(error)}`);
		}
	}

	close(): void {
		try {
			// close() exists (mdns.js) but @moddable/typings 5.6.0 does not declare it.
			(this.#mdns as unknown as { close(): void } | undefined)?.close();
		} catch {
			// Closing a socket of a network that is gone.
		}
		this.#mdns = undefined;
	}
}
