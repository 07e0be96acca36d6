// SPDX-License-Identifier: BSD-2-Clause
//
// Validates an OTLP/JSON traces document against the official OpenTelemetry protobuf
// definitions (opentelemetry-proto, as shipped in @opentelemetry/otlp-grpc-exporter-base),
// loaded with protobufjs:
//
//   node check_otlp_json.js NODE_MODULES FILE.json [SPANS_OUT.jsonl [MAX_PER_LINE]]
//
// FILE.json is one request, or JSON Lines of requests (`--format otlp-jsonl`): then every
// line is checked on its own, and holds at most MAX_PER_LINE spans when given.
//
// 1. Every key of the document must be a field of its message (ExportTraceServiceRequest at
//    the top), every value of the field's JSON type: 64-bit integers as decimal strings or
//    numbers, enums as integers of the enum, at most one member of a oneof (AnyValue), and
//    traceId/spanId/parentSpanId as lower-case hex of 16/8 bytes (OTLP/JSON's one departure
//    from the proto3 JSON mapping, which would read base64).
// 2. The document converted that way must pass ExportTraceServiceRequest.verify(), go through
//    fromObject(), encode to protobuf and decode back with every id of the right length and
//    every span ending at or after its start; a resource names its service and holds no
//    threadlocal.* attribute (OTEP 4947 reader metadata, not telemetry).
// 3. SPANS_OUT gets one JSON line per decoded span (ids in hex, times, name, attributes), for
//    the semantic checks of the caller.
//
// Prints "ok: N spans in M resourceSpans" or the first errors, and exits 1 on an error.
'use strict';

const fs = require('fs');
const path = require('path');

const [nmArg, file, spansOut, maxArg] = process.argv.slice(2);
const nodeModules = nmArg && path.resolve(nmArg);
if (!nodeModules || !file) {
	console.error('usage: check_otlp_json.js NODE_MODULES FILE.json [SPANS_OUT.jsonl]');
	process.exit(2);
}
const protobuf = require(path.join(nodeModules, 'protobufjs'));
const protoDir = path.join(nodeModules, '@opentelemetry', 'otlp-grpc-exporter-base', 'build',
	'protos');

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(protoDir, target);
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
root.resolveAll();
const Request = root.lookupType(
	'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

const errors = [];
function fail(where, msg) {
	if (errors.length < 20)
		errors.push(`${where}: ${msg}`);
}

const ID_BYTES = { traceId: 16, spanId: 8, parentSpanId: 8 };
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

// Checks one JSON value against a field; returns the value protobufjs's fromObject expects.
function convertField(field, value, where) {
	if (field.resolvedType instanceof protobuf.Type)
		return convertMessage(field.resolvedType, value, where);
	if (field.resolvedType instanceof protobuf.Enum) {
		if (!Number.isInteger(value) || !Object.values(field.resolvedType.values).includes(value))
			fail(where, `enum ${field.resolvedType.name} needs one of its integers, got ${JSON.stringify(value)}`);
		return value;
	}
	if (field.type === 'bytes') {
		const n = ID_BYTES[field.name];
		if (n === undefined) { // proto3 JSON: base64
			if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*=*$/.test(value))
				fail(where, 'bytes need base64');
			return value;
		}
		if (typeof value !== 'string' || !new RegExp(`^[0-9a-f]{${2 * n}}$`).test(value)) {
			fail(where, `${field.name} needs ${2 * n} lower-case hex digits, got ${JSON.stringify(value)}`);
			return Buffer.alloc(n);
		}
		if (/^0+$/.test(value))
			fail(where, `${field.name} is all zero (invalid)`);
		return Buffer.from(value, 'hex');
	}
	if (INT64.has(field.type)) {
		if (!(typeof value === 'string' && /^-?[0-9]+$/.test(value)) && !Number.isInteger(value))
			fail(where, `${field.type} needs a decimal string, got ${JSON.stringify(value)}`);
		if (field.type.startsWith('u') || field.type === 'fixed64') {
			if (String(value).startsWith('-'))
				fail(where, `${field.type} is negative`);
		}
		return protobuf.util.Long.fromString(String(value), field.type.startsWith('u') || field.type === 'fixed64');
	}
	if (INT32.has(field.type)) {
		if (!Number.isInteger(value))
			fail(where, `${field.type} needs an integer`);
		return value;
	}
	if (field.type === 'double' || field.type === 'float') {
		if (typeof value !== 'number')
			fail(where, `${field.type} needs a number`);
		return value;
	}
	if (field.type === 'string') {
		if (typeof value !== 'string')
			fail(where, 'needs a string');
		return value;
	}
	if (field.type === 'bool') {
		if (typeof value !== 'boolean')
			fail(where, 'needs a boolean');
		return value;
	}
	fail(where, `unexpected field type ${field.type}`);
	return value;
}

function convertMessage(type, obj, where) {
	if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
		fail(where, `${type.name} needs an object`);
		return {};
	}
	const out = {};
	for (const [key, value] of Object.entries(obj)) {
		const field = type.fields[key];
		if (!field) {
			fail(where, `${type.name} has no field "${key}"`);
			continue;
		}
		if (field.repeated) {
			if (!Array.isArray(value)) {
				fail(`${where}.${key}`, 'repeated field needs an array');
				continue;
			}
			out[key] = value.map((v, i) => convertField(field, v, `${where}.${key}[${i}]`));
		} else {
			out[key] = convertField(field, value, `${where}.${key}`);
		}
	}
	for (const oneof of type.oneofsArray) {
		const set = oneof.oneof.filter((name) => name in obj);
		if (set.length > 1)
			fail(where, `oneof ${oneof.name} has ${set.join(', ')}`);
	}
	return out;
}

// One request, or JSON Lines: the first line of a pretty-printed document is not JSON alone.
const text = fs.readFileSync(file, 'utf8');
const rawLines = text.split('\n').filter((l) => l.trim() !== '');
let docs, jsonLines = false;
try {
	docs = rawLines.map((l) => JSON.parse(l));
	jsonLines = docs.length > 1;
} catch (e) {
	docs = [JSON.parse(text)];
}
const decodedDocs = docs.map((doc, d) => {
	const where = docs.length > 1 ? `line ${d + 1}` : '$';
	const converted = convertMessage(Request, doc, where);
	const verr = Request.verify(converted);
	if (verr)
		fail(`${where}: verify`, verr);
	return Request.decode(Request.encode(Request.fromObject(converted)).finish());
});

// The value of an AnyValue as text (ints as decimal strings), by its oneof member.
function anyValue(v) {
	if (!v || !v.value)
		return null;
	const x = v[v.value];
	if (v.value === 'arrayValue')
		return x.values.map(anyValue);
	if (v.value === 'kvlistValue')
		return Object.fromEntries(x.values.map((kv) => [kv.key, anyValue(kv.value)]));
	if (v.value === 'intValue')
		return x.toString();
	if (v.value === 'bytesValue')
		return Buffer.from(x).toString('hex');
	return x;
}

const lines = [];
let nspans = 0, nresource = 0;
decodedDocs.forEach((decoded, d) => {
const before = nspans;
nresource += decoded.resourceSpans.length;
decoded.resourceSpans.forEach((rs, r) => {
	const resource = {};
	for (const kv of (rs.resource ? rs.resource.attributes : []))
		resource[kv.key] = anyValue(kv.value);
	if (!resource['service.name'])
		fail(`resourceSpans[${r}]`, 'no service.name resource attribute');
	// OTEP 4947: threadlocal.* keys coordinate a reader with the process, not telemetry
	for (const key of Object.keys(resource))
		if (key.startsWith('threadlocal.'))
			fail(`resourceSpans[${r}]`, `resource attribute ${key}: threadlocal.* stays out of OTLP`);
	rs.scopeSpans.forEach((ss, s) => {
		ss.spans.forEach((span, i) => {
			const where = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
			nspans++;
			if (span.traceId.length !== 16 || span.spanId.length !== 8)
				fail(where, 'traceId or spanId of the wrong length after decoding');
			if (span.parentSpanId.length !== 0 && span.parentSpanId.length !== 8)
				fail(where, 'parentSpanId of the wrong length');
			if (!span.name)
				fail(where, 'no name');
			const start = BigInt(span.startTimeUnixNano.toString());
			const end = BigInt(span.endTimeUnixNano.toString());
			if (end < start)
				fail(where, 'ends before it starts');
			const attrs = {};
			for (const kv of span.attributes)
				attrs[kv.key] = anyValue(kv.value);
			lines.push(JSON.stringify({
				trace_id: Buffer.from(span.traceId).toString('hex'),
				span_id: Buffer.from(span.spanId).toString('hex'),
				parent_span_id: Buffer.from(span.parentSpanId).toString('hex'),
				name: span.name,
				start_ns: start.toString(),
				end_ns: end.toString(),
				status_code: span.status ? span.status.code : 0,
				service: resource['service.name'],
				attrs,
			}));
		});
	});
});
if (maxArg && nspans - before > Number(maxArg))
	fail(`line ${d + 1}`, `${nspans - before} spans, more than ${maxArg}`);
if (jsonLines && nspans === before)
	fail(`line ${d + 1}`, 'a line without a span');
});
if (spansOut)
	fs.writeFileSync(spansOut, lines.length ? lines.join('\n') + '\n' : '');
if (errors.length) {
	for (const e of errors)
		console.log(`error: ${e}`);
	process.exit(1);
}
console.log(`ok: ${nspans} spans in ${nresource} resourceSpans` +
	(jsonLines ? ` on ${docs.length} lines` : ''));
