import type { BytePort } from "./byte-port.js";
import type { Clock } from "./clock.js";
import type { HttpClient } from "./http-client.js";
import type { HttpServer } from "./http-server.js";
import type { Log } from "./log.js";
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
	storage?: Storage;
}
