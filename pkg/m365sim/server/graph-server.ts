/** The Graph listener: reads the HTTP request, runs the pipeline, writes Graph's headers and body. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { graphError, withInnerError, type GraphResponse } from '../errors.ts';
import type { SimContext } from '../sim-context.ts';
import { dispatch } from './graph-pipeline.ts';
import { headerMap, parseJsonBody, readBody, send } from './http-util.ts';

const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Handles one Graph-host request end to end. */
export async function handleGraph(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.graphUrl);
  const headers = headerMap(req);
  const requestId = randomUUID();
  const clientRequestId = headers['client-request-id'] ?? requestId;
  let result: GraphResponse;
  try {
    const raw = await readBody(req);
    const body = parseBody(raw, headers['content-type']);
    result = await dispatch(ctx, {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      inBatch: false,
      requestId,
      connection: String(req.socket.remotePort ?? ''),
    });
  } catch (e) {
    const tooLarge = e instanceof Error && e.message === 'too large';
    result = tooLarge
      ? graphError(413, 'RequestEntityTooLarge', 'The request body is too large.')
      : graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    withInnerError(result, requestId, clientRequestId, Date.now());
  }
  if (result.drop === true) {
    // The fault "applied, then the connection dropped": no status line reaches the client.
    req.socket.destroy();
    return;
  }
  const out: Record<string, string> = {
    'request-id': requestId,
    'client-request-id': clientRequestId,
    'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'Simulator', Slice: 'E', Ring: '1', ScaleUnit: '000', RoleInstance: 'm365sim' } }),
    'Cache-Control': 'no-cache',
    ...result.headers,
  };
  if (result.body !== undefined) {
    const json = JSON.stringify(result.body);
    ctx.log.addResponseBytes(Buffer.byteLength(json));
    send(res, result.status, { 'Content-Type': ODATA_JSON, ...out }, json);
  } else if (result.text !== undefined) send(res, result.status, { 'Content-Type': 'text/plain', ...out }, result.text);
  else send(res, result.status, out);
}

/** JSON bodies are parsed; an unparsable JSON body throws (→ 400); other content types are passed as text. */
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if ((contentType ?? 'application/json').toLowerCase().includes('json')) return parseJsonBody(raw);
  return raw.toString('utf8');
}
