// Property tests draw new inputs on every run, which is how they find bugs. CI sets FC_SEED so that a run can be
// reproduced exactly (and a failure re-run with the same seed); unset it locally to explore new inputs.
import fc from "fast-check";

const seed = process.env.FC_SEED;
if (seed !== undefined && seed !== "") {
  const value = Number(seed);
  if (!Number.isSafeInteger(value)) throw new Error(`FC_SEED must be an integer, got \`${seed}\``);
  fc.configureGlobal({ seed: value });
}
