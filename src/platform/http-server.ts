/**
 * The HTTP server as the core sees it: one handler for every request. The host binds it to
 * node:http, the device to Moddable's HTTP server. Bodies are small JSON documents.
 */
export interface HttpRequest {
	method: string;
	/** Path without the query string, e.g. "/api/getStatus". */
	path: string;
	/** Decoded query parameters. */
	query: ReadonlyMap<string, string>;
	/** Header names in lower case. */
	headers: ReadonlyMap<string, string>;
	/** The request body as text ("" when none). */
	body: string;
	/**
	 * The client's IP address ("192.168.1.20", "::1"). Both servers (host and device) set it on every
	 * request from the network; a request without it comes from inside the program (the policy
	 * webhooks' status document), which the password guard lets through.
	 */
	remoteAddress?: string;
}

/** A response that stays open and is written to over time (Server-Sent Events). */
export interface ResponseStream {
	/** Sends `text` now; false when the client has gone (nothing is sent then). */
	write(text: string): boolean;
	/** Ends the response (the server closes the connection). */
	end(): void;
	/** Called once when the stream ends, by the client leaving, `end()` or the server closing. */
	onClose(callback: () => void): void;
}

export interface HttpResponse {
	status: number;
	contentType?: string;
	body?: string;
	headers?: Readonly<Record<string, string>>;
	/**
	 * A streamed answer: the status and headers go out without a length, then `start` gets the
	 * stream to write to (`body` is ignored). HEAD answers drop it.
	 */
	stream?: (out: ResponseStream) => void;
}

export type HttpHandler = (request: HttpRequest) => HttpResponse;

export interface HttpServer {
	/** Serves every request with `handler` until closed. */
	serve(handler: HttpHandler): void;
	close(): void;
}
