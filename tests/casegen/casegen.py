#!/usr/bin/env python3
"""Makes validation cases from a folder of lexicons: for every record type and object def, valid
values and one mutation per constraint (each violating one rule once), as JSONL for the
reference tools (`reflex`/`refval`) and for the Rust conformance tests.

    python3 tests/casegen/casegen.py LEXICON_DIR > CASES.jsonl

Output is deterministic. See tests/casegen/README.md for getting the strict verdicts.
"""
import copy
import json
import os
import sys

FORMAT_VALID = {
    "did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
    "handle": "alice.example.com",
    "at-identifier": "alice.example.com",
    "nsid": "app.bsky.feed.post",
    "at-uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l4m5n6o7p2qa",
    "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq",
    "datetime": "2026-11-24T12:00:00.000Z",
    "language": "en",
    "tid": "3l4m5n6o7p2qa",
    "record-key": "self",
    "uri": "https://example.com/x",
}
FORMAT_INVALID = {
    "did": "alice.example.com",
    "handle": "-alice-.example",
    "at-identifier": "@alice",
    "nsid": "not an nsid",
    "at-uri": "https://example.com/x",
    "cid": "not-a-cid",
    "datetime": "2026-11-24T12:00:00",
    "language": "EN_us",
    "tid": "3L4M5N6O7P2QA",
    "record-key": "a/b",
    "uri": "not a uri",
}
RAW_CID = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
LINK_CID = "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"
RKEYS = {"tid": "3l4m5n6o7p2qa", "nsid": "app.bsky.feed.post", "any": "abc-123"}


def load(folder):
    docs = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".json"):
                with open(os.path.join(root, name)) as f:
                    doc = json.load(f)
                docs[doc["id"]] = doc
    return docs


class Gen:
    def __init__(self, docs):
        self.docs = docs

    def resolve(self, nsid, ref):
        if ref.startswith("#"):
            return nsid, ref[1:]
        if "#" in ref:
            n, d = ref.split("#", 1)
            return n, d
        return ref, "main"

    def def_of(self, nsid, name):
        return self.docs[nsid]["defs"][name]

    def type_id(self, nsid, name):
        return nsid if name == "main" else f"{nsid}#{name}"

    # -- valid values -------------------------------------------------------------------
    def value(self, nsid, schema, depth, full):
        t = schema["type"]
        if t == "string":
            return self.string(schema)
        if t == "integer":
            if "const" in schema:
                return schema["const"]
            if "enum" in schema:
                return schema["enum"][0]
            lo, hi = schema.get("minimum"), schema.get("maximum")
            v = schema.get("default", 1)
            if lo is not None and v < lo:
                v = lo
            if hi is not None and v > hi:
                v = hi
            return v
        if t == "boolean":
            return schema.get("const", True)
        if t == "bytes":
            n = max(schema.get("minLength", 0), 1)
            n = min(n, schema.get("maxLength", n))
            import base64
            return {"$bytes": base64.b64encode(bytes(range(n))).decode().rstrip("=")}
        if t == "cid-link":
            return {"$link": LINK_CID}
        if t == "blob":
            accept = schema.get("accept", ["image/png"])
            mime = accept[0].replace("*/*", "application/octet-stream").replace("/*", "/png")
            size = min(1000, schema.get("maxSize", 1000))
            return {"$type": "blob", "ref": {"$link": RAW_CID}, "mimeType": mime, "size": size}
        if t == "unknown":
            return {"note": "anything", "n": 1}
        if t == "array":
            n = max(schema.get("minLength", 0), 1 if full else 0)
            n = min(n, schema.get("maxLength", n))
            return [self.value(nsid, schema["items"], depth + 1, full) for _ in range(n)]
        if t == "object":
            return self.obj(nsid, schema, depth, full)
        if t == "ref":
            n, d = self.resolve(nsid, schema["ref"])
            target = self.def_of(n, d)
            if target["type"] == "record":
                v = self.obj(n, target["record"], depth + 1, full)
                v["$type"] = n
                return v
            return self.value(n, target, depth + 1, full)
        if t == "union":
            for r in schema["refs"]:
                n, d = self.resolve(nsid, r)
                target = self.def_of(n, d)
                if target["type"] == "object":
                    v = self.obj(n, target, depth + 1, full)
                    v["$type"] = self.type_id(n, d)
                    return v
            return {"$type": "com.example.unlisted#thing"}
        if t == "token":
            return None
        raise ValueError(t)

    def string(self, s):
        if "const" in s:
            return s["const"]
        if "enum" in s:
            return s["enum"][0]
        if s.get("knownValues"):
            v = s["knownValues"][0]
        elif "format" in s:
            v = FORMAT_VALID[s["format"]]
        else:
            v = "hello"
        lo = max(s.get("minLength", 0), s.get("minGraphemes", 0))
        if len(v) < lo:
            v = v + "a" * (lo - len(v))
        hi = min(s.get("maxLength", 10**9), s.get("maxGraphemes", 10**9))
        if len(v.encode()) > hi and "format" not in s:
            v = v[:hi]
        return v

    def obj(self, nsid, schema, depth, full):
        out = {}
        required = schema.get("required", [])
        for k, p in schema.get("properties", {}).items():
            if k in required or (full and depth < 2):
                v = self.value(nsid, p, depth + 1, full and depth < 2)
                if v is not None:
                    out[k] = v
        return out

    # -- mutations ----------------------------------------------------------------------
    def mutations(self, nsid, schema, value, path, depth, limit=4):
        """Yields (path, new value or DELETE, note) for each constraint of `schema` at `value`."""
        t = schema["type"]
        if t == "ref":
            n, d = self.resolve(nsid, schema["ref"])
            target = self.def_of(n, d)
            if target["type"] == "record":
                target = dict(target["record"])
            yield from self.mutations(n, target, value, path, depth + 1, limit)
            return
        if depth > limit:
            return
        if t == "object" and isinstance(value, dict):
            required = schema.get("required", [])
            nullable = schema.get("nullable", [])
            for k, p in schema.get("properties", {}).items():
                sub = path + [k]
                if k in value:
                    if k in required:
                        yield sub, DELETE, f"missing required {k}"
                    if k not in nullable:
                        yield sub, None, f"null {k} (not nullable)"
                    else:
                        yield sub, None, f"null {k} (nullable)"
                    yield from self.mutations(nsid, p, value[k], sub, depth + 1, limit)
            yield path + ["extraUndeclared"], {"kept": [1, 2, 3]}, "undeclared field"
            yield path + ["extraFloat"], 1.5, "float in undeclared field"
            yield path + ["extraHuge"], 9007199254740993, "integer beyond 2^53 in undeclared field"
            return
        if t == "string":
            if not isinstance(value, str):
                return
            yield path, 12345, "number instead of string"
            if "maxLength" in schema:
                yield path, "a" * (schema["maxLength"] + 1), "string too long (bytes)"
                n = schema["maxLength"] // 2 + 1
                yield path, "é" * n, "string too long in bytes, not characters"
            if schema.get("minLength", 0) > 0:
                yield path, "a" * (schema["minLength"] - 1), "string too short"
            if "maxGraphemes" in schema:
                yield path, "👍🏽" * (schema["maxGraphemes"] + 1), "too many graphemes"
                yield path, "👍🏽" * schema["maxGraphemes"], "exactly max graphemes"
            if schema.get("minGraphemes", 0) > 0:
                yield path, "a" * (schema["minGraphemes"] - 1), "too few graphemes"
            if "format" in schema:
                yield path, FORMAT_INVALID[schema["format"]], f"bad {schema['format']}"
            if "enum" in schema:
                yield path, "zzz-not-listed", "not in enum"
            if "const" in schema:
                yield path, schema["const"] + "x", "not the const"
            if schema.get("knownValues"):
                yield path, "some-other-value", "value outside knownValues"
            return
        if t == "integer":
            yield path, "1", "string instead of integer"
            yield path, 2.5, "float instead of integer"
            if "minimum" in schema:
                yield path, schema["minimum"] - 1, "integer below minimum"
            if "maximum" in schema:
                yield path, schema["maximum"] + 1, "integer above maximum"
            if "enum" in schema:
                yield path, max(schema["enum"]) + 1, "integer not in enum"
            if "const" in schema:
                yield path, schema["const"] + 1, "integer not the const"
            yield path, 9007199254740992, "integer 2^53"
            return
        if t == "boolean":
            yield path, "true", "string instead of boolean"
            if "const" in schema:
                yield path, not schema["const"], "boolean not the const"
            return
        if t == "array" and isinstance(value, list):
            yield path, {"not": "an array"}, "object instead of array"
            if "maxLength" in schema and value:
                yield path, value + [value[0]] * (schema["maxLength"] + 1 - len(value)), "array too long"
            if schema.get("minLength", 0) > 0:
                yield path, value[: schema["minLength"] - 1], "array too short"
            if value:
                yield from self.mutations(nsid, schema["items"], value[0], path + [0], depth + 1, limit)
            return
        if t == "blob" and isinstance(value, dict):
            if "maxSize" in schema:
                yield path + ["size"], schema["maxSize"] + 1, "blob too big"
            if "accept" in schema and "*/*" not in schema["accept"]:
                yield path + ["mimeType"], "application/x-not-accepted", "blob wrong MIME type"
            yield path + ["ref"], {"$link": LINK_CID}, "blob ref with dag-cbor codec"
            yield path, {"cid": RAW_CID, "mimeType": value["mimeType"]}, "legacy blob"
            yield path + ["size"], -1, "negative blob size"
            return
        if t == "bytes" and isinstance(value, dict):
            yield path, "aGVsbG8", "plain string instead of $bytes"
            if "maxLength" in schema:
                import base64
                yield path, {"$bytes": base64.b64encode(bytes(schema["maxLength"] + 1)).decode()}, "bytes too long"
            return
        if t == "cid-link":
            yield path, {"$link": "not-a-cid"}, "bad $link"
            yield path, LINK_CID, "plain string instead of $link"
            return
        if t == "unknown":
            yield path, [1, 2], "array as unknown"
            yield path, "text", "string as unknown"
            yield path + ["f"], 0.5, "float inside unknown"
            return
        if t == "union" and isinstance(value, dict):
            yield path + ["$type"], "com.example.unlisted#thing", (
                "unlisted $type in closed union" if schema.get("closed") else "unlisted $type in open union")
            yield path, {k: v for k, v in value.items() if k != "$type"}, "union member without $type"
            t_id = value.get("$type", "")
            n, d = self.resolve(nsid, t_id) if t_id and "#" in t_id or t_id in self.docs else (None, None)
            if n in self.docs and d in self.docs[n]["defs"]:
                target = self.def_of(n, d)
                if target["type"] == "object":
                    yield from self.mutations(n, target, value, path, depth + 1, limit)


DELETE = object()

# Where the project's decisions (semantics.md Part A) give another verdict than the strict
# reference, the case carries that verdict and the reason; tests expect it instead.
PART_A = {
    "float in undeclared field": "A.2: the data model has integers only; a fraction is invalid anywhere (the strict reference checks undeclared fields only at the top of a record write)",
    "integer beyond 2^53 in undeclared field": "A.2: integers must lie within ±(2^53 − 1) everywhere, undeclared fields included (the strict reference checks declared integer fields only)",
}


def with_part_a(case):
    for prefix, why in PART_A.items():
        if case["note"].startswith(prefix):
            case["partA"] = {"valid": False, "why": why}
    return case


def apply(value, path, new):
    value = copy.deepcopy(value)
    if not path:
        return new
    cur = value
    for p in path[:-1]:
        cur = cur[p]
    last = path[-1]
    if new is DELETE:
        del cur[last]
    else:
        cur[last] = new
    return value


def main():
    folder = sys.argv[1]
    gen = Gen(load(folder))
    out = []
    for nsid in sorted(gen.docs):
        for name, d in gen.docs[nsid]["defs"].items():
            if d["type"] == "record":
                base = {"$type": nsid}
                rkey = RKEYS.get(d.get("key", "any"), d.get("key", "any").removeprefix("literal:"))
                variants = [("minimal", gen.obj(nsid, d["record"], 0, False)),
                            ("full", gen.obj(nsid, d["record"], 0, True))]
                for label, body in variants:
                    v = dict(base, **body)
                    out.append({"nsid": nsid, "rkey": rkey, "value": v, "note": f"valid {label} record", "group": nsid})
                full = dict(base, **variants[1][1])
                out.append({"nsid": nsid, "rkey": "a/b", "value": full, "note": "bad record key syntax", "group": nsid})
                out.append({"nsid": nsid, "rkey": rkey, "value": dict(full, **{"$type": nsid + "#main"}), "note": "record $type with #main", "group": nsid})
                no_type = {k: v for k, v in full.items() if k != "$type"}
                out.append({"nsid": nsid, "rkey": rkey, "value": no_type, "note": "record without $type", "group": nsid})
                for path, new, note in gen.mutations(nsid, d["record"], full, [], 0):
                    out.append({"nsid": nsid, "rkey": rkey, "value": apply(full, path, new), "note": f"{note} at {'/'.join(map(str, path))}", "group": nsid})
            elif d["type"] == "object":
                ref = gen.type_id(nsid, name)
                full = gen.obj(nsid, d, 0, True)
                out.append({"nsid": ref, "value": full, "note": "valid object", "group": ref})
                out.append({"nsid": ref, "value": dict(full, **{"$type": ref}), "note": "object with its own $type", "group": ref})
                out.append({"nsid": ref, "value": dict(full, **{"$type": "com.example.other#thing"}), "note": "object with another $type", "group": ref})
                for path, new, note in gen.mutations(nsid, d, full, [], 0, limit=1):
                    out.append({"nsid": ref, "value": apply(full, path, new), "note": f"{note} at {'/'.join(map(str, path))}", "group": ref})
    for case in out:
        case = with_part_a(case)
        print(json.dumps(case, ensure_ascii=False, sort_keys=False))


if __name__ == "__main__":
    main()
