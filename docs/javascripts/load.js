// Loading the data a page's interactive part needs (the files the build writes), and saying on the page what
// failed when it cannot: which file, why, and what to do. The rest of the page keeps working.
import { element } from "./explorer-view.js";

export const REBUILD = "Rebuild the site with `make site` (or serve the site folder the build wrote).";

/** A file the page needs could not be loaded or is not what the build writes: the message says which and why. */
export class LoadError extends Error {}

async function fetched(url) {
  let response;
  try {
    response = await fetch(url);
  } catch {
    throw new LoadError(`Could not load ${url}: the browser refused or lost the request. ${REBUILD}`);
  }
  if (!response.ok) throw new LoadError(`Could not load ${url} (HTTP ${response.status}). ${REBUILD}`);
  return response;
}

/** Return a JSON file's data, after `check(data)` (which throws an Error saying what is wrong) accepts it. */
export async function fetchJson(url, check = () => {}) {
  const text = await (await fetched(url)).text();
  try {
    const data = JSON.parse(text);
    check(data);
    return data;
  } catch (problem) {
    throw new LoadError(`${url} is not the file the build writes (${problem.message}). ${REBUILD}`);
  }
}

/** Return a binary file's bytes. */
export async function fetchBytes(url) {
  return (await fetched(url)).arrayBuffer();
}

/** Throw an Error naming the first of `keys` that `data` does not have. */
export function requireKeys(data, keys) {
  const missing = keys.filter((key) => data === null || typeof data !== "object" || !(key in data));
  if (missing.length) throw new Error(`it has no ${missing.join(", ")}`);
}

/** Show, in place of the part `root` would hold, why it could not start (what is between backticks as code). */
export function showFailure(root, problem) {
  const parts = problem.message.split("`").map((text, k) => (k % 2 ? element("code", { text }) : text));
  root.replaceChildren(element("p", { class: "convlab-failure", role: "alert", "data-testid": "load-error" }, parts));
}
