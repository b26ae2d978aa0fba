/**
 * JSON-data helpers shared by the settings files. Copies are made field by field, never by a
 * JSON round trip: XS cannot JSON.stringify an object of the preloaded (read-only) heap.
 */

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An own property, not one every object inherits (`toString`, `constructor`, `__proto__`). */
export function hasOwn(object: object, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(object, key);
}

/** A name every plain object already has through its prototype (`__proto__`, `constructor`, `toString`, ...). */
export function isReservedName(name: string): boolean {
	return name in Object.prototype;
}

/** A deep copy of JSON data (objects, arrays, primitives), field by field. */
export function copyData<T>(value: T): T {
	if (Array.isArray(value)) return value.map((item) => copyData(item)) as T;
	if (isObject(value)) {
		const result: Record<string, unknown> = {};
		for (const key of Object.keys(value)) {
			const item = copyData(value[key]);
			// An own "__proto__" key (JSON.parse makes those) stays a plain key.
			if (key === "__proto__") Object.defineProperty(result, key, { value: item, enumerable: true, writable: true, configurable: true });
			else result[key] = item;
		}
		return result as T;
	}
	return value;
}

export function deepFreeze<T>(value: T): T {
	if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
	}
	return value;
}

/** A value for a message: strings quoted, long ones cut. */
export function show(value: unknown): string {
	let text: string;
	if (typeof value === "string") text = JSON.stringify(value);
	else if (typeof value === "number" || value === undefined) text = String(value);
	else {
		try {
			text = JSON.stringify(value) ?? String(value);
		} catch {
			text = String(value);
		}
	}
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
