/**
 * Outgoing HTTP requests (policy webhooks, meters and inverters). The host binds it to Node's
 * http/https, the device to Moddable's HTTP client. The callback is called exactly once.
 */
export interface HttpClientRequest {
	method: "GET" | "POST";
	url: string;
	/** Header names as given. */
	headers?: Readonly<Record<string, string>>;
	body?: string;
	/** Give up after this long (default 10 s). */
	timeoutMs?: number;
	/** The most body bytes taken (default 64 KiB): beyond it the request fails, naming the cap. */
	maxBytes?: number;
	/**
	 * https only: accept the device's self-signed certificate (a Powerwall or Envoy on the home
	 * network has no other). The connection is still encrypted, but not authenticated.
	 */
	acceptSelfSigned?: boolean;
}

export interface HttpClientResult {
	/** The HTTP status, when a response came. */
	status?: number;
	body?: string;
	/** Response header names in lower case (Set-Cookie values joined by "\n"). */
	headers?: Readonly<Record<string, string>>;
	/** Why there is no response (connection refused, timeout, too large…). */
	error?: string;
}

export interface HttpClient {
	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void;
}

/** The default response-size cap. */
export const HTTP_MAX_BYTES = 64 * 1024;
