/** Before measuring: calibrate the mock's 1 KiB answer and check one request per workload through (a) and (b). */
import { counters, log } from './run-state.js';
import type { Stack } from './run-types.js';
import { CHAT_PATH, REQUEST_1K_BYTES, RESPONSE_1K_BYTES, chatBody, textOfBytes } from './workloads.js';
import type { Workload } from './workloads.js';

function countEvents(text: string): number {
  return text.split('\n\n').length - 1;
}

/** The x-mock-text length that makes the mock's non-streaming answer RESPONSE_1K_BYTES long. */
export async function calibrateResponseText(mockPort: number): Promise<string> {
  const body = chatBody(REQUEST_1K_BYTES);
  const size = async (text: string): Promise<number> => {
    const r = await fetch(`http://127.0.0.1:${mockPort}${CHAT_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-text': text },
      body,
    });
    return Buffer.byteLength(await r.text());
  };
  const probe = 400;
  const s0 = await size(textOfBytes(probe));
  const text = textOfBytes(Math.max(1, probe + RESPONSE_1K_BYTES - s0));
  const s1 = await size(text);
  log(`calibrated x-mock-text to ${text.length} bytes: the JSON answer is ${s1} bytes`);
  return text;
}

/** One request per workload through (a) and (b); checks status, sizes, SSE events and the ext_proc metadata. */
export async function verify(stack: Stack, wls: Workload[]): Promise<string[]> {
  const lines: string[] = [];
  for (const config of ['a', 'b'] as const) {
    const e = stack.envoy[config];
    const before = config === 'b' ? e.accessLogEntries().length : 0;
    for (const wl of wls) {
      const r = await fetch(`${e.url}${wl.path}`, { method: 'POST', headers: wl.headers, body: wl.body });
      const text = await r.text();
      const events = countEvents(text);
      const line =
        `${config} ${wl.name}: HTTP ${r.status}, request ${wl.body.length} B, response ${Buffer.byteLength(text)} B` +
        (wl.expectedEvents !== undefined ? `, ${events} SSE events (want ${wl.expectedEvents})` : '');
      lines.push(line);
      log(`verify ${line}`);
      if (r.status !== 200) throw new Error(`verification failed: ${line}\n${text.slice(0, 500)}`);
      if (wl.expectedEvents !== undefined && events !== wl.expectedEvents)
        throw new Error(`verification failed: ${line}`);
      if (config === 'b') counters.bRequests++;
    }
    if (config === 'b') {
      const entries = (await e.waitForAccessLog(before + wls.length, 10_000)).slice(before);
      for (const entry of entries) {
        const fields = ['prompt_tokens', 'completion_tokens', 'rate_limited_tokens'] as const;
        const desc = fields.map((k) => `${k}=${String(entry[k])}`).join(' ');
        lines.push(`b access log: ${desc} streaming=${String(entry['streaming'])}`);
        if (fields.some((k) => typeof entry[k] !== 'number'))
          throw new Error(`ext_proc did not set the token metadata in (b): ${JSON.stringify(entry)}`);
      }
      log('verify (b) access log carries the ai.kgateway.io token metadata: the ext_proc path is active');
    }
  }
  return lines;
}
