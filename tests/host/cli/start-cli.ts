/** Starts `npm start` (host-sim/cli.ts) as a user would and waits for the web API's port it announces. */
import { spawn, type ChildProcess } from "node:child_process";

export interface StartedCli {
	child: ChildProcess;
	/** The HTTP port from the "web API on http://localhost:N/" line. */
	port: Promise<number>;
	/** Everything printed so far (stdout and stderr). */
	output(): string;
}

export function startCli(args: string[], teardown: (fn: () => void) => void, timeoutMs = 30_000): StartedCli {
	const child = spawn(process.execPath, ["--import=tsx", "host-sim/cli.ts", "--http-port", "0", "--log-level", "info", ...args], { stdio: ["ignore", "pipe", "pipe"] });
	teardown(() => child.kill("SIGTERM"));
	let output = "";
	const port = new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no port announced:\n${output}`)), timeoutMs);
		const read = (chunk: Buffer) => {
			output += chunk.toString();
			const match = /web API on http:\/\/localhost:(\d+)\//.exec(output);
			if (match) {
				clearTimeout(timer);
				resolve(Number(match[1]));
			}
		};
		child.stdout!.on("data", read);
		child.stderr!.on("data", read);
	});
	return { child, port, output: () => output };
}
