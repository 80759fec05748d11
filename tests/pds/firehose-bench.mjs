// The reference TypeScript path over the same recorded firehose as the Rust benchmark
// (bench/firehose.sh runs both): each frame read by @atproto/xrpc-server's Frame, each commit
// by @atproto/sync's parseCommitAuthenticated (CAR slice, CIDs, MST proofs, signature, with the
// keys given up front instead of resolved), each record validated by @atproto/lexicon.
//
//   node firehose-bench.mjs FRAMES KEYS.json LEXICON_DIR [RUNS]
//
// Prints one JSON line: frames, commits, records, the best run's seconds and records per second.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Lexicons } from '@atproto/lexicon'
import { parseCommitAuthenticated } from '@atproto/sync'
import { Frame } from '@atproto/xrpc-server'

const [framesPath, keysPath, lexiconDir, runsArg] = process.argv.slice(2)
const runs = Number(runsArg ?? 5)
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
const lex = new Lexicons(files(lexiconDir).map((f) => JSON.parse(readFileSync(f, 'utf8'))))

let best = Infinity
let commits = 0
let records = 0
for (let run = 0; run < runs; run++) {
  commits = 0
  records = 0
  const start = performance.now()
  for (const frame of frames) {
    const parsed = Frame.fromBytes(frame)
    if (!parsed.isMessage() || parsed.type !== '#commit') continue
    if (!keys[parsed.body.repo]) continue
    const events = await parseCommitAuthenticated(idResolver, parsed.body, null)
    commits++
    for (const evt of events) {
      if (evt.event === 'create' || evt.event === 'update') {
        lex.assertValidRecord(evt.collection, evt.record)
        records++
      }
    }
  }
  best = Math.min(best, (performance.now() - start) / 1000)
}
console.log(
  JSON.stringify({ impl: 'typescript', frames: frames.length, commits, records, seconds: best, records_per_second: Math.round(records / best) }),
)
