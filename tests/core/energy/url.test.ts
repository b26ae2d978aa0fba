import test from "ava";
import { urlSource } from "../../../src/energy/sources/url.js";
import { build, contextWith, pollNow, ScriptedHttp } from "./scripted-http.js";

test("URL: <url>/<item> for each item; a trailing slash on url is dropped", (t) => {
	const http = new ScriptedHttp().text("GET", "http://nodered:1880/solar/consumption", "512").text("GET", "http://nodered:1880/solar/generation", "0");
	const result = pollNow(build(urlSource, { enabled: true, url: "http://nodered:1880/solar/", consumptionItem: "consumption", generationItem: "generation" }, contextWith(http)));
	t.deepEqual(result, { ok: true, reading: { generationW: 0, consumptionW: 512, gridW: null, voltageV: null, batteryW: null, socPercent: null } });
});

test("URL: a non-number is refused naming the URL; url must be http(s)", (t) => {
	const http = new ScriptedHttp().text("GET", "http://n/g", "n/a");
	t.deepEqual(pollNow(build(urlSource, { enabled: true, url: "http://n", generationItem: "g" }, contextWith(http))), { ok: false, error: 'URL: http://n/g: the answer is not a number ("n/a")' });
	t.is(urlSource.create({ enabled: true, url: "nodered:1880", generationItem: "g" }, contextWith(http)), 'sources.URL.url: must start with http:// or https:// (got "nodered:1880")');
});
