/** ArrayBuffer helpers the device bindings share (HTTP server and client, MQTT). */

/** The pieces of a body as one buffer (`total` bytes); one piece is returned as it is. */
export function joinBuffers(chunks: readonly ArrayBuffer[], total: number): ArrayBuffer {
	if (chunks.length === 1) return chunks[0];
	const out = new Uint8Array(total);
	let at = 0;
	for (const chunk of chunks) {
		out.set(new Uint8Array(chunk), at);
		at += chunk.byteLength;
	}
	return out.buffer;
}
