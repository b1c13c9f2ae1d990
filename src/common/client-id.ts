/**
 * The client ID this stack announces in Hello, in geth's `name/version/...` shape. The name
 * and version are kept here once; every default and every role's ID is built from them.
 */

/** First part of every client ID we announce. */
export const CLIENT_NAME = 'devp2p-ts';
/** The package version, as client IDs carry it (a test checks it against package.json). */
export const CLIENT_VERSION = 'v0.1.0';
/** Our client ID in Hello unless configured: name/version/runtime. */
export const DEFAULT_CLIENT_ID = `${CLIENT_NAME}/${CLIENT_VERSION}/node${process.versions.node}`;

/** The client ID of one role of this stack (e.g. `serve`): `devp2p-ts/v0.1.0/serve`. */
export function roleClientId(role: string): string {
  return `${CLIENT_NAME}/${CLIENT_VERSION}/${role}`;
}
