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
import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

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
  return createServer(
    { IncomingMessage: AppRequest as unknown as typeof IncomingMessage, ServerResponse: AppResponse as unknown as typeof ServerResponse },
    app,
  );
}

