#!/usr/bin/python3
"""A grpcio server speaking the agent's contract, for the C# client to be tested against.

Serves over grpcio's generic handlers (no gRPC codegen):
  platform.agent.v1.HostService   GetAgentInfo (unary; sends initial metadata x-peer),
                                  Ping (bidi echo),
                                  GetHostInfo (the slow one: answers only when the call ends,
                                  and prints EVENT lines saying what deadline it saw and how
                                  the call ended)
  platform.agent.v1.FileService   UploadFile (client stream into --dir, the agent's checks:
                                  INVALID_ARGUMENT + google.rpc.BadRequest in
                                  grpc-status-details-bin for a bad header, DATA_LOSS on
                                  size/md5 mismatch), DownloadFile (server stream of chunks,
                                  NOT_FOUND, INVALID_ARGUMENT + BadRequest for a bad name)
  grpc.health.v1.Health           Check ("" and the services above are SERVING)
Every call echoes request metadata whose key starts with x-echo- (text and -bin) as trailers,
and gzip-compresses its responses when the request has x-compress-response: gzip.
GetAgentInfo fails on request: x-fail-code (a status name) with x-fail-message-bin (UTF-8).

usage: agent_server.py --port PORT --dir DIR [--cert C.pem --key K.pem [--ca CA.pem]]
Binds 127.0.0.1:PORT (0 picks a free port), prints "READY <port>" once serving, stops on
SIGTERM/SIGINT (exit 0).
"""

import argparse
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import any_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_protos  # noqa: E402  pylint: disable=wrong-import-position
from interop_protos import FILE_SERVICE, HEALTH_SERVICE, HOST_SERVICE, STATUS_DETAILS_KEY  # noqa: E402  pylint: disable=wrong-import-position

P = None
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
STARTED_AT = int(time.time())
EVENT_LOCK = threading.Lock()


def event(**fields):
    with EVENT_LOCK:
        print("EVENT " + json.dumps(fields, sort_keys=True), flush=True)


def name_problem(name):
    if name == "":
        return "is required"
    if len(name) > 200:
        return "is longer than 200 characters"
    if not SAFE_NAME.match(name):
        return "may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit"
    if ".." in name:
        return "must not contain '..'"
    return None


class Call:
    """Per-call helpers: the x-echo- trailers and errors carrying google.rpc.Status."""

    def __init__(self, context):
        self.context = context
        self.metadata = dict(context.invocation_metadata())
        self.trailers = [(k, v) for k, v in context.invocation_metadata() if k.startswith("x-echo-")]
        context.set_trailing_metadata(tuple(self.trailers))
        if self.metadata.get("x-compress-response") == "gzip":
            context.set_compression(grpc.Compression.Gzip)

    def fail(self, code, message, *details):
        """Ends the call with code; with details, grpc-status-details-bin carries google.rpc.Status."""
        if details:
            status = P.status.Status(code=code.value[0], message=message)
            for detail in details:
                packed = any_pb2.Any()
                packed.Pack(detail)
                status.details.append(packed)
            self.context.set_trailing_metadata(tuple(self.trailers) + ((STATUS_DETAILS_KEY, status.SerializeToString()),))
        self.context.abort(code, message)

    def invalid_argument(self, violations):
        bad_request = P.error_details.BadRequest()
        for field, description in violations:
            bad_request.field_violations.add(field=field, description=description)
        self.fail(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(f"{f}: {d}" for f, d in violations), bad_request)


class Server:
    def __init__(self, directory, chunk_size):
        self.directory = directory
        self.chunk_size = chunk_size

    # HostService ---------------------------------------------------------------------------

    def get_agent_info(self, request, context):  # pylint: disable=unused-argument
        call = Call(context)
        if "x-fail-code" in call.metadata:
            # Failure on request: grpc-status x-fail-code, grpc-message the UTF-8 of x-fail-message-bin.
            message = call.metadata.get("x-fail-message-bin", b"").decode("utf-8")
            call.fail(grpc.StatusCode[call.metadata["x-fail-code"]], message)
        context.send_initial_metadata((("x-peer", f"python-grpcio/{grpc.__version__}"),))
        return P.host.AgentInfo(
            agent_version=f"python-grpcio/{grpc.__version__}",
            contract_versions=["platform.agent.v1"],
            hostname=socket.gethostname(),
            started_at=STARTED_AT)

    def get_host_info(self, request, context):  # pylint: disable=unused-argument
        """Slow on purpose: waits for the call to end (deadline, cancellation) or 30 s."""
        call = Call(context)
        call_id = call.metadata.get("x-call-id", "")
        remaining = context.time_remaining()
        event(event="slow_started", call_id=call_id, time_remaining_ms=None if remaining is None else round(remaining * 1000, 1))
        ended = threading.Event()
        context.add_callback(ended.set)
        started = time.monotonic()
        ended.wait(30)
        event(event="slow_ended", call_id=call_id, waited_ms=round((time.monotonic() - started) * 1000, 1), active=context.is_active())
        return P.host.HostInfo(hostname=socket.gethostname(), cpus=os.cpu_count() or 0)

    def ping(self, request_iterator, context):
        Call(context)
        for request in request_iterator:
            yield P.host.PingResponse(sequence=request.sequence, payload=request.payload, answered_at_unix_nanos=time.time_ns())

    # FileService ---------------------------------------------------------------------------

    def upload_file(self, request_iterator, context):
        call = Call(context)
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("part") != "header":
            call.invalid_argument([("header", "the first message of an upload must be its header")])
        header = first.header
        violations = []
        if not header.operation_id.strip():
            violations.append(("header.operation_id", "is required"))
        problem = name_problem(header.name)
        if problem:
            violations.append(("header.name", problem))
        if header.md5 and not HEX32.match(header.md5):
            violations.append(("header.md5", "must be 32 hex digits"))
        if violations:
            call.invalid_argument(violations)

        digest = hashlib.md5()
        received = 0
        partial = os.path.join(self.directory, f".partial-{os.getpid()}-{threading.get_ident()}-{header.name}")
        try:
            with open(partial, "xb") as handle:
                for part in request_iterator:
                    if part.WhichOneof("part") != "data":
                        call.invalid_argument([("header", "only the first message of an upload may be a header")])
                    received += len(part.data)
                    if received > header.size_bytes:
                        call.fail(grpc.StatusCode.DATA_LOSS, f"received more than the announced {header.size_bytes} bytes")
                    digest.update(part.data)
                    handle.write(part.data)
            if received != header.size_bytes:
                call.fail(grpc.StatusCode.DATA_LOSS, f"received {received} of the announced {header.size_bytes} bytes")
            md5 = digest.hexdigest()
            if header.md5 and header.md5.lower() != md5:
                call.fail(grpc.StatusCode.DATA_LOSS, f"md5 of the received bytes is {md5}, not the announced {header.md5}")
            os.replace(partial, os.path.join(self.directory, header.name))
            return P.files.UploadFileResponse(name=header.name, size_bytes=received, md5=md5)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)

    def download_file(self, request, context):
        call = Call(context)
        problem = name_problem(request.name)
        if problem:
            call.invalid_argument([("name", problem)])
        target = os.path.join(self.directory, request.name)
        try:
            handle = open(target, "rb")  # pylint: disable=consider-using-with
        except FileNotFoundError:
            call.fail(grpc.StatusCode.NOT_FOUND, f"no file '{request.name}'")
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if request.offset > size:
                call.fail(grpc.StatusCode.OUT_OF_RANGE, f"offset {request.offset} is past the end of '{request.name}' ({size} bytes)")
            handle.seek(request.offset)
            offset = request.offset
            while True:
                data = handle.read(self.chunk_size)
                if not data:
                    return
                yield P.files.FileChunk(offset=offset, data=data)
                offset += len(data)

    # grpc.health.v1.Health -------------------------------------------------------------------

    def health_check(self, request, context):
        call = Call(context)
        if request.service in ("", HOST_SERVICE, FILE_SERVICE, HEALTH_SERVICE):
            return P.health.HealthCheckResponse(status=P.health.HealthCheckResponse.SERVING)
        call.fail(grpc.StatusCode.NOT_FOUND, f"unknown service '{request.service}'")
        return None

    def handlers(self):
        host, files, health = P.host, P.files, P.health
        return [
            grpc.method_handlers_generic_handler(HOST_SERVICE, {
                "GetAgentInfo": grpc.unary_unary_rpc_method_handler(
                    self.get_agent_info, host.GetAgentInfoRequest.FromString, host.AgentInfo.SerializeToString),
                "GetHostInfo": grpc.unary_unary_rpc_method_handler(
                    self.get_host_info, host.GetHostInfoRequest.FromString, host.HostInfo.SerializeToString),
                "Ping": grpc.stream_stream_rpc_method_handler(
                    self.ping, host.PingRequest.FromString, host.PingResponse.SerializeToString),
            }),
            grpc.method_handlers_generic_handler(FILE_SERVICE, {
                "UploadFile": grpc.stream_unary_rpc_method_handler(
                    self.upload_file, files.UploadFileRequest.FromString, files.UploadFileResponse.SerializeToString),
                "DownloadFile": grpc.unary_stream_rpc_method_handler(
                    self.download_file, files.DownloadFileRequest.FromString, files.FileChunk.SerializeToString),
            }),
            grpc.method_handlers_generic_handler(HEALTH_SERVICE, {
                "Check": grpc.unary_unary_rpc_method_handler(
                    self.health_check, health.HealthCheckRequest.FromString, health.HealthCheckResponse.SerializeToString),
            }),
        ]


def main():
    global P  # pylint: disable=global-statement
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--dir", required=True, help="directory of uploaded/downloadable files")
    parser.add_argument("--cert", help="PEM server certificate (TLS)")
    parser.add_argument("--key", help="PEM private key of --cert")
    parser.add_argument("--ca", help="PEM CA that client certificates must chain to (mutual TLS, required)")
    parser.add_argument("--chunk-size", type=int, default=64 * 1024, help="bytes per downloaded chunk")
    parser.add_argument("--proto-cache", help="where generated message modules are kept")
    args = parser.parse_args()
    if bool(args.cert) != bool(args.key) or (args.ca and not args.cert):
        parser.error("--cert and --key go together; --ca needs them")

    try:
        P = interop_protos.load(args.proto_cache)
    except interop_protos.SetupError as error:
        print(f"agent_server.py: {error}", file=sys.stderr)
        return 3
    os.makedirs(args.dir, exist_ok=True)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         handlers=Server(args.dir, args.chunk_size).handlers(),
                         options=[("grpc.max_receive_message_length", 16 * 1024 * 1024)])
    address = f"127.0.0.1:{args.port}"
    if args.cert:
        def read(name):
            with open(name, "rb") as handle:
                return handle.read()
        credentials = grpc.ssl_server_credentials(
            [(read(args.key), read(args.cert))],
            root_certificates=read(args.ca) if args.ca else None,
            require_client_auth=bool(args.ca))
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        print(f"agent_server.py: cannot bind {address}", file=sys.stderr)
        return 1
    server.start()

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    print(f"READY {port}", flush=True)
    while not stopping.wait(0.5):
        pass
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
