// Writes tests/data/jetstream/events.jsonl: Jetstream events whose record CIDs the reference
// computes (@atproto/repo's cidForRecord), for the Jetstream reader's tests. Lines: a valid job
// created and updated, an invalid job (maxTokensOut -1) with its true CID, a job whose CID is
// another record's, a delete, and the like, identity and account events of Jetstream's README
// (github.com/bluesky-social/jetstream), verbatim.
//
//   node jetstream-fixtures.mjs > ../data/jetstream/events.jsonl
import { cidForRecord } from '@atproto/repo'

const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const job = (maxTokensOut, nonce) => ({
  $type: 'dev.cocore.compute.job',
  model: 'llama-3.1-8b-instruct',
  inputCommitment: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  maxTokensOut,
  priceCeiling: { amount: 25, currency: 'USD' },
  acceptedTrustLevel: 'hardware-attested',
  paymentAuthorization: {
    uri: `at://${did}/dev.cocore.compute.paymentAuthorization/3lbq5mkxk2s2a`,
    cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
  },
  nonce,
  expiresAt: '2031-01-01T00:00:00.000Z',
  createdAt: '2026-11-28T05:00:00.000Z',
})
const commit = async (time_us, operation, rkey, record, cidOf = record) => ({
  did,
  time_us,
  kind: 'commit',
  commit: {
    rev: '3lbq5mkxk2s2z',
    operation,
    collection: 'dev.cocore.compute.job',
    rkey,
    ...(record ? { record, cid: (await cidForRecord(cidOf)).toString() } : {}),
  },
})
const lines = [
  await commit(1725911162329301, 'create', '3lbq5mkxk2s2a', job(512, '00112233445566778899aabbccddeeff')),
  await commit(1725911162329302, 'update', '3lbq5mkxk2s2a', job(1024, '00112233445566778899aabbccddeeff')),
  await commit(1725911162329303, 'create', '3lbq5mkxk2s2b', job(-1, '00112233445566778899aabbccddee00')),
  await commit(1725911162329304, 'create', '3lbq5mkxk2s2c', job(512, '00112233445566778899aabbccddee11'), job(513, 'other')),
  await commit(1725911162329305, 'delete', '3lbq5mkxk2s2a', null),
  {"did":"did:plc:eygmaihciaxprqvxpfvl6flk","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.like","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.like","createdAt":"2024-09-09T19:46:02.102Z","subject":{"cid":"bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4","uri":"at://did:plc:wa7b35aakoll7hugkrjtf3xf/app.bsky.feed.post/3l3pte3p2e325"}},"cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"}},
  {"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","time_us":1725516665234703,"kind":"identity","identity":{"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","handle":"yohenrique.bsky.social","seq":1409752997,"time":"2024-09-05T06:11:04.870Z"}},
  {"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","time_us":1725516665333808,"kind":"account","account":{"active":true,"did":"did:plc:ufbl4k27gp6kzas5glhz7fim","seq":1409753013,"time":"2024-09-05T06:11:04.870Z"}},
]
for (const line of lines) process.stdout.write(JSON.stringify(line) + '\n')
