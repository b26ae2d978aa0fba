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
}

export interface HttpResponse {
	status: number;
	contentType?: string;
	body?: string;
	headers?: Readonly<Record<string, string>>;
}

export type HttpHandler = (request: HttpRequest) => HttpResponse;

export interface HttpServer {
	/** Serves every request with `handler` until closed. */
	serve(handler: HttpHandler): void;
	close(): void;
}
