/**
 * The device side without the Moddable SDK: modules/*.ts type-check against @moddable/typings
 * (modules/tsconfig.json), and manifest.json is valid, names only SDK manifests and module
 * specifiers that docs/reference moddable.md lists, and maps only files that exist.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * SDK manifests this project may include. Every entry is named in moddable.md (the shared
 * reference): the minimal ESP32 manifest in §1 and the "Module specifiers and include paths"
 * table. Add a path here only after checking it there (or in the SDK itself).
 */
const KNOWN_INCLUDES = new Set([
	"$(MODDABLE)/examples/manifest_base.json",
	"$(MODDABLE)/examples/manifest_net.json",
	"$(MODDABLE)/modules/io/manifest.json",
	"$(MODULES)/base/instrumentation/manifest.json",
	"$(MODULES)/base/microseconds/manifest.json",
	"$(MODULES)/network/wifi/manifest.json",
	"$(MODULES)/network/mdns/manifest.json",
	"$(MODULES)/network/sntp/manifest.json",
	"$(MODULES)/network/http/manifest.json",
	"$(MODULES)/network/mqtt/manifest.json",
	"$(MODULES)/network/websocket/manifest.json",
	"$(MODULES)/files/preference/manifest.json",
	"$(MODULES)/files/file/manifest.json",
	"$(MODULES)/files/file/manifest_littlefs.json",
	"$(MODULES)/io/update/manifest.json",
	"$(MODULES)/io/storage/manifest.json",
	"$(MODULES)/io/files/manifest.json",
	"$(MODULES)/io/wifi/manifest.json",
	"$(MODULES)/crypt/tls.json",
	"$(MODULES)/crypt/tls_419.json",
	"$(MODDABLE)/examples/io/listener/httpserver/manifest_httpserver.json",
	"$(MODDABLE)/examples/io/tcp/httpclient/manifest_httpclient.json",
	"$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json",
	"$(MODDABLE)/examples/io/tcp/websocket/manifest_websocket.json",
	"$(MODDABLE)/examples/io/tcp/tlssocket/manifest.json",
	"$(MODDABLE)/examples/io/tcp/fetch/manifest_fetch.json",
	"$(MODDABLE)/build/devices/esp32/modules/ota/manifest.json",
]);

/**
 * SDK module specifiers device code may import: the "Module specifiers and include paths" table
 * of moddable.md, plus "mc/config" (the manifest's `config` block; declared by @moddable/typings
 * mc/config.d.ts and read by the SDK's own setup code, moddable.md §1 table "Wi-Fi station"),
 * plus the UDP socket and DNS resolver that the HTTP client's manifest brings along
 * (manifest_httpclient.json includes examples/io/udp/dns/manifest_dns.json, which maps
 * "embedded:network/dns/resolver/udp"; the io manifest maps "embedded:io/socket/udp"): the device's
 * HTTP and TCP clients resolve host names with them instead of the example's fixed config module.
 */
const KNOWN_SPECIFIERS = new Set([
	"embedded:io/serial",
	"embedded:io/digital",
	"embedded:io/system",
	"embedded:io/socket/tcp",
	"embedded:io/socket/tcp/tls",
	"embedded:io/socket/listener",
	"embedded:io/socket/udp",
	"embedded:network/dns/resolver/udp",
	"embedded:network/interface/wifi",
	"embedded:network/http/server",
	"embedded:network/http/client",
	"embedded:network/mqtt/client",
	"embedded:network/websocket/client",
	"embedded:storage/key-value",
	"embedded:storage/files",
	"embedded:storage/flash",
	"embedded:update",
	"timer",
	"wifi",
	// IP address, RSSI and MAC of the interface (classic net, from manifest_net.json, included by the io manifest).
	"net",
	"sntp",
	// Time.set: the wall clock from SNTP (modules/clock-sync.ts).
	"time",
	"preference",
	"file",
	"instrumentation",
	"mdns",
	"fetch",
	"mc/config",
]);

interface Manifest {
	include?: string[];
	modules?: Record<string, string | string[]>;
	preload?: string[];
	config?: Record<string, unknown>;
	typescript?: unknown;
	platforms?: Record<string, { include?: string[]; modules?: Record<string, string | string[]>; creation?: Record<string, unknown>; build?: Record<string, string>; config?: Record<string, unknown> }>;
}

function readManifest(): Manifest {
	return JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as Manifest;
}

/** Every (specifier, source path) pair of a "modules" block, "*" arrays flattened. */
function moduleEntries(modules: Record<string, string | string[]> | undefined): [string, string][] {
	const out: [string, string][] = [];
	for (const [key, value] of Object.entries(modules ?? {})) {
		for (const path of Array.isArray(value) ? value : [value]) out.push([key, path]);
	}
	return out;
}

/** The module names a manifest "modules" key gives: "*" → each file's base name; "a/*" stays a pattern. */
function namesOf(modules: Manifest["modules"]): string[] {
	const names: string[] = [];
	for (const [key, path] of moduleEntries(modules)) {
		names.push(key === "*" ? path.slice(path.lastIndexOf("/") + 1) : key);
	}
	return names;
}

/**
 * The module names every build has: the top-level map, plus the names that each platform maps for
 * itself (e.g. "uart-io": modules/esp32/uart-io on esp32, modules/lin/uart-io on lin), which count
 * only when every platform of the manifest maps them (else one build cannot link).
 */
function moduleNames(manifest: Manifest): string[] {
	const names = namesOf(manifest.modules);
	const platforms = Object.values(manifest.platforms ?? {});
	const perPlatform = platforms.map((p) => namesOf(p.modules));
	for (const name of perPlatform[0] ?? []) if (perPlatform.every((list) => list.includes(name))) names.push(name);
	return names;
}

function matchesName(name: string, pattern: string): boolean {
	if (pattern.endsWith("/*")) return name.startsWith(pattern.slice(0, -1)) && !name.slice(pattern.length - 1).includes("/");
	return name === pattern;
}

test("modules/ type-checks against @moddable/typings (tsc -p modules/tsconfig.json)", (t) => {
	const tsc = join(root, "node_modules/typescript/bin/tsc");
	const result = spawnSync(process.execPath, [tsc, "-p", join(root, "modules/tsconfig.json"), "--noEmit", "--pretty", "false"], {
		cwd: root,
		encoding: "utf8",
	});
	const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
	t.is(result.status, 0, `tsc -p modules/tsconfig.json failed (status ${result.status}):\n${output}`);
});

test("manifest.json is valid JSON with the sections mcconfig needs", (t) => {
	const text = readFileSync(join(root, "manifest.json"), "utf8");
	let manifest: Manifest | undefined;
	t.notThrows(() => {
		manifest = JSON.parse(text) as Manifest;
	}, "manifest.json must be valid JSON");
	t.truthy(manifest?.modules, "modules");
	t.truthy(manifest?.config, "config");
	t.truthy(manifest?.platforms?.esp32, "platforms.esp32");
	t.truthy(manifest?.platforms?.lin, "platforms.lin");
});

test("manifest includes only SDK manifests the reference lists", (t) => {
	const manifest = readManifest();
	const includes = [...(manifest.include ?? [])];
	for (const platform of Object.values(manifest.platforms ?? {})) includes.push(...(platform.include ?? []));
	for (const include of includes) t.true(KNOWN_INCLUDES.has(include), `include not listed in moddable.md: ${include}`);
	t.true(includes.includes("$(MODDABLE)/modules/io/manifest.json"), "the ECMA-419 io manifest (serial, digital)");
});

test("every module the manifest maps exists in the repo", (t) => {
	const manifest = readManifest();
	const entries = moduleEntries(manifest.modules);
	for (const platform of Object.values(manifest.platforms ?? {})) entries.push(...moduleEntries(platform.modules));
	t.true(entries.length > 0);
	for (const [key, path] of entries) {
		t.false(path.startsWith("$("), `${key}: only project files are mapped here (${path})`);
		if (path.endsWith("/*")) {
			const dir = join(root, path.slice(0, -2));
			t.true(existsSync(dir) && statSync(dir).isDirectory(), `${key}: folder ${path} does not exist`);
			const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts")) : [];
			t.true(files.length > 0, `${key}: folder ${path} has no .ts/.js module`);
		} else {
			const base = join(root, path);
			t.true(existsSync(`${base}.ts`) || existsSync(`${base}.js`), `${key}: ${path}.ts does not exist`);
		}
	}
});

test("every core folder and top-level core file is mapped, and preload names mapped modules", (t) => {
	const manifest = readManifest();
	const names = moduleNames(manifest);
	const src = join(root, "src");
	for (const entry of readdirSync(src)) {
		const full = join(src, entry);
		if (statSync(full).isDirectory()) {
			const hasModules = readdirSync(full).some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
			if (hasModules) t.true(names.includes(`${entry}/*`), `src/${entry}/ is not mapped as "${entry}/*" in manifest.json`);
		} else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) {
			const name = entry.slice(0, -3);
			t.true(names.includes(name), `src/${entry} is not mapped as "${name}" in manifest.json`);
		}
	}
	t.true(names.includes("main"), "the entry point main");
	for (const preload of manifest.preload ?? []) {
		t.true(names.some((n) => n === preload || matchesName(preload, n)), `preload ${preload} is not a mapped module`);
	}
	t.false((manifest.preload ?? []).includes("main"), "main runs at boot; it is not preloaded");
});

test("device modules import only SDK specifiers the reference lists, mapped core modules, or local files", (t) => {
	const manifest = readManifest();
	const names = moduleNames(manifest);
	const dir = join(root, "modules");
	const sources = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
	t.true(sources.includes("main.ts"));
	const importPattern = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";()]*?\s+from\s+)?["']([^"']+)["']/gm;
	for (const file of sources) {
		const text = readFileSync(join(dir, file), "utf8");
		for (const match of text.matchAll(importPattern)) {
			const specifier = match[1];
			if (specifier.startsWith("./") || specifier.startsWith("../")) {
				const target = join(dir, specifier.replace(/\.js$/, ".ts"));
				t.true(existsSync(target), `${file}: ${specifier} does not exist`);
				t.true(names.includes(specifier.replace(/^\.\//, "").replace(/\.js$/, "")), `${file}: ${specifier} is not mapped in manifest.json`);
			} else if (KNOWN_SPECIFIERS.has(specifier)) {
				t.pass();
			} else {
				t.true(names.some((n) => matchesName(specifier, n)), `${file}: "${specifier}" is neither an SDK module from moddable.md nor mapped in manifest.json`);
			}
		}
	}
});

test("manifest config: documented defaults, wiring limits left for the user", (t) => {
	const config = readManifest().config ?? {};
	t.true(config.uart === 1 || config.uart === 2, "UART 1 or 2, never 0 (the console)");
	for (const key of ["txPin", "rxPin", "dePin", "minAmpsPerTWC", "wifiSsid", "wifiPassword", "httpPort"]) t.true(key in config, key);
	// The SDK's own network setup (esp32) joins mc/config.ssid before main() and holds the start until
	// it has an address: the first boot's network goes under other names, so the bus never waits.
	t.false("ssid" in config && config.ssid !== "", "config.ssid must stay unset");
	for (const key of ["wiringMaxAmpsAllTWCs", "wiringMaxAmpsPerTWC"]) {
		t.true(config[key] === undefined || config[key] === 0, `${key} must ship unset (0): the user sets it from the breaker`);
	}
});

test("ESP32 creation settings and the task watchdog from moddable.md", (t) => {
	const esp32 = readManifest().platforms?.esp32;
	t.deepEqual(esp32?.creation, {
		static: 0,
		chunk: { initial: 78848, incremental: 0 },
		heap: { initial: 4928, incremental: 0 },
		stack: 512,
		keys: { initial: 64, incremental: 32, name: 53, symbol: 3 },
	});
	t.is(esp32?.build?.SDKCONFIGPATH, "./sdkconfig");
	const defaults = readFileSync(join(root, "sdkconfig/sdkconfig.defaults"), "utf8");
	for (const line of ["CONFIG_ESP_TASK_WDT_EN=y", "CONFIG_ESP_TASK_WDT_INIT=y", "CONFIG_ESP_TASK_WDT_TIMEOUT_S=10", "CONFIG_ESP_TASK_WDT_PANIC=y"]) {
		t.true(defaults.split("\n").includes(line), line);
	}
});

test("Makefile has the device targets and tab-indented recipes", (t) => {
	const makefile = readFileSync(join(root, "Makefile"), "utf8");
	for (const target of ["start", "test", "esp32", "flash", "lin", "typecheck-device"]) {
		t.regex(makefile, new RegExp(`^${target}:`, "m"), target);
	}
	const recipeLines = makefile.split("\n").filter((line, i, lines) => i > 0 && /^[A-Za-z0-9_-]+:/.test(lines[i - 1]) && line.trim() !== "");
	for (const line of recipeLines) t.true(line.startsWith("\t"), `recipe line must start with a tab: ${JSON.stringify(line)}`);
});
