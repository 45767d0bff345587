/**
 * Who is writing, for the subscription write hooks: the client (set by ScopedRepository around its
 * writes when AUTH is on) or the server itself (the delivery worker recording a status change).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthContext } from '../fhir/types';

export interface Writer {
  auth?: AuthContext;
  /** The server's own write (a status change): neither validated as a client's nor re-owned. */
  system?: boolean;
}

export const writerContext = new AsyncLocalStorage<Writer>();

export const currentWriter = (): Writer => writerContext.getStore() ?? {};
