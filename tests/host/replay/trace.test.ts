import test from "ava";
import { formatTrace, parseTrace, traceCursor, traceDuration, traceValueAt, type TraceRow } from "../../../host-sim/replay/trace.js";

const good = `t_s,gen_w,cons_w
# a summer morning
0,0,350

10,120.5,380
# a comment between rows
20,1e3,400
`;

test("a good file: rows in order, comments and blank lines skipped, no errors", (t) => {
	const { rows, errors } = parseTrace(good, "day.csv");
	t.deepEqual(errors, []);
	t.deepEqual(rows, [
		{ t_s: 0, gen_w: 0, cons_w: 350 },
		{ t_s: 10, gen_w: 120.5, cons_w: 380 },
		{ t_s: 20, gen_w: 1000, cons_w: 400 },
	]);
});

test("CRLF line ends, a BOM, spaces around the header and the cells, and comments before the header", (t) => {
	const text = "\uFEFF# exported by a meter\r\n\r\n  t_s , gen_w ,cons_w  \r\n 0, 0 ,350\r\n10,120.5,380\r\n\r\n20,1e3,400\r\n";
	const { rows, errors } = parseTrace(text, "day.csv");
	t.deepEqual(errors, []);
	t.deepEqual(rows, parseTrace(good).rows);
});

test("each kind of bad row is named with the file and its line, and skipped; the good rows stay", (t) => {
	const text = [
		"t_s,gen_w,cons_w", // 1
		"0,100,300", // 2
		"10,abc,300", // 3
		"20,100", // 4
		"20,100,300,5", // 5
		"30,100,-5", // 6
		"40,-150,300", // 7
		"50,20000000,300", // 8
		"60,100,10000001", // 9
		"-5,100,300", // 10
		"70,100,300", // 11
		"70,100,300", // 12: not after line 11
		"65,100,300", // 13
		"80,,300", // 14
		"90,0x10,300", // 15
		"100,Infinity,300", // 16
		"110,-100,0", // 17: standby draw, fine
		"t_s,gen_w,cons_w", // 18
		"1e9,1,1", // 19
	].join("\n");
	const { rows, errors } = parseTrace(text, "trace.csv");
	t.deepEqual(
		rows.map((r) => r.t_s),
		[0, 70, 110],
	);
	const at = (line: number) => errors.find((e) => e.startsWith(`trace.csv line ${line}: `));
	t.regex(at(3) ?? "", /gen_w "abc" is not a number/);
	t.regex(at(4) ?? "", /2 columns, expected 3/);
	t.regex(at(5) ?? "", /4 columns, expected 3/);
	t.regex(at(6) ?? "", /cons_w -5 is negative/);
	t.regex(at(7) ?? "", /gen_w -150 is absurd/);
	t.regex(at(8) ?? "", /gen_w 20000000 is absurd/);
	t.regex(at(9) ?? "", /cons_w 10000001 is absurd/);
	t.regex(at(10) ?? "", /t_s -5 is negative/);
	t.regex(at(12) ?? "", /t_s 70 is not after 70 \(line 11\)/);
	t.regex(at(13) ?? "", /t_s 65 is not after 70 \(line 11\)/);
	t.regex(at(14) ?? "", /gen_w "" is not a number/);
	t.regex(at(15) ?? "", /gen_w "0x10" is not a number/);
	t.regex(at(16) ?? "", /gen_w "Infinity" is not a number/);
	t.regex(at(18) ?? "", /second header/);
	t.regex(at(19) ?? "", /t_s 1e9 is absurd/);
	t.is(errors.length, 15, errors.join("\n"));
	for (const line of [1, 2, 11, 17]) t.is(at(line), undefined);
});

test("several problems in one row make one error that names them all", (t) => {
	const { rows, errors } = parseTrace("t_s,gen_w,cons_w\n-1,x,-2\n", "a.csv");
	t.deepEqual(rows, []);
	t.is(errors.length, 1);
	t.regex(errors[0], /^a\.csv line 2: t_s -1 is negative; gen_w "x" is not a number; cons_w -2 is negative\b/);
});

test("a wrong or missing header is one error and no rows", (t) => {
	const wrong = parseTrace("time,gen,cons\n0,1,2\n", "x.csv");
	t.deepEqual(wrong.rows, []);
	t.is(wrong.errors.length, 1);
	t.regex(wrong.errors[0], /^x\.csv line 1: the header must be "t_s,gen_w,cons_w"/);
	const noHeader = parseTrace("0,1,2\n", "y.csv");
	t.deepEqual(noHeader.rows, []);
	t.regex(noHeader.errors[0], /^y\.csv line 1: the header/);
	const empty = parseTrace("# nothing\n\n", "z.csv");
	t.deepEqual(empty.rows, []);
	t.regex(empty.errors[0], /^z\.csv: empty/);
	t.regex(parseTrace("").errors[0], /^trace: /, "the default name");
});

const rows: TraceRow[] = [
	{ t_s: 5, gen_w: 100, cons_w: 10 },
	{ t_s: 15, gen_w: 200, cons_w: 20 },
	{ t_s: 17.5, gen_w: 300, cons_w: 30 },
];

test("a value holds until the next row; before the first row the first row's values hold", (t) => {
	t.deepEqual(traceValueAt(rows, 0), { gen_w: 100, cons_w: 10 });
	t.deepEqual(traceValueAt(rows, 5), { gen_w: 100, cons_w: 10 });
	t.deepEqual(traceValueAt(rows, 14.99), { gen_w: 100, cons_w: 10 });
	t.deepEqual(traceValueAt(rows, 15), { gen_w: 200, cons_w: 20 });
	t.deepEqual(traceValueAt(rows, 17), { gen_w: 200, cons_w: 20 });
	t.deepEqual(traceValueAt(rows, 18), { gen_w: 300, cons_w: 30 });
	t.deepEqual(traceValueAt(rows, 1e6), { gen_w: 300, cons_w: 30 });
	t.throws(() => traceValueAt([], 0), { instanceOf: RangeError });
});

test("the cursor gives what traceValueAt gives, forwards and backwards", (t) => {
	const at = traceCursor(rows);
	for (const time of [0, 1, 5, 6, 15, 16, 17.5, 30, 14, 2, 17.4, 100]) t.deepEqual(at(time), traceValueAt(rows, time), `t = ${time}`);
});

test("duration: the last row holds as long as the step before it; one row lasts 1 s; whole seconds", (t) => {
	t.is(traceDuration([]), 0);
	t.is(traceDuration([{ t_s: 0, gen_w: 0, cons_w: 0 }]), 1);
	t.is(traceDuration(rows), 20); // 17.5 + 2.5
	const tenSeconds = Array.from({ length: 8640 }, (_, i) => ({ t_s: i * 10, gen_w: 0, cons_w: 0 }));
	t.is(traceDuration(tenSeconds), 86_400);
	t.is(traceDuration([{ t_s: 0, gen_w: 0, cons_w: 0 }, { t_s: 0.4, gen_w: 0, cons_w: 0 }]), 1, "0.8 rounds up");
});

test("formatTrace writes a CSV that parseTrace reads back exactly", (t) => {
	const text = formatTrace(rows);
	t.true(text.startsWith("t_s,gen_w,cons_w\n"));
	t.is(text.split("\n").length, rows.length + 2);
	t.deepEqual(parseTrace(text), { rows, errors: [] });
});
