#!/usr/bin/env python3
"""make-corpus.py: write the seed corpus for the libFuzzer targets.

    python3 tests/fuzz/make-corpus.py tests/fuzz/corpus

Each seed is a small file in corpus/TARGET/, named after what it holds.
The seeds are committed; rerun this only to change them (crash inputs
found by make fuzz are copied into corpus/TARGET/ by hand, named crash-*,
and this script leaves those alone).  MessagePack is packed by hand so
that nothing beyond Python itself is needed.
"""
import os
import struct
import sys


def pack(v):
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        if 0 <= v < 1 << 8:
            return b"\xcc" + struct.pack(">B", v)
        if 0 <= v < 1 << 16:
            return b"\xcd" + struct.pack(">H", v)
        if 0 <= v < 1 << 32:
            return b"\xce" + struct.pack(">I", v)
        if 0 <= v:
            return b"\xcf" + struct.pack(">Q", v)
        if v >= -128:
            return b"\xd0" + struct.pack(">b", v)
        if v >= -(1 << 15):
            return b"\xd1" + struct.pack(">h", v)
        if v >= -(1 << 31):
            return b"\xd2" + struct.pack(">i", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, bytes):
        n = len(v)
        if n < 256:
            return b"\xc4" + bytes([n]) + v
        return b"\xc5" + struct.pack(">H", n) + v
    if isinstance(v, str):
        b = v.encode("utf-8", "surrogatepass")
        n = len(b)
        if n < 32:
            return bytes([0xa0 | n]) + b
        if n < 256:
            return b"\xd9" + bytes([n]) + b
        if n < 65536:
            return b"\xda" + struct.pack(">H", n) + b
        return b"\xdb" + struct.pack(">I", n) + b
    if isinstance(v, (list, tuple)):
        n = len(v)
        h = bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n)
        return h + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        n = len(v)
        h = bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n)
        return h + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(v)


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def nest(depth, inner=None):
    v = inner
    for _ in range(depth):
        v = [v]
    return v


REQUESTS = {
    "hello": {"id": 1, "op": "hello",
              "args": {"proto": 1, "client": "cairn/0.1.0"}},
    "ping": {"id": 2, "op": "ping"},
    "login": {"id": 3, "op": "session.login",
              "args": {"login": "alice", "password": "alice-password"}},
    "checkin": {"id": 4, "op": "kr.checkin",
                "args": {"id": 7, "value": -5.5, "confidence": 3,
                         "note": "caf\u00e9 \u2603", "idempotency_key": "k1"}},
    "objective": {"id": 70000, "op": "objective.create",
                  "args": {"team": "eng", "period": "2026q1",
                           "title": "x" * 40, "weight": 1.5,
                           "parent": 2 ** 40, "type": "aspirational"}},
    "audit": {"id": 2 ** 63, "op": "audit.list",
              "args": {"since": "2026-02-28", "limit": 100,
                       "entity": "objective:1"}},
    "settings": {"id": 9, "op": "settings.set",
                 "args": {"name": "max_depth", "value": -1}},
}


def frame_seeds():
    s = {}
    # two bytes of limits: depth 16, max_string 4096; then frames
    lim = bytes([15, 4])
    for name, req in REQUESTS.items():
        s["req-" + name] = lim + frame(pack(req))
    s["stream-hello-ping-login"] = lim + b"".join(
        frame(pack(REQUESTS[n])) for n in ("hello", "ping", "login"))
    s["zero-length"] = lim + b"\0\0\0\0"
    s["too-big"] = lim + b"\x7f\xff\xff\xff" + b"\x80"
    s["truncated-header"] = lim + b"\0\0"
    s["truncated-payload"] = lim + frame(pack(REQUESTS["hello"]))[:-3]
    s["not-a-map"] = lim + frame(pack([1, "ping", None]))
    s["trailing"] = lim + frame(pack(REQUESTS["ping"]) + b"\xc0")
    s["deep-16"] = lim + frame(pack(nest(16, 1)))
    s["deep-17"] = lim + frame(pack(nest(17, 1)))
    s["deep-32"] = bytes([31, 5]) + frame(pack(nest(32, {"a": 1})))
    s["long-string"] = lim + frame(pack({"id": 5, "op": "x" * 5000}))
    s["array16-lie"] = lim + frame(b"\xdc\xff\xff\x01\x02")
    s["array32-lie"] = lim + frame(b"\xdd\xff\xff\xff\xff\x01")
    s["map32-lie"] = lim + frame(b"\xdf\x7f\xff\xff\xff\x01\x02")
    s["ext"] = lim + frame(b"\xd4\x01\x02")
    s["never-used"] = lim + frame(b"\xc1")
    s["bin-float-nil"] = lim + frame(pack(
        {"b": b"\x00\xff", "f": 1.0e300, "g": -0.0, "n": None,
         "f32": 0}) + b"")
    s["float32"] = lim + frame(b"\x81\xa1f\xca\x3f\xc0\x00\x00")
    s["int-keys"] = lim + frame(pack({1: 2, 3: [4, 5]}))
    s["invalid-utf8"] = lim + frame(b"\x82\xa2id\x01\xa2op\xa3\xff\xfe\xc0")
    s["map16-array16"] = lim + frame(
        b"\xde\x00\x02\xa1a\xdc\x00\x01\x01\xa1b\x90")
    s["str8-str16-str32"] = lim + frame(
        b"\x93\xd9\x01a\xda\x00\x01b\xdb\x00\x00\x00\x01c")
    return s


def args_seeds():
    s = {}
    for i, (name, req) in enumerate(REQUESTS.items()):
        if "args" in req:
            s["args-" + name] = bytes([i * 37 % 256]) + pack(req["args"])
    s["nil"] = b"\x00" + pack(None)
    s["empty"] = b"\x01" + pack({})
    s["not-a-map"] = b"\x02" + pack([1, 2])
    s["int-key"] = b"\x03" + pack({1: "a"})
    s["duplicate"] = b"\x04\x82\xa1a\x01\xa1a\x02"
    s["65-args"] = b"\x05" + pack({"k%d" % i: i for i in range(65)})
    s["64-args"] = b"\x06" + pack({"k%d" % i: i for i in range(64)})
    s["types"] = b"\x07" + pack(
        {"s": "text", "i": -7, "u": 2 ** 64 - 1, "d": 2.5, "b": True,
         "m": {"x": 1}, "n": None, "a": [1], "bin": b"xy", "nul": "a\0b",
         "": 1, "big": 1e300, "nan": float("nan"), "inf": float("inf")})
    s["long-str"] = b"\x08" + pack({"title": "t" * 300})
    s["leave-last"] = b"\x10" + pack({"a": "x", "b": 2})
    return s


JSON = {
    "audit": '{"id": 12, "title": "a \\"q\\" \\u00e9\\n", "w": 1.5, '
             '"ok": true, "no": false, "n": null, "list": [1, -2, [], {}]}',
    "surrogates": '"\\ud83d\\ude00 \\u2603 caf\\u00e9"',
    "numbers": '[0, -0, 1e-400, 2.5E+3, 9223372036854775807, '
               '-9223372036854775808, 18446744073709551615, '
               '18446744073709551616, 0.1, 1e308, -1.5e-300]',
    "deep-32": "[" * 32 + "]" * 32,
    "deep-33": "[" * 33 + "]" * 33,
    "deep-objects": '{"a":' * 31 + '{}' + '}' * 31,
    "escapes": '"\\b\\f\\n\\r\\t\\/\\\\\\"\\u0000\\u001f\\u007f\\u0080"',
    "bad-trailing-comma": '[1,2,]',
    "bad-leading-zero": '[01]',
    "bad-lone-surrogate": '"\\ud800"',
    "bad-control": '"a\tb"',
    "bad-overflow": '[1e400]',
    "utf8": '"\u00e9\u2603\U0001f600"',
    "whitespace": ' \t\n\r{ "a" : [ 1 , 2 ] } \n',
    "empty-containers": '[{}, [], {"": ""}, [[]], {"a": {}}]',
    "jsonb": '{"id": 3, "kind": "kr", "start": 0, "target": 100, '
             '"current": 42.5, "confidence": null, "title": "Ship it"}',
}

TIME = {
    "utc": "2026-11-30T09:00:00Z",
    "offset": "2026-12-05T08:00:00+01:00",
    "negative": "2026-12-04T21:00:00-10:00",
    "lowercase": "2026-11-30t09:00:00z",
    "space": "2026-11-30 09:00:00Z",
    "fraction": "2026-11-30T09:00:00.123456+05:30",
    "max-offset": "2028-02-28T23:00:00+14:00",
    "min-offset": "2028-02-28T13:00:00-12:00",
    "leap-day": "2028-02-29T12:00:00Z",
    "bad-day": "2026-02-30T12:00:00Z",
    "leap-second": "2026-12-31T23:59:60Z",
    "no-offset": "2026-11-30T09:00:00",
    "year-edge": "9999-12-31T23:59:59-00:00",
    "year-low": "1900-01-01T00:00:00+01:00",
}


# Prometheus's /api/v1/query answers (server/prom-json.c): each case
# prom_parse names, as Prometheus 2.42 writes them.
PROM_VEC = ('{"status":"success","data":{"resultType":"vector","result":[%s]}}')
PROM_JSON = {
    "vector-one": PROM_VEC % '{"metric":{"__name__":"up","job":"x"},'
                  '"value":[1796126400.123,"42.5"]}',
    "vector-two": PROM_VEC % ('{"metric":{"i":"a"},"value":[1,"1"]},'
                              '{"metric":{"i":"b"},"value":[1,"2"]}'),
    "vector-none": PROM_VEC % "",
    "vector-nan": PROM_VEC % '{"metric":{},"value":[1796126400,"NaN"]}',
    "vector-inf": PROM_VEC % '{"metric":{},"value":[1796126400,"-Inf"]}',
    "scalar": '{"status":"success","data":{"resultType":"scalar",'
              '"result":[1796126400.5,"3"]}}',
    "string": '{"status":"success","data":{"resultType":"string",'
              '"result":[1796126400.5,"x"]}}',
    "matrix": '{"status":"success","data":{"resultType":"matrix","result":'
              '[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}}',
    "error": '{"status":"error","errorType":"bad_data","error":"invalid '
             'parameter \\"query\\": 1:5: parse error"}',
    "buildinfo": '{"status":"success","data":{"version":"2.42.0+ds",'
                 '"revision":"","branch":"debian/sid"}}',
    "html": "<html>Service Unavailable</html>",
}


def write(base, target, seeds):
    d = os.path.join(base, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus"
    write(base, "frame", frame_seeds())
    write(base, "args", args_seeds())
    write(base, "json", JSON)
    write(base, "time", TIME)
    write(base, "prom_json", PROM_JSON)


if __name__ == "__main__":
    main()
