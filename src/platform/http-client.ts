/**
 * Outgoing HTTP requests (policy webhooks now; meters and inverters later). The host binds it to
 * fetch, the device to Moddable's HTTP client. The callback is called exactly once.
 */
export interface HttpClientRequest {
	method: "GET" | "POST";
	url: string;
	/** Header names as given. */
	headers?: Readonly<Record<string, string>>;
	body?: string;
	/** Give up after this long (default 10 s). */
	timeoutMs?: number;
}

export interface HttpClientResult {
	/** The HTTP status, when a response came. */
	status?: number;
	body?: string;
	/** Why there is no response (connection refused, timeout…). */
	error?: string;
}

export interface HttpClient {
	request(request: HttpClientRequest, onDone: (result: HttpClientResult) => void): void;
}
