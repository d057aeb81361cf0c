import StatMLCore
import Testing

/// Python's json module as an independent oracle: documents it writes (ASCII-escaped or raw UTF-8,
/// floats in shortest form) go through StatML's JSON Lines reader and writer and must come back,
/// in Python's eyes, identical: same values, same key order, same floats bit for bit.
@Suite("JSON against Python's json module", .enabled(if: IOTestSupport.pythonAvailable))
struct JSONPythonOracleTests {
    typealias T = IOTestSupport

    @Test func roundTripThroughStatMLIsIdentityForPython() throws {
        let dir = T.makeTemporaryDirectory()
        defer { T.removeDirectory(dir) }
        let generate = #"""
            import json, random, struct, sys
            rng = random.Random(99)
            pieces = ["a", "é", "😀", "\"", "\\", "\n", "\u0000", "\u001f", "\u2028", "/", "漢", " ", "\ud7ff", "\ue000"]
            def number():
                k = rng.randrange(4)
                if k == 0: return rng.randint(-2**53, 2**53)
                if k == 1: return rng.randint(-1000, 1000) / 8
                while True:
                    x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
                    if x == x and abs(x) != float("inf"): return x
                return 0.0
            def value(depth):
                k = rng.randrange(5 if depth > 4 else 7)
                if k == 0: return None
                if k == 1: return rng.random() < 0.5
                if k == 2: return number()
                if k == 3: return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
                if k == 4: return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
                if k == 5: return [value(depth + 1) for _ in range(rng.randint(0, 5))]
                return {"".join(rng.choice(pieces) for _ in range(rng.randint(0, 3))) + str(i): value(depth + 1) for i in range(rng.randint(0, 5))}
            with open(sys.argv[1] + "/in.jsonl", "w", encoding="utf-8") as f:
                for i in range(3000):
                    doc = {"i": i, "v": value(0)}
                    f.write(json.dumps(doc, ensure_ascii=rng.random() < 0.5) + ("\r\n" if i % 7 == 0 else "\n"))
                    if i % 50 == 0: f.write("\n")
            """#
        #expect(T.runPython(generate, in: dir, arguments: [dir]))

        let writer = try JSONLinesWriter(path: dir + "/out.jsonl")
        var count = 0
        try JSONLinesReader(path: dir + "/in.jsonl").forEachObject { object, _ in
            try writer.write(object)
            count += 1
        }
        try writer.close()
        #expect(count == 3000)

        let compare = #"""
            import json, sys
            a = [json.loads(l) for l in open(sys.argv[1] + "/in.jsonl", encoding="utf-8") if l.strip()]
            b = [json.loads(l) for l in open(sys.argv[1] + "/out.jsonl", encoding="utf-8")]
            # Integral floats come back as ints (3.0 -> 3), as the serialiser promises; compare as floats.
            def norm(v):
                if isinstance(v, bool) or v is None: return v
                if isinstance(v, (int, float)): return ("n", float(v).hex())
                if isinstance(v, list): return [norm(x) for x in v]
                if isinstance(v, dict): return [(k, norm(x)) for k, x in v.items()]
                return v
            bad = [i for i, (x, y) in enumerate(zip(a, b)) if norm(x) != norm(y)]
            if len(a) != len(b) or bad:
                print("mismatch", len(a), len(b), bad[:5], file=sys.stderr)
                if bad: print(json.dumps(a[bad[0]])[:500], "\n", json.dumps(b[bad[0]])[:500], file=sys.stderr)
                sys.exit(1)
            """#
        #expect(T.runPython(compare, in: dir, arguments: [dir]))
    }
}
