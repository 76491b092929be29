/**
 * msal-node's classes and enums, loaded from its CommonJS build. Import them from here, not from '@azure/msal-node'
 * (types still come from the package with `import type`).
 *
 * Why: msal-node's ES build imports node:http for its loopback client (interactive logins, which the controller never
 * runs), and an ES import of node:http builds that module's namespace from every export; the WebSocket, MessageEvent
 * and CloseEvent getters among them load Node's bundled undici (fetch, WebSocket): measured, 10-16 MiB more RSS in a
 * process that loads msal-node. The CommonJS build requires node:http, which reads no getter. Same library, same
 * version: only the module format differs. Gotcha: the Graph client still loads Node's undici at its first request
 * (it looks for global fetch, and its middleware contract is fetch's Headers and Response), so today this spares only
 * processes that load pkg/graph without calling Graph (a daemon with no TeamsTenant, --help, tools).
 */
import { createRequire } from 'node:module';
import type * as MsalNode from '@azure/msal-node';

const msal = createRequire(import.meta.url)('@azure/msal-node') as typeof MsalNode;

/** msal-node's app for a service principal (client credentials). */
export const ConfidentialClientApplication = msal.ConfidentialClientApplication;
/** An instance of {@link ConfidentialClientApplication}. */
export type ConfidentialClientApplication = MsalNode.ConfidentialClientApplication;
/** msal-node's app for a signed-in user (device code, refresh tokens). */
export const PublicClientApplication = msal.PublicClientApplication;
/** An instance of {@link PublicClientApplication}. */
export type PublicClientApplication = MsalNode.PublicClientApplication;
/** msal's log levels (an enum: the value and its type). */
export const LogLevel = msal.LogLevel;
/** One of {@link LogLevel}'s values. */
export type LogLevel = MsalNode.LogLevel;
