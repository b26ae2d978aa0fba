/** An outgoing TCP connection (Modbus TCP meters, RS485-to-Ethernet converters, MQTT). */
export interface TcpClientOptions {
	host: string;
	port: number;
	onConnect?(): void;
	onBytes(bytes: Uint8Array): void;
	/** The connection closed or failed; `reason` says why. The socket is not reused afterwards. */
	onClose(reason: string): void;
}

export interface TcpSocket {
	write(bytes: Uint8Array): boolean;
	close(): void;
}

export interface TcpClient {
	connect(options: TcpClientOptions): TcpSocket;
}
