/**
 * The one registry the routes and the CapabilityStatement are both built from: the server can never
 * advertise an interaction it does not serve, nor serve one it does not advertise.
 */
import type { Handler, HttpMethod } from './types';

export type InteractionCode =
  | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type' | 'create' | 'search-type'
  | 'transaction' | 'batch' | 'history-system' | 'search-system' | 'capabilities';

export interface Route {
  method: HttpMethod;
  /** Segments: literal, `:type`, `:id`, `:vid`, `$op`. */
  pattern: string;
  interaction: InteractionCode | InteractionCode[];
  /** Distinguishes PUT/DELETE [type] (conditional) and plain interactions. */
  conditional?: boolean;
  handler: Handler;
}

export interface OperationDef {
  /** Without the `$`: the name in the URL. */
  name: string;
  /**
   * The name the CapabilityStatement declares it under, when it differs from the URL name (Bulk Data:
   * `$export` on Patient and Group is declared as `patient-export` and `group-export`).
   */
  capabilityName?: string;
  /** Canonical URL of its OperationDefinition. */
  definition: string;
  system?: boolean;
  type?: boolean;
  instance?: boolean;
  /** Resource types it applies to; '*' for every type. */
  resourceTypes: string[] | '*';
  methods: HttpMethod[];
  /** It changes the resource it is called on: not offered (nor advertised) on the types served read-only. */
  writes?: boolean;
  /** The OperationDefinition resource, served at /OperationDefinition/[id] when it is ours. */
  resource?: { resourceType: 'OperationDefinition'; id?: string };
  handler: Handler;
}

const routes: Route[] = [];
const operations: OperationDef[] = [];

export function defineRoute(route: Route): void {
  routes.push(route);
}

export function defineOperation(op: OperationDef): void {
  if (operations.includes(op)) return;
  operations.push(op);
}

export const registeredRoutes = (): readonly Route[] => routes;
export const registeredOperations = (): readonly OperationDef[] => operations;

export function operationsFor(level: 'system' | 'type' | 'instance', type?: string): OperationDef[] {
  return operations.filter((o) => o[level] && (level === 'system' || o.resourceTypes === '*' || (type !== undefined && o.resourceTypes.includes(type))));
}

/** The name an operation is declared under in the CapabilityStatement. */
export const declaredName = (o: Pick<OperationDef, 'name' | 'capabilityName'>): string => o.capabilityName ?? o.name;

/** A Subscription channel the server delivers over (src/subscriptions registers its own). */
export interface SubscriptionChannelDef {
  type: 'rest-hook' | 'websocket' | 'email' | 'sms' | 'message';
  /** channel.payload values accepted; a channel without payload (an empty notification) is always accepted. */
  payloads: string[];
  /** One line for the CapabilityStatement. */
  description: string;
}

const channels: SubscriptionChannelDef[] = [];

export function defineSubscriptionChannel(channel: SubscriptionChannelDef): void {
  if (!channels.some((c) => c.type === channel.type)) channels.push(channel);
}

export const registeredSubscriptionChannels = (): readonly SubscriptionChannelDef[] => channels;
