/**
 * The Moddable SDK's ECMA-419 HTTP server (examples/io/listener/httpserver/httpserver.js, mapped to
 * "embedded:network/http/server" by its manifest_httpserver.json): @moddable/typings 5.6.0 has no
 * declaration for it. The names are those of the SDK's own typings/embedded_network/http/server.d.ts
 * (which mcconfig uses when it builds); only what modules/http-server.ts uses.
 */
declare module "embedded:network/http/server" {
	import type Listener from "embedded:io/socket/listener";

	export interface HTTPRequest {
		method: string;
		/** The request target as sent: path and query, not decoded. */
		path: string;
		/** Header names in lower case, values trimmed. */
		headers: Map<string, string>;
	}

	export interface HTTPResponse {
		status: number;
		headers: Map<string, string | number>;
	}

	/** The callbacks of one exchange; each is called with `this` = the connection. */
	export interface HTTPHTTPConnectionHandlers {
		onRequest?(this: HTTPConnection, request: HTTPRequest): void;
		/** Body bytes waiting (of this request). */
		onReadable?(this: HTTPConnection, count: number): void;
		/** The whole request is in: answer with `this.respond(response)`. */
		onResponse?(this: HTTPConnection, response: HTTPResponse): void;
		/** Room for `count` body bytes. */
		onWritable?(this: HTTPConnection, count: number): void;
		onDone?(this: HTTPConnection): void;
		onError?(this: HTTPConnection): void;
	}

	export interface HTTPConnection {
		accept(options: HTTPHTTPConnectionHandlers): void;
		/** Up to `count` body bytes; undefined when none are waiting. */
		read(count?: number): ArrayBuffer | undefined;
		/** Body bytes of the response; throws "would block" beyond what onWritable offered. */
		write(data?: ArrayBuffer): number;
		respond(response: HTTPResponse): void;
		close(): void;
	}

	export default class HTTPServer {
		constructor(options: { io: typeof Listener; port?: number; onConnect(this: HTTPServer, connection: HTTPConnection): void });
		close(): void;
		readonly port: number;
	}
}
