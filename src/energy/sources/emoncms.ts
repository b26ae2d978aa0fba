/**
 * EmonCMS / Open Energy Monitor (reference §A.9): `GET <server><serverPath>/feed/fetch.json?ids=`
 * the configured feeds (consumption first, then generation), with the API key as a Bearer token;
 * the answer is the feeds' current values in request order. TWCManager swaps the two values when
 * both feeds are set (it pops them from the end); here each value goes to its own feed.
 */
import { HttpSource } from "../http-source.js";
import type { SourceDefinition } from "../source.js";
import { numberFrom, SectionReader } from "../source-values.js";
import { deviceBase } from "./http-values.js";

const NAME = "EmonCMS";

export const emoncmsSource: SourceDefinition = {
	name: NAME,
	summary: "EmonCMS feeds over HTTP (/feed/fetch.json, API key)",
	create(section, context) {
		const r = new SectionReader(NAME, section);
		const https = r.boolean("useHttps", false);
		const base = deviceBase(r, NAME, https, 80);
		// The docs tell users to end serverPath with "/"; TWCManager then asks for "…//feed".
		const path = r.string("serverPath", "").replace(/\/+$/, "");
		const apiKey = r.string("apiKey", "");
		const consumption = r.string("consumptionFeed", "");
		const generation = r.string("generationFeed", "");
		if (consumption === "" && generation === "") r.error ??= `sources.${NAME}.generationFeed: required (set it, consumptionFeed, or both)`;
		if (path !== "" && !path.startsWith("/")) r.error ??= `sources.${NAME}.serverPath: must start with "/" (got ${JSON.stringify(path)})`;
		if (r.error !== undefined) return r.error;
		const feeds: { id: string; key: "consumptionW" | "generationW" }[] = [];
		if (consumption !== "") feeds.push({ id: consumption, key: "consumptionW" });
		if (generation !== "") feeds.push({ id: generation, key: "generationW" });
		const url = `${base}${path}/feed/fetch.json?ids=${feeds.map((f) => encodeURIComponent(f.id)).join(",")}`;
		const headers: Record<string, string> = {};
		if (apiKey !== "") headers.Authorization = `Bearer ${apiKey}`;
		return new HttpSource({
			name: NAME,
			intervalS: 10,
			context,
			steps: () => [{ request: { method: "GET", url, headers } }],
			read([answer], reading) {
				if (!Array.isArray(answer)) {
					const message = typeof answer === "object" && answer !== null && typeof (answer as { message?: unknown }).message === "string" ? `: ${(answer as { message: string }).message}` : "";
					return `the answer is not a list of feed values${message} (check the feed ids and the API key)`;
				}
				if (answer.length !== feeds.length) return `asked for ${feeds.length} feed(s), the answer has ${answer.length} value(s)`;
				for (let i = 0; i < feeds.length; i++) {
					const value = numberFrom(answer[i]);
					if (value === undefined) return `feed ${feeds[i].id} has no value (${JSON.stringify(answer[i])}): is the feed id right and the feed active?`;
					reading[feeds[i].key] = Math.abs(value);
				}
				return undefined;
			},
		});
	},
};
