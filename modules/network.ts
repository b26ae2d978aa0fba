/**
 * Wi-Fi on the device: the station with reconnect and backoff, the setup access point when there
 * is no network, and the mDNS name once an address is up. The decisions are src/device/wifi-policy.ts
 * (tested in virtual time); this file only drives the classic `wifi` module for it and reports the
 * radio's events back. Nothing here blocks and nothing waits for the network: the bus master starts
 * and runs whatever the radio does.
 *
 * The classic module (not ECMA-419's `embedded:network/interface/wifi`) because only it has the
 * access point. On lin, `wifi` is the SDK's simulation (modules/network/wifi/sim): every attempt
 * joins after about 2 s, except with the password "invalid!", which it refuses.
 *
 * Nothing at module load (preloaded): `start()` does everything.
 */
import WiFi from "wifi";
import Net from "net";
import Timer from "timer";
import { WifiPolicy, type WifiCredentials, type WifiStatus } from "device/wifi-policy";
import type { NetworkState } from "api/setup-routes";
import type { Clock } from "platform/clock";
import type { Log } from "platform/log";
import { accessPointName, startAccessPoint, stopAccessPoint } from "./access-point.js";
import { MdnsName } from "./mdns-name.js";

export interface NetworkOptions {
	clock: Clock;
	log: Log;
	/** mDNS name without ".local"; "" = twc-xxxx from the MAC address. */
	hostname?: string;
	httpPort: number;
	/** WPA2 password of the setup access point; "" = open. */
	accessPointPassword?: string;
	/** Called when the station has an address (e.g. to start SNTP). */
	onOnline?(ip: string): void;
}

/** Networks seen nearby. */
export interface NearbyNetwork {
	ssid: string;
	rssi: number;
}

export class Network {
	readonly #o: NetworkOptions;
	readonly #policy: WifiPolicy;
	readonly #mdns: MdnsName;
	#radio: WiFi | undefined;
	#apClients = 0;
	#apName: string | undefined;
	#nearby: NearbyNetwork[] = [];
	/** Counts access point openings, so a late scan end or timer opens only the current one. */
	#apAttempt = 0;

	constructor(options: NetworkOptions) {
		this.#o = options;
		this.#mdns = new MdnsName({ hostname: options.hostname, httpPort: options.httpPort, log: options.log });
		this.#policy = new WifiPolicy({
			clock: options.clock,
			log: options.log,
			actions: {
				connect: (credentials) => this.#connect(credentials),
				disconnect: () => {
					this.#mdns.close();
					WiFi.disconnect();
				},
				startAccessPoint: () => this.#openAccessPoint(),
				stopAccessPoint: () => {
					this.#apName = undefined;
					this.#apAttempt++;
					stopAccessPoint();
				},
			},
		});
	}

	/** Starts with the stored network (or none: the setup access point). Returns at once. */
	start(credentials: WifiCredentials | undefined): void {
		this.#policy.start(credentials);
	}

	/** New network settings: station mode with them (without a restart). */
	configure(credentials: WifiCredentials | undefined): void {
		this.#policy.configure(credentials);
	}

	get status(): WifiStatus {
		return this.#policy.status;
	}

	/** For GET /api/v1/network. */
	state(): NetworkState {
		const s = this.#policy.status;
		const state: NetworkState = {
			mode: s.mode === "connected" ? "station" : s.mode,
			ssid: s.mode === "accessPoint" ? (this.#apName ?? s.ssid) : s.ssid,
			hostname: this.#mdns.name,
			since: s.since,
		};
		if (s.mode === "accessPoint") state.ip = "192.168.4.1";
		else if (s.ip !== undefined) state.ip = s.ip;
		if (s.mode === "connected") {
			const rssi = readRssi();
			if (rssi !== undefined) state.rssi = rssi;
		}
		if (s.reason !== undefined) state.reason = s.reason;
		return state;
	}

	/** Networks seen by the last scan (before the access point opened), strongest first. */
	nearby(): readonly NearbyNetwork[] {
		return this.#nearby;
	}

	/** True while the setup access point is open (the device may then allow setup without a password). */
	get inAccessPoint(): boolean {
		return this.#policy.status.mode === "accessPoint";
	}

	#ensureRadio(): void {
		if (this.#radio !== undefined) return;
		// One instance for the program's life: its callback hears every event (the simulator allows only one).
		this.#radio = new WiFi(undefined, (message) => this.#onRadio(message));
	}

	#connect(credentials: WifiCredentials): void {
		this.#ensureRadio();
		if (WiFi.mode !== WiFi.Mode.station) WiFi.mode = WiFi.Mode.station;
		WiFi.connect(credentials.password === "" ? { ssid: credentials.ssid } : { ssid: credentials.ssid, password: credentials.password });
	}

	#onRadio(message: string): void {
		try {
			switch (message) {
				case WiFi.gotIP: {
					const ip = readIp() ?? "unknown";
					this.#policy.connected(ip, readRssi());
					if (this.#policy.status.mode === "connected") {
						this.#mdns.start();
						this.#o.onOnline?.(ip);
					}
					break;
				}
				case WiFi.lostIP:
				case WiFi.disconnected:
					this.#mdns.close();
					this.#policy.disconnected(message === WiFi.lostIP ? "lost the IP address" : "disconnected (network gone or password refused)");
					break;
				case WiFi.station_connected:
					this.#policy.apClients(++this.#apClients);
					break;
				case WiFi.station_disconnected:
					this.#apClients = Math.max(0, this.#apClients - 1);
					this.#policy.apClients(this.#apClients);
					break;
			}
		} catch (error) {
			// An exception escaping a native callback would abort the VM.
			this.#o.log.write("error", "wifi", `event ${message}: ${String(error)}`);
		}
	}

	#openAccessPoint(): void {
		this.#ensureRadio();
		this.#mdns.close();
		this.#apClients = 0;
		const attempt = ++this.#apAttempt;
		const open = () => {
			if (attempt !== this.#apAttempt || !this.inAccessPoint) return; // stopped or reopened meanwhile
			this.#apAttempt++;
			try {
				const ssid = startAccessPoint({ ssid: accessPointName(), password: this.#o.accessPointPassword });
				this.#apName = ssid;
				this.#o.log.write("info", "wifi", `setup access point "${ssid}" open: join it and open http://192.168.4.1/setup`);
			} catch (error) {
				this.#o.log.write("error", "wifi", `the setup access point did not open: ${String(error)}`);
			}
		};
		// A scan first, in station mode (the ESP32 cannot scan as an access point), so the setup page can
		// offer the networks nearby; the access point opens when it ends, or after 10 s at the latest.
		try {
			WiFi.mode = WiFi.Mode.station;
			const found: NearbyNetwork[] = [];
			WiFi.scan({}, (item) => {
				if (item) {
					if (item.ssid !== "" && !found.some((n) => n.ssid === item.ssid)) found.push({ ssid: item.ssid, rssi: item.rssi });
					return;
				}
				found.sort((a, b) => b.rssi - a.rssi);
				this.#nearby = found;
				open();
			});
			Timer.set(open, 10_000);
		} catch (error) {
			this.#o.log.write("warn", "wifi", `scan failed: ${String(error)}`);
			open();
		}
	}
}

function readIp(): string | undefined {
	try {
		const ip = Net.get("IP");
		return typeof ip === "string" && ip !== "" ? ip : undefined;
	} catch {
		return undefined;
	}
}

function readRssi(): number | undefined {
	try {
		const rssi = Net.get("RSSI");
		return typeof rssi === "number" && Number.isFinite(rssi) ? rssi : undefined;
	} catch {
		return undefined;
	}
}
