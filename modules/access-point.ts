/**
 * The setup access point `TWC-XXXX` (XXXX: the last four hex digits of the Wi-Fi MAC address), on
 * the classic `wifi` module: ECMA-419's `embedded:network/interface/wifi` has no access point mode
 * (moddable.md §1). The setup page is then at http://192.168.4.1/setup (the ESP32's AP address).
 *
 * The access point is open unless `password` (8-63 characters) is given: on first boot nobody
 * knows a password yet. What it protects is guarded by the admin password once one is stored
 * (src/api/setup-routes.ts `authorize`).
 *
 * Nothing at module load (preloaded).
 */
import WiFi from "wifi";
import Net from "net";

/** "1A2B" from "30:ae:a4:12:1a:2b"; "0000" when the MAC is unknown. */
export function macSuffix(mac: string | undefined): string {
	const hex = (mac ?? "").replace(/[^0-9a-fA-F]/g, "");
	return hex.length >= 4 ? hex.slice(-4).toUpperCase() : "0000";
}

/** The Wi-Fi MAC address, or undefined when the platform does not tell. */
export function macAddress(): string | undefined {
	try {
		const mac = Net.get("MAC");
		return typeof mac === "string" && mac !== "" ? mac : undefined;
	} catch {
		return undefined;
	}
}

/** The access point's name: TWC-XXXX. */
export function accessPointName(mac = macAddress()): string {
	return `TWC-${macSuffix(mac)}`;
}

export interface AccessPointOptions {
	ssid?: string;
	/** WPA2 password; absent or "" = an open access point. */
	password?: string;
	/** Radio channel (1-13), default 1. */
	channel?: number;
}

/** Opens the access point (station mode off). Throws with the SDK's reason (e.g. a password too short). */
export function startAccessPoint(options: AccessPointOptions = {}): string {
	const ssid = options.ssid ?? accessPointName();
	const config: { ssid: string; password?: string; channel?: number; max?: number } = { ssid, channel: options.channel ?? 1, max: 4 };
	if (options.password !== undefined && options.password !== "") config.password = options.password;
	WiFi.mode = WiFi.Mode.accessPoint;
	WiFi.accessPoint(config);
	return ssid;
}

/** Closes the access point (and the radio, until the station starts again). */
export function stopAccessPoint(): void {
	WiFi.mode = WiFi.Mode.none;
}
