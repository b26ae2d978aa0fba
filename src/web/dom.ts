/**
 * The few browser interfaces the page uses, declared here instead of TypeScript's DOM library: the
 * core's tsconfig (ES2022, no DOM) also checks src/web, and a global DOM there would let browser
 * APIs slip into the portable core unnoticed. Only the members the page touches.
 */
export interface El {
	id: string;
	value: string;
	checked: boolean;
	disabled: boolean;
	hidden: boolean;
	textContent: string | null;
	innerHTML: string;
	className: string;
	dataset: Record<string, string | undefined>;
	width: number;
	height: number;
	clientWidth: number;
	classList: { toggle(name: string, on?: boolean): void; add(name: string): void; remove(name: string): void };
	closest(selector: string): El | null;
	querySelector(selector: string): El | null;
	querySelectorAll(selector: string): ArrayLike<El>;
	addEventListener(type: string, listener: (event: Ev) => void): void;
	getContext(kind: "2d"): Canvas2D | null;
	focus(): void;
}

export interface Ev {
	target: El;
	preventDefault(): void;
}

export interface Canvas2D {
	clearRect(x: number, y: number, w: number, h: number): void;
	beginPath(): void;
	moveTo(x: number, y: number): void;
	lineTo(x: number, y: number): void;
	stroke(): void;
	fillText(text: string, x: number, y: number): void;
	setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void;
	strokeStyle: string;
	fillStyle: string;
	lineWidth: number;
	font: string;
}

export interface FetchResponse {
	status: number;
	ok: boolean;
	text(): Promise<string>;
}

export interface EventSourceLike {
	addEventListener(type: string, listener: (event: { data: string }) => void): void;
	onerror: (() => void) | null;
	onopen: (() => void) | null;
	close(): void;
}

export interface Browser {
	document: { getElementById(id: string): El | null; querySelectorAll(selector: string): ArrayLike<El>; body: El };
	fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; credentials?: string }): Promise<FetchResponse>;
	EventSource: new (url: string) => EventSourceLike;
	devicePixelRatio: number;
	addEventListener(type: string, listener: () => void): void;
}

/** The browser's globals, typed as above. */
export const browser = globalThis as unknown as Browser;
