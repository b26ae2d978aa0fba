/**
 * The phone page (issue 12, item 3): one script, bundled with page.css and page.html into
 * bundle.generated.ts by `npm run build:web` (host-sim/build-web.ts). No framework, no CDN.
 * Live status comes from the event stream (/api/v1/events); every change is a POST to the same
 * API as any client, with the session cookie the login set.
 * No timers: the stream's events drive every redraw (the core's portability rules apply to src/).
 */
import { browser, type El, type Ev } from "./dom.js";

// The API's documents, read field by field as the page needs them.
type Json = Record<string, any>;

const doc = browser.document;
const $ = (id: string): El => doc.getElementById(id) as El;
const esc = (v: unknown): string => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: unknown, digits = 1): string => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–");
const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const ACTIONS: Record<string, string> = { "1": "charge at the set amps", "2": "do not charge", "3": "track green energy" };

interface Point {
	t: number;
	gen: number;
	cons: number;
	charge: number;
}

let state: Json | undefined;
let auth: Json = {};
let stream: { close(): void } | undefined;
/** Points of the chart: from /api/v1/history when there is one, then from each state event. */
let points: Point[] = [];
const CHART_HOURS = 6;

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; data: Json }> {
	const res = await browser.fetch(url, {
		method,
		credentials: "same-origin",
		headers: body === undefined ? {} : { "Content-Type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let data: Json = {};
	try {
		data = text === "" ? {} : JSON.parse(text);
	} catch {
		data = { text };
	}
	if (res.status === 401 && url !== "/api/v1/auth/login") void start();
	return { status: res.status, data };
}

/** Shows the outcome of an action in the toast line. */
function say(text: string, bad = false): void {
	const t = $("toast");
	t.textContent = text;
	t.className = bad ? "toast bad" : "toast";
	t.hidden = false;
}

async function act(method: string, url: string, body: unknown, done: string): Promise<boolean> {
	try {
		const r = await call(method, url, body);
		if (r.status >= 400) {
			say(`${r.data.error ?? `error ${r.status}`}`, true);
			return false;
		}
		const warnings = (r.data.warnings ?? []) as string[];
		say(warnings.length > 0 ? `${done} (${warnings.join("; ")})` : done);
		return true;
	} catch (error) {
		say(`not sent: ${String(error)}`, true);
		return false;
	}
}

function show(view: "login" | "setup" | "main"): void {
	$("login").hidden = view !== "login";
	$("setup").hidden = view !== "setup";
	$("main").hidden = view !== "main";
}

async function start(): Promise<void> {
	try {
		auth = (await call("GET", "/api/v1/auth")).data;
	} catch {
		say("cannot reach the master", true);
		return;
	}
	$("warning").hidden = !auth.warning;
	$("warning").textContent = auth.warning ?? "";
	if (!auth.passwordSet && !auth.loggedIn) return show("setup");
	if (!auth.loggedIn && !auth.openReads) return show("login");
	show("main");
	$("logout").hidden = auth.as !== "session";
	$("readonly").hidden = auth.loggedIn;
	await loadHistory();
	connect();
	if (auth.loggedIn) void loadTokens();
}

function connect(): void {
	stream?.close();
	const source = new browser.EventSource("/api/v1/events");
	stream = source;
	source.onopen = () => $("live").classList.toggle("on", true);
	source.onerror = () => $("live").classList.toggle("on", false);
	source.addEventListener("state", (event) => {
		try {
			render(JSON.parse(event.data));
		} catch (error) {
			say(`bad status from the master: ${String(error)}`, true);
		}
	});
}

async function loadHistory(): Promise<void> {
	try {
		const r = await call("GET", "/api/v1/history");
		if (r.status === 200) points = historyPoints(r.data);
	} catch {
		// No history route yet: the chart fills from the stream.
	}
}

/** Reads GET /api/v1/history's 5-minute buckets: start (UTC ms), generationW, consumptionW, chargingW, units {id: W}. */
function historyPoints(data: Json): Point[] {
	const list = (Array.isArray(data?.buckets) ? data.buckets : []) as Json[];
	const out: Point[] = [];
	for (const b of list) {
		const t = b.start;
		let charge = b.chargingW;
		if (typeof charge !== "number") {
			charge = 0;
			for (const w of Object.values((b.units ?? {}) as Record<string, unknown>)) if (typeof w === "number") charge += w;
		}
		if (typeof t === "number" && Number.isFinite(t)) out.push({ t, gen: b.generationW ?? 0, cons: b.consumptionW ?? 0, charge });
	}
	return out;
}

function render(s: Json): void {
	state = s;
	const supply = s.supply ?? { volts: 240, phases: 1 };
	const details = s.green?.details ?? {};
	let chargingW = 0;
	for (const u of s.slaves ?? []) chargingW += Math.max(0, u.actualAmps || 0) * supply.volts * supply.phases;
	points.push({ t: s.time.utcMs, gen: details.generationW ?? 0, cons: details.consumptionW ?? 0, charge: chargingW });
	const since = s.time.utcMs - CHART_HOURS * 3600_000;
	while (points.length > 0 && points[0].t < since) points.shift();
	if (points.length > 2000) points.splice(0, points.length - 2000);

	$("clock").textContent = s.time.local.slice(11, 16);
	$("policy").innerHTML = `<b>${esc(s.policy.name)}</b> — ${esc(s.budgetAmps)} A to share` + (s.green?.note ? `<br><small>${esc(s.green.note)}</small>` : "");
	$("units").innerHTML = (s.slaves as Json[]).length === 0 ? "<p>No wall connector linked yet.</p>" : (s.slaves as Json[]).map(unit).join("");
	const cn = s.chargeNow;
	$("cnState").textContent = cn.active ? `Charge Now: ${cn.amps} A until ${new Date(cn.endsAt * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "Charge Now is off.";
	$("cnCancel").hidden = !cn.active;
	fillOnce(s.settings);
	groups(s.settings.VehicleGroups ?? {});
	bus(s.bus, s.problems ?? []);
	energy(s.energy ?? [], s.sources ?? []);
	const l = s.limits;
	$("limits").innerHTML = `${l.wiringMaxAmpsAllTWCs} A for all wall connectors, ${l.wiringMaxAmpsPerTWC} A per wall connector, ${l.minAmpsPerTWC} A at least per car.`;
	chart();
}

function unit(u: Json): string {
	const session = u.session;
	const kwh = session && typeof session.startkWh === "number" && typeof u.lifetimeKwh === "number" ? u.lifetimeKwh - session.startkWh : undefined;
	const vin = u.vin || u.lastVin;
	return (
		`<div class="unit" data-twc="${esc(u.twcId)}"><h3>${esc(u.twcId)} <span class="st">${esc(u.stateName)}</span></h3>` +
		`<div class="grid"><div><small>offered</small><b class="offered">${num(u.offeredAmps, 0)} A</b></div>` +
		`<div><small>drawing</small><b class="drawn">${num(u.actualAmps)} A</b></div>` +
		`<div><small>session</small><b>${kwh === undefined ? "–" : `${num(kwh, 2)} kWh`}</b></div></div>` +
		`<p class="vin">${vin ? `car ${esc(vin)}${u.vin ? "" : " (last)"} <button class="small" data-deny="${esc(vin)}">Deny this car</button>` : "no car identified"}</p>` +
		(u.why ? `<p class="why">${esc(u.why.reason)}${u.why.entitled && !u.why.entitled.allowed ? ` — <b>${esc(u.why.entitled.reason)}</b>` : ""}</p>` : "") +
		`</div>`
	);
}

let filled = false;
/** The forms take the stored values once; later events must not overwrite what is being typed. */
function fillOnce(settings: Json): void {
	if (filled) return;
	filled = true;
	$("nsAction").value = String(settings.nonScheduledAction);
	$("nsAmps").value = String(settings.nonScheduledAmpsMax);
	const hhmm = (h: number) => (h < 0 ? "" : `${String(Math.floor(h)).padStart(2, "0")}:${String(Math.round((h % 1) * 60)).padStart(2, "0")}`);
	$("schStart").value = hhmm(settings.scheduledAmpsStartHour);
	$("schEnd").value = hhmm(settings.scheduledAmpsEndHour);
	$("schAmps").value = settings.scheduledAmpsMax > 0 ? String(settings.scheduledAmpsMax) : "";
	DAYS.forEach((d, i) => ($(`d-${d}`).checked = (settings.scheduledAmpsDaysBitmap & (1 << i)) !== 0));
	$("greenResume").value = String(settings.hourResumeTrackGreenEnergy);
	$("spikeP").checked = settings.spikeAmpsProactively;
	$("spikeR").checked = settings.spikeAmpsReactively;
	$("stopMode").value = String(settings.chargeStopMode);
}

function groups(all: Json): void {
	$("groups").innerHTML = Object.keys(all)
		.map((name) => `<p><b>${esc(name)}</b>: ${(all[name].Members as string[]).map((v) => `${esc(v)} <button class="small" data-remove="${esc(v)}" data-group="${esc(name)}">remove</button>`).join(", ") || "none"}</p>`)
		.join("");
	const select = $("vinGroup");
	if (select.innerHTML === "") select.innerHTML = Object.keys(all).map((n) => `<option>${esc(n)}</option>`).join("");
}

function bus(b: Json, problems: string[]): void {
	$("bus").innerHTML =
		`<p>Bus <b>${esc(b.state)}</b>${b.reason ? ` (${esc(b.reason)})` : ""}: ${esc(b.framesLastMinute)} frames, ${esc(b.badFramesLastMinute)} damaged, ${esc(b.repliesMissedLastMinute)} missed replies in the last minute${b.noisy ? " — <b>noisy</b>" : ""}.</p>` +
		(b.otherMaster ? `<p class="bad">Another master on the bus: ${esc(JSON.stringify(b.otherMaster))}</p>` : "") +
		problems.map((p) => `<p class="bad">${esc(p)}</p>`).join("");
}

function energy(readings: Json[], sources: Json[]): void {
	$("energy").innerHTML =
		(readings.length === 0 && sources.length === 0 ? "<p>No energy source reports.</p>" : "") +
		readings.map((r) => `<p>${esc(r.source)}: ${r.fresh ? "fresh" : "<b>stale</b>"}, ${esc(r.ageSeconds)} s old, ${esc(r.accepted)} readings${r.refused ? `, ${esc(r.refused)} refused` : ""}${r.problem ? ` — ${esc(r.problem)}` : ""}</p>`).join("") +
		sources.map((r) => `<p>${esc(r.name)}: ${r.ok ? "ok" : `<b>failing</b> ${esc(r.error)}`}</p>`).join("");
}

function chart(): void {
	const canvas = $("chart");
	const ctx = canvas.getContext("2d");
	if (ctx === null) return;
	const ratio = browser.devicePixelRatio || 1;
	const w = canvas.clientWidth || 340;
	const h = 160;
	canvas.width = w * ratio;
	canvas.height = h * ratio;
	ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
	ctx.clearRect(0, 0, w, h);
	if (points.length === 0) return;
	const t1 = points[points.length - 1].t;
	const t0 = t1 - CHART_HOURS * 3600_000;
	let top = 1000;
	for (const p of points) top = Math.max(top, p.gen, p.cons, p.charge);
	const x = (t: number) => ((t - t0) / (t1 - t0)) * (w - 4) + 2;
	const y = (v: number) => h - 14 - (Math.max(0, v) / top) * (h - 24);
	const line = (key: "gen" | "cons" | "charge", color: string) => {
		ctx.strokeStyle = color;
		ctx.lineWidth = 2;
		ctx.beginPath();
		points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.t), y(p[key])) : ctx.lineTo(x(p.t), y(p[key]))));
		ctx.stroke();
	};
	line("gen", "#e6a700");
	line("cons", "#888");
	line("charge", "#1a7f37");
	ctx.fillStyle = "#666";
	ctx.font = "11px sans-serif";
	ctx.fillText(`${(top / 1000).toFixed(1)} kW`, 4, 10);
	ctx.fillText(`${CHART_HOURS} h`, 4, h - 2);
}

async function loadTokens(): Promise<void> {
	const r = await call("GET", "/api/v1/auth/tokens");
	if (r.status !== 200) return;
	$("tokens").innerHTML = (r.data.tokens as Json[]).map((t) => `<p>${esc(t.name)} <button class="small" data-token="${esc(t.id)}">delete</button></p>`).join("") || "<p>No tokens.</p>";
	$("openReads").checked = auth.openReads;
	$("openTo").value = auth.openTo;
	$("openAddresses").value = (auth.openAddresses ?? []).join(", ");
}

function minutes(text: string): number {
	const [h, m] = text.split(":").map(Number);
	return h * 60 + m;
}

/** Every button and form of the page, by id or data attribute. */
function wire(): void {
	const submit = (id: string, handler: () => Promise<unknown>) =>
		$(id).addEventListener("submit", (event: Ev) => {
			event.preventDefault();
			void handler();
		});
	submit("setupForm", async () => {
		if ($("newPw").value !== $("newPw2").value) return say("the two passwords differ", true);
		if (await act("POST", "/api/v1/auth/password", { password: $("newPw").value }, "Password set.")) await start();
	});
	submit("loginForm", async () => {
		if (await act("POST", "/api/v1/auth/login", { password: $("pw").value }, "Logged in.")) {
			$("pw").value = "";
			await start();
		}
	});
	submit("cnForm", () => act("POST", "/api/chargeNow", { chargeNowRate: Number($("cnAmps").value), chargeNowDuration: Math.round(Number($("cnHours").value) * 3600) }, "Charge Now started."));
	submit("schForm", () => {
		const body: Json = { enabled: $("schAmps").value !== "", startingMinute: minutes($("schStart").value), endingMinute: minutes($("schEnd").value), amps: Number($("schAmps").value) };
		for (const d of DAYS) body[d] = $(`d-${d}`).checked;
		return act("POST", "/api/setScheduledChargingSettings", body, "Schedule saved.");
	});
	submit("nsForm", () => act("POST", "/api/v1/settings", { nonScheduledAction: Number($("nsAction").value), nonScheduledAmpsMax: Number($("nsAmps").value) }, "Saved."));
	submit("greenForm", () =>
		act("POST", "/api/v1/settings", { hourResumeTrackGreenEnergy: Number($("greenResume").value), spikeAmpsProactively: $("spikeP").checked, spikeAmpsReactively: $("spikeR").checked, chargeStopMode: Number($("stopMode").value) }, "Saved."),
	);
	submit("vinForm", () => act("POST", "/api/v1/vehicleGroups", { group: $("vinGroup").value, operation: "add", vin: $("vin").value.trim() }, "Car added to the group."));
	submit("accessForm", async () => {
		if (await act("POST", "/api/v1/auth/access", { openReads: $("openReads").checked, openTo: $("openTo").value, openAddresses: $("openAddresses").value }, "Access saved.")) await start();
	});
	submit("tokenForm", async () => {
		const r = await call("POST", "/api/v1/auth/tokens", { name: $("tokenName").value });
		if (r.status !== 201) return say(r.data.error ?? `error ${r.status}`, true);
		$("newToken").textContent = `Token for ${r.data.name} (shown only now): ${r.data.token}`;
		await loadTokens();
	});
	submit("pwForm", () => act("POST", "/api/v1/auth/password", { current: $("curPw").value, password: $("chPw").value }, "Password changed."));
	$("cnCancel").addEventListener("click", () => void act("POST", "/api/cancelChargeNow", {}, "Charge Now cancelled."));
	$("startAll").addEventListener("click", () => void act("POST", "/api/sendStartCommand", {}, "Start sent."));
	$("stopAll").addEventListener("click", () => void act("POST", "/api/sendStopCommand", {}, "Stop sent."));
	$("toLogin").addEventListener("click", () => {
		stream?.close();
		show("login");
	});
	$("logout").addEventListener("click", async () => {
		await call("POST", "/api/v1/auth/logout", {});
		stream?.close();
		await start();
	});
	doc.body.addEventListener("click", (event: Ev) => {
		const b = event.target.closest("button");
		if (b === null) return;
		const d = b.dataset;
		if (d.deny !== undefined) void act("POST", "/api/v1/vehicleGroups", { group: "Deny Charging", operation: "add", vin: d.deny }, `Car ${d.deny} may no longer charge.`);
		if (d.remove !== undefined) void act("POST", "/api/v1/vehicleGroups", { group: d.group, operation: "remove", vin: d.remove }, "Removed.");
		if (d.token !== undefined) void act("POST", "/api/v1/auth/tokens/delete", { id: d.token }, "Token deleted.").then(loadTokens);
	});
	$("actionHelp").textContent = Object.keys(ACTIONS).map((k) => `${k}: ${ACTIONS[k]}`).join(", ");
	browser.addEventListener("resize", chart);
	void state;
}

wire();
void start();
