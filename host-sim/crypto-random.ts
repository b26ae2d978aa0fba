/** The core's Random on Node's CSPRNG: session ids, tokens and salts must not be guessable (the simulation's is seeded). */
import { randomInt } from "node:crypto";
import type { Random } from "../src/platform/random.js";

export const cryptoRandom: Random = { next: () => randomInt(0, 2 ** 48) / 2 ** 48 };
