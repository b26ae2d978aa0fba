/**
 * The committed page bundle (src/web/bundle.generated.ts) is what `npm run build:web` makes from
 * the sources now, and the page stays small enough for the device (goal: < 60 KB gzipped).
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { buildPage, BUNDLE_FILE } from "../../../host-sim/build-web.js";

test("the committed bundle matches src/web's sources (run `npm run build:web` after changing them)", (t) => {
	const built = buildPage();
	t.true(readFileSync(BUNDLE_FILE, "utf8") === built.module, "src/web/bundle.generated.ts is stale: run npm run build:web");
	t.log(`page: ${built.rawBytes} bytes, ${built.gzipBytes} bytes gzipped`);
	t.true(built.gzipBytes < 60 * 1024, `the page is ${built.gzipBytes} bytes gzipped, over the 60 KB goal`);
	// One document: no script or style from anywhere else.
	t.false(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\//i.test(built.html.replace(/http:\/\/www\.w3\.org[^"']*/g, "")));
});
