#!/usr/bin/python3
"""grpcio client of the platform agent: runs named scenarios, prints one JSON line per scenario.

Each line says what was observed, never whether it was right: the status code name, its
details, the elapsed time, the response fields, the trailers and the google.rpc.Status of
grpc-status-details-bin decoded (BadRequest, ... unpacked). The test that runs this decides.

usage: agent_client.py --target http://127.0.0.1:PORT [--ca CA.pem [--cert C.pem --key K.pem]]
                       [--name N] [--file F] [--out F] [--md5 HEX] [--deadline-ms MS]
                       [--compression gzip] ...
                       SCENARIO [SCENARIO ...]
scenarios: agent_info, host_info, unimplemented, ping, ping_silent, upload, download, health, health_watch

Exit status: 0 when every scenario ran (whatever the RPCs answered), 2 for bad arguments,
3 when the peer cannot run here (protoc, protos), 1 for anything unexpected.
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import threading
import time

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_protos  # noqa: E402  pylint: disable=wrong-import-position
from interop_protos import FILE_SERVICE, HEALTH_SERVICE, HOST_SERVICE, STATUS_DETAILS_KEY, path  # noqa: E402  pylint: disable=wrong-import-position

P = None  # the generated message modules, loaded in main()


def _channel(args):
    target = args.target
    secure = target.startswith("https://") or args.ca is not None
    for scheme in ("http://", "https://"):
        if target.startswith(scheme):
            target = target[len(scheme):]
    target = target.rstrip("/")
    options = [("grpc.max_receive_message_length", 16 * 1024 * 1024)]
    if args.authority:
        options.append(("grpc.ssl_target_name_override", args.authority))
        options.append(("grpc.default_authority", args.authority))
    compression = grpc.Compression.Gzip if args.compression == "gzip" else None
    if not secure:
        return grpc.insecure_channel(target, options=options, compression=compression)

    def read(name):
        if name is None:
            return None
        with open(name, "rb") as handle:
            return handle.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca), private_key=read(args.key), certificate_chain=read(args.cert))
    return grpc.secure_channel(target, credentials, options=options, compression=compression)


def _metadata_dict(metadata):
    out = {}
    for key, value in metadata or ():
        out[key] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
    return out


def _rich_status(trailers):
    """grpc-status-details-bin decoded: code, message and each detail unpacked where its type is known."""
    raw = None
    for key, value in trailers or ():
        if key == STATUS_DETAILS_KEY:
            raw = value
    if raw is None:
        return None
    status = P.status.Status.FromString(raw)
    details = []
    known = {
        "google.rpc.BadRequest": P.error_details.BadRequest,
        "google.rpc.PreconditionFailure": P.error_details.PreconditionFailure,
        "google.rpc.ErrorInfo": P.error_details.ErrorInfo,
        "google.rpc.ResourceInfo": P.error_details.ResourceInfo,
    }
    for detail in status.details:
        type_name = detail.type_url.rsplit("/", 1)[-1]
        entry = {"type_url": detail.type_url}
        if type_name in known:
            message = known[type_name]()
            if not detail.Unpack(message):
                entry["unpack_failed"] = True
            elif type_name == "google.rpc.BadRequest":
                entry["field_violations"] = [{"field": v.field, "description": v.description} for v in message.field_violations]
            else:
                entry["fields"] = {f.name: str(v) for f, v in message.ListFields()}
        details.append(entry)
    return {"code": status.code, "message": status.message, "details": details}


class Observation:
    """What one scenario saw; printed as one JSON line."""

    def __init__(self, scenario):
        self.fields = {"scenario": scenario, "code": "OK", "details": ""}
        self.started = time.monotonic()

    def failed(self, error):
        self.fields["code"] = error.code().name if hasattr(error, "code") and error.code() else "UNKNOWN"
        self.fields["details"] = error.details() if hasattr(error, "details") else str(error)
        trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        self.fields["trailers"] = _metadata_dict(trailers)
        self.fields["rich_status"] = _rich_status(trailers)
        debug = error.debug_error_string() if hasattr(error, "debug_error_string") else None
        if debug:
            self.fields["debug"] = debug

    def emit(self):
        self.fields["elapsed_ms"] = round((time.monotonic() - self.started) * 1000, 1)
        print(json.dumps(self.fields, sort_keys=True), flush=True)


def scenario_agent_info(channel, args, seen):
    call = channel.unary_unary(path(HOST_SERVICE, "GetAgentInfo"),
                               request_serializer=P.host.GetAgentInfoRequest.SerializeToString,
                               response_deserializer=P.host.AgentInfo.FromString)
    info, rpc = call.with_call(P.host.GetAgentInfoRequest(), timeout=args.deadline_ms / 1000)
    seen.fields["response"] = {
        "agent_version": info.agent_version,
        "contract_versions": list(info.contract_versions),
        "hostname": info.hostname,
        "started_at": info.started_at,
    }
    seen.fields["headers"] = _metadata_dict(rpc.initial_metadata())
    seen.fields["trailers"] = _metadata_dict(rpc.trailing_metadata())


def scenario_host_info(channel, args, seen):
    call = channel.unary_unary(path(HOST_SERVICE, "GetHostInfo"),
                               request_serializer=P.host.GetHostInfoRequest.SerializeToString,
                               response_deserializer=P.host.HostInfo.FromString)
    info = call(P.host.GetHostInfoRequest(), timeout=args.deadline_ms / 1000)
    seen.fields["response"] = {"hostname": info.hostname, "cpus": info.cpus}


def scenario_unimplemented(channel, args, seen):
    """A method the agent's HostService does not have (a newer client's, say)."""
    call = channel.unary_unary(path(HOST_SERVICE, "GetHostInfoV2"),
                               request_serializer=lambda _: b"",
                               response_deserializer=lambda data: data)
    call(None, timeout=args.deadline_ms / 1000)


def scenario_ping(channel, args, seen):
    """Round trips on one bidi stream: each request waits for its echo before the next goes."""
    call = channel.stream_stream(path(HOST_SERVICE, "Ping"),
                                 request_serializer=P.host.PingRequest.SerializeToString,
                                 response_deserializer=P.host.PingResponse.FromString)
    outbox = []
    ready = threading.Condition()
    done = threading.Event()

    def requests():
        for sequence in range(1, args.count + 1):
            with ready:
                ready.wait_for(lambda: outbox or done.is_set())
                if done.is_set():
                    return
                yield outbox.pop()
        return

    def send(request):
        with ready:
            outbox.append(request)
            ready.notify_all()

    responses = call(requests(), timeout=args.deadline_ms / 1000)
    sent = []
    echoes = []
    try:
        for sequence in range(1, args.count + 1):
            payload = os.urandom(sequence * 37)
            sent.append((sequence, payload))
            send(P.host.PingRequest(sequence=sequence, payload=payload))
            response = next(responses)
            echoes.append((response.sequence, response.payload, response.answered_at_unix_nanos))
        # The request iterator is exhausted after count messages: the server sees the half-close
        # and ends the call with OK and no further message.
        rest = list(responses)
    finally:
        done.set()
        with ready:
            ready.notify_all()
    seen.fields["sent"] = len(sent)
    seen.fields["received"] = len(echoes)
    seen.fields["sequences"] = [e[0] for e in echoes]
    seen.fields["payloads_echoed"] = all(s[1] == e[1] for s, e in zip(sent, echoes)) and len(sent) == len(echoes)
    seen.fields["answered_at_nonzero"] = all(e[2] > 0 for e in echoes)
    seen.fields["extra_responses"] = len(rest)


def scenario_ping_silent(channel, args, seen):
    """Opens Ping and sends nothing: only the deadline can end the call."""
    call = channel.stream_stream(path(HOST_SERVICE, "Ping"),
                                 request_serializer=P.host.PingRequest.SerializeToString,
                                 response_deserializer=P.host.PingResponse.FromString)
    release = threading.Event()

    def nothing():
        release.wait()
        return
        yield  # pylint: disable=unreachable

    try:
        responses = call(nothing(), timeout=args.deadline_ms / 1000)
        seen.fields["received"] = len(list(responses))
    finally:
        release.set()


def _upload_requests(args, data):
    header = P.files.UploadFileHeader(
        operation_id=args.operation_id,
        name=args.name,
        size_bytes=len(data) if args.size_bytes is None else args.size_bytes,
        md5=hashlib.md5(data).hexdigest() if args.md5 is None else args.md5)
    yield P.files.UploadFileRequest(header=header)
    for start in range(0, len(data), args.chunk_size):
        yield P.files.UploadFileRequest(data=data[start:start + args.chunk_size])


def scenario_upload(channel, args, seen):
    if args.file:
        with open(args.file, "rb") as handle:
            data = handle.read()
    else:
        data = os.urandom(args.size)
    seen.fields["sent_size"] = len(data)
    seen.fields["sent_md5"] = hashlib.md5(data).hexdigest()
    seen.fields["sent_chunks"] = (len(data) + args.chunk_size - 1) // args.chunk_size
    call = channel.stream_unary(path(FILE_SERVICE, "UploadFile"),
                                request_serializer=P.files.UploadFileRequest.SerializeToString,
                                response_deserializer=P.files.UploadFileResponse.FromString)
    response = call(_upload_requests(args, data), timeout=args.deadline_ms / 1000)
    seen.fields["response"] = {"name": response.name, "size_bytes": response.size_bytes, "md5": response.md5}


def scenario_download(channel, args, seen):
    call = channel.unary_stream(path(FILE_SERVICE, "DownloadFile"),
                                request_serializer=P.files.DownloadFileRequest.SerializeToString,
                                response_deserializer=P.files.FileChunk.FromString)
    data = bytearray()
    chunks = 0
    contiguous = True
    for chunk in call(P.files.DownloadFileRequest(name=args.name, offset=args.offset), timeout=args.deadline_ms / 1000):
        contiguous = contiguous and chunk.offset == args.offset + len(data)
        data += chunk.data
        chunks += 1
    if args.out:
        with open(args.out, "wb") as handle:
            handle.write(data)
    seen.fields["size"] = len(data)
    seen.fields["md5"] = hashlib.md5(data).hexdigest()
    seen.fields["chunks"] = chunks
    seen.fields["offsets_contiguous"] = contiguous


def scenario_health(channel, args, seen):
    call = channel.unary_unary(path(HEALTH_SERVICE, "Check"),
                               request_serializer=P.health.HealthCheckRequest.SerializeToString,
                               response_deserializer=P.health.HealthCheckResponse.FromString)
    response = call(P.health.HealthCheckRequest(service=args.service), timeout=args.deadline_ms / 1000)
    seen.fields["service"] = args.service
    seen.fields["status"] = P.health.HealthCheckResponse.ServingStatus.Name(response.status)


def scenario_health_watch(channel, args, seen):
    """Watch's first message is the current status; the client then cancels the stream."""
    call = channel.unary_stream(path(HEALTH_SERVICE, "Watch"),
                                request_serializer=P.health.HealthCheckRequest.SerializeToString,
                                response_deserializer=P.health.HealthCheckResponse.FromString)
    responses = call(P.health.HealthCheckRequest(service=args.service), timeout=args.deadline_ms / 1000)
    first = next(responses)
    responses.cancel()
    seen.fields["service"] = args.service
    seen.fields["status"] = P.health.HealthCheckResponse.ServingStatus.Name(first.status)


SCENARIOS = {
    "agent_info": scenario_agent_info,
    "host_info": scenario_host_info,
    "unimplemented": scenario_unimplemented,
    "ping": scenario_ping,
    "ping_silent": scenario_ping_silent,
    "upload": scenario_upload,
    "download": scenario_download,
    "health": scenario_health,
    "health_watch": scenario_health_watch,
}


def main():
    global P  # pylint: disable=global-statement
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="http://HOST:PORT (h2c) or https://HOST:PORT (TLS)")
    parser.add_argument("--ca", help="PEM of the CA the server's certificate must chain to (implies TLS)")
    parser.add_argument("--cert", help="PEM client certificate (mutual TLS)")
    parser.add_argument("--key", help="PEM private key of --cert")
    parser.add_argument("--authority", help="TLS name to check instead of the target's host")
    parser.add_argument("--compression", choices=["none", "gzip"], default="none", help="compress request messages")
    parser.add_argument("--deadline-ms", type=float, default=10000, help="deadline of every RPC")
    parser.add_argument("--name", default="interop.bin", help="file name for upload/download")
    parser.add_argument("--file", help="upload: bytes to send (else --size random bytes)")
    parser.add_argument("--size", type=int, default=1024 * 1024 + 123, help="upload: random bytes to send without --file")
    parser.add_argument("--size-bytes", type=int, help="upload: announced size instead of the real one")
    parser.add_argument("--md5", help="upload: announced md5 instead of the real one")
    parser.add_argument("--operation-id", default="interop-python", help="upload: header.operation_id")
    parser.add_argument("--chunk-size", type=int, default=64 * 1024, help="upload: bytes per data message")
    parser.add_argument("--out", help="download: where to write the bytes received")
    parser.add_argument("--offset", type=int, default=0, help="download: first byte")
    parser.add_argument("--count", type=int, default=5, help="ping: round trips")
    parser.add_argument("--service", default="", help="health: service name")
    parser.add_argument("--proto-cache", help="where generated message modules are kept")
    parser.add_argument("scenarios", nargs="+", choices=sorted(SCENARIOS))
    args = parser.parse_args()

    try:
        P = interop_protos.load(args.proto_cache)
    except interop_protos.SetupError as error:
        print(f"agent_client.py: {error}", file=sys.stderr)
        return 3

    with _channel(args) as channel:
        for name in args.scenarios:
            seen = Observation(name)
            try:
                SCENARIOS[name](channel, args, seen)
            except grpc.RpcError as error:
                seen.failed(error)
            seen.emit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
