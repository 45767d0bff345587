/**
 * An HTTP server for an Express app whose requests and responses are born with the app's prototypes.
 *
 * Express gives every request and response its own methods by changing their prototype
 * (`Object.setPrototypeOf(req, app.request)`) as each request comes in. V8 handles that change badly
 * for garbage collection: measured here at 500 requests a second, a bare Express app kept about 2.9 MB
 * of each young generation alive into the next collection (a bare `node:http` server kept 5-50 KB),
 * and young collections paused 9-11 ms instead of under 1. Built as instances of the app's prototypes
 * to begin with, the change Express makes is to the prototype they already have, which the language
 * defines as doing nothing: the objects and their methods are the same, the collector's work is not.
 */
import { IncomingMessage, ServerResponse, createServer, maxHeaderSize, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { issue, operationOutcome } from '../outcomes';

export interface ExpressLike {
  (req: IncomingMessage, res: ServerResponse): void;
  request: object;
  response: object;
}

/** `http.createServer(app)`, with requests and responses constructed on `app.request` and `app.response`. */
export function createAppServer(app: ExpressLike): Server {
  // Constructors Node calls with `new`: `new` makes the object on the app's prototype, and Node's own
  // constructors, written to be called on an existing object (as Node's subclasses do), fill it in.
  // (Reflect.construct with a new.target does the same but measured 24 µs a call against 0.5-2 µs.)
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    (IncomingMessage as unknown as (this: IncomingMessage, socket: Socket) => void).call(this, socket);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, req: IncomingMessage, options?: object): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  AppResponse.prototype = app.response;
  const server = createServer(
    { IncomingMessage: AppRequest as unknown as typeof IncomingMessage, ServerResponse: AppResponse as unknown as typeof ServerResponse },
    app,
  );
  server.on('clientError', answerClientError);
  return server;
}

/** What Node's parser refused before there was a request (status, reason phrase, what to tell the client). */
function clientErrorOf(code: string | undefined): [number, string, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large', `The request line and headers are larger than the ${maxHeaderSize} bytes this server reads; shorten the URL (POST [type]/_search takes search parameters in the body) or the headers`];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Payload Too Large', 'The chunk extensions of the request body are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request Timeout', 'The request was not received in time'];
    default:
      return [400, 'Bad Request', 'The request is not well-formed HTTP'];
  }
}

/**
 * Node answers requests its parser refuses (a URL or headers over maxHeaderSize, broken HTTP) with a
 * bare status line and no body. Every answer of this server is an OperationOutcome, these included;
 * there is no request object yet, so the response is written to the socket directly.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // As Node itself does: answer only when no response is under way on this socket (keep-alive
  // connections carry earlier, finished ones).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, text] = clientErrorOf(err.code);
  const body = JSON.stringify(operationOutcome([issue('error', status === 431 || status === 413 ? 'too-costly' : 'structure', text)]));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

