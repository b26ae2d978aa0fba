/**
 * MQTT as the core sees it (energy sources such as DSMR-reader or any MQTT topic; later the
 * status and control topics). Bound to a well-kept npm client on the host and to Moddable's MQTT
 * module on the device.
 */
export interface MqttConnectOptions {
	host: string;
	port: number;
	username?: string;
	password?: string;
	clientId?: string;
	/** Published by the broker if we vanish. */
	will?: { topic: string; payload: string; retain?: boolean };
	onConnect?(): void;
	onMessage(topic: string, payload: string): void;
	/** The connection ended or could not be made; the binding retries by itself. */
	onClose?(reason: string): void;
}

export interface MqttConnection {
	subscribe(topic: string): void;
	publish(topic: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): void;
	close(): void;
}

export interface MqttClient {
	connect(options: MqttConnectOptions): MqttConnection;
}
