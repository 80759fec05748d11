// A TypeScript indexer doing the work lexicon-index does, over the same recorded firehose, for
// the side-by-side benchmark (bench/index.sh): each frame read by @atproto/xrpc-server's Frame,
// each commit by @atproto/sync's parseCommitAuthenticated (CAR slice, CIDs, MST proofs,
// signature, with the keys given up front), each record validated by @atproto/lexicon and
// written to a table of its collection (URI, DID, key, CID, revision, time, the record as JSON,
// valid, violations, the model as a typed column), its strongRef edges replaced, the
// repository's revision checked and stored, and the cursor written in the same transaction,
// BATCH events a transaction: into SQLite with better-sqlite3, or into Postgres with pg.
//
//   node index-bench.mjs FRAMES KEYS.json LEXICON_DIR sqlite:PATH|postgres://... [BATCH] [RUNS]
//
// Prints one JSON line: records, the best run's seconds and records per second.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Lexicons } from '@atproto/lexicon'
import { parseCommitAuthenticated } from '@atproto/sync'
import { Frame } from '@atproto/xrpc-server'
import Database from 'better-sqlite3'
import pg from 'pg'

const [framesPath, keysPath, lexiconDir, target, batchArg, runsArg] = process.argv.slice(2)
const batchSize = Number(batchArg ?? 1000)
const runs = Number(runsArg ?? 3)
const bytes = readFileSync(framesPath)
const frames = []
for (let at = 0; at < bytes.length; ) {
  const len = bytes.readUInt32LE(at)
  frames.push(bytes.subarray(at + 4, at + 4 + len))
  at += 4 + len
}
const keys = JSON.parse(readFileSync(keysPath, 'utf8'))
const idResolver = { did: { resolveAtprotoKey: async (did) => keys[did] } }
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.json') ? [path] : []
  })
const docs = files(lexiconDir).map((f) => JSON.parse(readFileSync(f, 'utf8')))
const lex = new Lexicons(docs)
const collections = docs.filter((d) => d.defs?.main?.type === 'record').map((d) => d.id)
const table = (nsid) => 'records_' + nsid.replace(/[^a-zA-Z0-9]/g, '_')

// The strongRefs of a record with their JSON paths, as lexicon-index finds them.
function strongRefs(value, path = '$', found = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => strongRefs(v, `${path}[${i}]`, found))
  } else if (value && typeof value === 'object') {
    const keysOf = Object.keys(value)
    if (
      typeof value.uri === 'string' &&
      typeof value.cid === 'string' &&
      keysOf.every((k) => k === 'uri' || k === 'cid' || k === '$type') &&
      value.uri.startsWith('at://')
    ) {
      found.push([path, value.uri, value.cid])
      return found
    }
    for (const k of keysOf) strongRefs(value[k], `${path}.${k}`, found)
  }
  return found
}

// The record as atproto JSON (CIDs as {$link}, bytes as {$bytes}), as stored.
function json(value) {
  return JSON.stringify(value, (_, v) => {
    if (v && typeof v === 'object' && v.asCID === v) return { $link: v.toString() }
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64').replace(/=+$/, '') }
    return v
  })
}

function ddl(dialect) {
  const [int, bool, jsonType] = dialect === 'pg' ? ['BIGINT', 'BOOLEAN', 'JSONB'] : ['INTEGER', 'INTEGER', 'TEXT']
  const out = [
    `CREATE TABLE cursors (stream TEXT PRIMARY KEY, seq ${int} NOT NULL)`,
    `CREATE TABLE repos (did TEXT PRIMARY KEY, rev TEXT NOT NULL, data TEXT)`,
    `CREATE TABLE edges (source TEXT NOT NULL, path TEXT NOT NULL, target TEXT NOT NULL, target_cid TEXT NOT NULL, PRIMARY KEY (source, path))`,
    `CREATE INDEX edges_target ON edges (target)`,
  ]
  for (const c of collections) {
    const t = table(c)
    out.push(
      `CREATE TABLE ${t} (uri TEXT PRIMARY KEY, did TEXT NOT NULL, rkey TEXT NOT NULL, cid TEXT NOT NULL, rev TEXT NOT NULL, indexed_at ${int} NOT NULL, record ${jsonType} NOT NULL, valid ${bool} NOT NULL, violations ${jsonType}, p_model TEXT)`,
      `CREATE INDEX ${t}_did ON ${t} (did, uri)`,
      `CREATE INDEX ${t}_model ON ${t} (p_model, uri)`,
    )
  }
  return out
}

async function run(target) {
  const isPg = target.startsWith('postgres')
  let db, client
  if (isPg) {
    client = new pg.Client({ connectionString: target })
    await client.connect()
    await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
    for (const s of ddl('pg')) await client.query(s)
  } else {
    const path = target.slice('sqlite:'.length)
    rmSync(path, { force: true })
    rmSync(path + '-wal', { force: true })
    rmSync(path + '-shm', { force: true })
    db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    for (const s of ddl('sqlite')) db.exec(s)
  }
    const q = (sql) => (isPg ? sql.replace(/\?/g, (() => { let n = 0; return () => `$${++n}` })()) : sql)
  const sql = {
    rev: q('SELECT rev FROM repos WHERE did = ?'),
    setRev: q('INSERT INTO repos (did, rev, data) VALUES (?, ?, ?) ON CONFLICT (did) DO UPDATE SET rev = excluded.rev, data = excluded.data'),
    delEdges: q('DELETE FROM edges WHERE source = ?'),
    edge: q('INSERT INTO edges (source, path, target, target_cid) VALUES (?, ?, ?, ?) ON CONFLICT (source, path) DO UPDATE SET target = excluded.target, target_cid = excluded.target_cid'),
    cursor: q('INSERT INTO cursors (stream, seq) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq'),
  }
  const upsert = (t) =>
    q(`INSERT INTO ${t} (uri, did, rkey, cid, rev, indexed_at, record, valid, violations, p_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO UPDATE SET did = excluded.did, rkey = excluded.rkey, cid = excluded.cid, rev = excluded.rev, indexed_at = excluded.indexed_at, record = excluded.record, valid = excluded.valid, violations = excluded.violations, p_model = excluded.p_model`)
  const del = (t) => q(`DELETE FROM ${t} WHERE uri = ?`)
  let exec, one, begin, commit
  if (isPg) {
    exec = (s, params) => client.query(s, params)
    one = async (s, params) => (await client.query(s, params)).rows[0]
    begin = () => client.query('BEGIN')
    commit = () => client.query('COMMIT')
  } else {
    const cache = new Map()
    const prep = (s) => cache.get(s) ?? cache.set(s, db.prepare(s)).get(s)
    exec = (s, params) => prep(s).run(params.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)))
    one = (s, params) => prep(s).get(params)
    begin = () => db.exec('BEGIN')
    commit = () => db.exec('COMMIT')
  }

  let records = 0
  let events = 0
  let seq = 0
  const start = performance.now()
  await begin()
  for (const frame of frames) {
    const parsed = Frame.fromBytes(frame)
    if (!parsed.isMessage()) continue
    if (parsed.type === '#commit' && keys[parsed.body.repo]) {
      const body = parsed.body
      const ops = await parseCommitAuthenticated(idResolver, body, null)
      const stored = await one(sql.rev, [body.repo])
      if (!stored || body.rev > stored.rev) {
        await exec(sql.setRev, [body.repo, body.rev, null])
        for (const evt of ops) {
          if (!collections.includes(evt.collection)) continue
          const t = table(evt.collection)
          const uri = `at://${body.repo}/${evt.collection}/${evt.rkey}`
          await exec(sql.delEdges, [uri])
          if (evt.event === 'delete') {
            await exec(del(t), [uri])
            continue
          }
          let violations = null
          try {
            lex.assertValidRecord(evt.collection, evt.record)
          } catch (e) {
            violations = JSON.stringify([e.message])
          }
          const text = json(evt.record)
          const model = typeof evt.record.model === 'string' ? evt.record.model : null
          await exec(upsert(t), [uri, body.repo, evt.rkey, evt.cid.toString(), body.rev, Date.now(), text, violations === null, violations, model])
          for (const [path, target, cid] of strongRefs(JSON.parse(text))) {
            await exec(sql.edge, [uri, path, target, cid])
          }
          records++
        }
      }
    }
    if (typeof parsed.body?.seq === 'number') seq = parsed.body.seq
    events++
    if (events % batchSize === 0) {
      await exec(sql.cursor, ['bench', seq])
      await commit()
      await begin()
    }
  }
  await exec(sql.cursor, ['bench', seq])
  await commit()
  const seconds = (performance.now() - start) / 1000
  if (isPg) await client.end()
  else db.close()
  return { records, seconds }
}

let best = Infinity
let records = 0
for (let r = 0; r < runs; r++) {
  const result = await run(target)
  records = result.records
  best = Math.min(best, result.seconds)
}
console.log(
  JSON.stringify({ impl: 'typescript', backend: target.startsWith('postgres') ? 'postgres' : 'sqlite', batch: batchSize, frames: frames.length, records, seconds: best, records_per_second: Math.round(records / best) }),
)
