import test from "ava";
import { emoncmsSource } from "../../../src/energy/sources/emoncms.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("EmonCMS: one feed only; default port 80; numeric feed ids (as the docs show) work", (t) => {
	const http = new ScriptedHttp().json("GET", "http://emon.local:80/feed/fetch.json?ids=3", ["1875.2"]);
	const result = pollNow(build(emoncmsSource, { enabled: true, serverIP: "emon.local", apiKey: "k", generationFeed: 3 }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 1875.2, consumptionW: null, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
	t.is(http.requests[0].headers?.Authorization, "Bearer k");
});

test("EmonCMS: an error object, or a short list, is refused with the reason", (t) => {
	const http = new ScriptedHttp()
		.json("GET", "https://e:8443/emon/feed/fetch.json?ids=1,2", { success: false, message: "Invalid API key" })
		.json("GET", "http://e:80/feed/fetch.json?ids=1,2", [5]);
	const viaHttps = build(emoncmsSource, { enabled: true, serverIP: "e", serverPort: "8443", useHttps: true, serverPath: "/emon/", consumptionFeed: "1", generationFeed: "2" }, contextWith(http));
	t.deepEqual(pollNow(viaHttps), { ok: false, error: "EmonCMS: the answer is not a list of feed values: Invalid API key (check the feed ids and the API key)" });
	const plain = build(emoncmsSource, { enabled: true, serverIP: "e", consumptionFeed: "1", generationFeed: "2" }, contextWith(http));
	t.deepEqual(pollNow(plain), { ok: false, error: "EmonCMS: asked for 2 feed(s), the answer has 1 value(s)" });
});

test("EmonCMS: config errors name the key", (t) => {
	const ctx = contextWith(new ScriptedHttp());
	t.is(emoncmsSource.create({ enabled: true, serverIP: "e" }, ctx), "sources.EmonCMS.generationFeed: required (set it, consumptionFeed, or both)");
	t.is(emoncmsSource.create({ enabled: true, serverIP: "e", serverPath: "emon", generationFeed: "1" }, ctx), 'sources.EmonCMS.serverPath: must start with "/" (got "emon")');
});
