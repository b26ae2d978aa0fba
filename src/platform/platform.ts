import type { BytePort } from "./byte-port.js";
import type { Clock } from "./clock.js";
import type { HttpClient } from "./http-client.js";
import type { HttpServer } from "./http-server.js";
import type { Log } from "./log.js";
import type { MqttClient } from "./mqtt-client.js";
import type { SerialOpener } from "./serial-opener.js";
import type { Random } from "./random.js";
import type { Storage } from "./storage.js";
import type { TcpClient } from "./tcp.js";

/** Everything the core needs from the world, handed to it by a host (Node or the device). */
export interface Platform {
	clock: Clock;
	log: Log;
	random: Random;
	bus: BytePort;
	http?: HttpServer;
	/** Outgoing HTTP (webhooks, meters). */
	httpClient?: HttpClient;
	tcp?: TcpClient;
	/** MQTT (energy sources such as DSMR-reader; later status and control). */
	mqtt?: MqttClient;
	/** Serial ports besides the bus (a DSMR P1 meter). */
	serialPorts?: SerialOpener;
	storage?: Storage;
}
