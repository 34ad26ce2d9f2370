#!/usr/bin/python3
"""The grpcio (C-core) side of `Platform.Benchmarks grpc`: the same RPCs and the same load as
the C# side, with grpc.aio for both client and server.

Run with Debian's /usr/bin/python3 (python3-grpcio, python3-protobuf); the message modules are
generated at run time with the system protoc (protobuf-compiler 3.21 matches python3-protobuf
4.21) into a directory the caller owns. The RPCs go through grpcio's generic API (method paths
and serializers), which is what generated stubs do underneath.

  bench_grpcio.py gen    --proto-root DIR --out DIR
  bench_grpcio.py server --gen DIR --dir DIR [--port 0] [--agent-version V --hostname H --started-at N]
        serves platform.agent.v1.HostService/GetAgentInfo and FileService/UploadFile on
        127.0.0.1; prints "READY <port>"; stops on SIGTERM/SIGINT.
  bench_grpcio.py client --gen DIR --target 127.0.0.1:PORT
        one channel for the life of the process; reads one JSON command per line on stdin,
        answers one JSON line on stdout each:
          {"op": "unary", "concurrency": 16, "warmup": 2.0, "duration": 5.0}
            -> {"calls": N, "seconds": S, "p50_ns": N, "p99_ns": N}
          {"op": "upload", "name": "x", "chunk_file": PATH, "chunks": 1024}
            -> {"seconds": S, "bytes": N, "md5": "..."}
        exits at end of input.
"""

import argparse
import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

HOST_SERVICE = "platform.agent.v1.HostService"
FILE_SERVICE = "platform.agent.v1.FileService"
CONTRACT_VERSION = "platform.agent.v1"
PROTOC = os.environ.get("PLATFORM_BENCH_PROTOC", "/usr/bin/protoc")


def generate(proto_root, out):
    """Message modules host_pb2 and files_pb2. Compiled from their own directory: a top-level
    module named "platform" would shadow the standard library's (which grpcio imports)."""
    os.makedirs(out, exist_ok=True)
    root = os.path.join(proto_root, "platform", "agent", "v1")
    subprocess.run([PROTOC, f"-I{root}", f"--python_out={out}", "host.proto", "files.proto"], check=True)


def load(gen):
    sys.path.insert(0, gen)
    import host_pb2  # noqa: E402  pylint: disable=import-outside-toplevel,import-error
    import files_pb2  # noqa: E402  pylint: disable=import-outside-toplevel,import-error
    return host_pb2, files_pb2


# --- server -----------------------------------------------------------------------------------

async def serve(args):
    import grpc  # pylint: disable=import-outside-toplevel
    host_pb2, files_pb2 = load(args.gen)

    info = host_pb2.AgentInfo(agent_version=args.agent_version, contract_versions=[CONTRACT_VERSION],
                              hostname=args.hostname, started_at=args.started_at)

    async def get_agent_info(request, context):  # pylint: disable=unused-argument
        # A new message per call, as the agent does.
        return host_pb2.AgentInfo(agent_version=info.agent_version, contract_versions=info.contract_versions,
                                  hostname=info.hostname, started_at=info.started_at)

    async def upload_file(request_iterator, context):
        """The agent's UploadFile: header first, the bytes into a partial file with md5 on the way,
        size check, then the partial file renamed to its name. No fsync (the agent does none)."""
        iterator = request_iterator.__aiter__()
        try:
            first = await iterator.__anext__()
        except StopAsyncIteration:
            first = None
        if first is None or first.WhichOneof("part") != "header":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the first message of an upload must be its header")
        header = first.header
        partial = os.path.join(args.dir, f".partial-{os.getpid()}-{time.monotonic_ns()}-{header.name}")
        md5 = hashlib.md5()
        received = 0
        try:
            with open(partial, "xb", buffering=0) as file:
                async for part in iterator:
                    data = part.data
                    received += len(data)
                    if received > header.size_bytes:
                        await context.abort(grpc.StatusCode.DATA_LOSS, f"received more than the announced {header.size_bytes} bytes")
                    md5.update(data)
                    file.write(data)
            if received != header.size_bytes:
                await context.abort(grpc.StatusCode.DATA_LOSS, f"received {received} of the announced {header.size_bytes} bytes")
            digest = md5.hexdigest()
            if header.md5 and header.md5.lower() != digest:
                await context.abort(grpc.StatusCode.DATA_LOSS, f"md5 is {digest}, not {header.md5}")
            os.rename(partial, os.path.join(args.dir, header.name))
            return files_pb2.UploadFileResponse(name=header.name, size_bytes=received, md5=digest)
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    handlers = [
        grpc.method_handlers_generic_handler(HOST_SERVICE, {
            "GetAgentInfo": grpc.unary_unary_rpc_method_handler(
                get_agent_info,
                request_deserializer=host_pb2.GetAgentInfoRequest.FromString,
                response_serializer=host_pb2.AgentInfo.SerializeToString),
        }),
        grpc.method_handlers_generic_handler(FILE_SERVICE, {
            "UploadFile": grpc.stream_unary_rpc_method_handler(
                upload_file,
                request_deserializer=files_pb2.UploadFileRequest.FromString,
                response_serializer=files_pb2.UploadFileResponse.SerializeToString),
        }),
    ]
    # The agent accepts 4 MiB messages; so does grpcio by default.
    server = grpc.aio.server(handlers=handlers)
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    await server.start()
    print(f"READY {port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grace=1)


# --- client -----------------------------------------------------------------------------------

async def unary(get_agent_info, request, concurrency, warmup, duration):
    """`concurrency` tasks, each with one call in flight at a time, for warmup + duration seconds;
    the calls that complete within the measured window count."""
    clock = time.perf_counter_ns
    start = clock()
    measure_from = start + int(warmup * 1e9)
    measure_to = measure_from + int(duration * 1e9)
    latencies = []

    async def caller():
        record = latencies.append
        while True:
            begin = clock()
            if begin >= measure_to:
                return
            await get_agent_info(request)
            end = clock()
            if measure_from <= end <= measure_to:
                record(end - begin)

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return {"calls": len(latencies), "seconds": duration,
            "p50_ns": percentile(latencies, 0.50), "p99_ns": percentile(latencies, 0.99)}


def percentile(samples, fraction):
    """Nearest rank, as on the C# side."""
    if not samples:
        return 0
    ordered = sorted(samples)
    # ceil(fraction * n) in integers, so that 0.99 * 100 is exactly 99.
    rank = max(1, (round(fraction * 1_000_000) * len(ordered) + 999_999) // 1_000_000)
    return ordered[rank - 1]


async def upload(upload_file, files_pb2, name, chunk_file, chunks):
    with open(chunk_file, "rb") as source:
        chunk = source.read()
    header = files_pb2.UploadFileRequest(header=files_pb2.UploadFileHeader(
        operation_id="bench", name=name, size_bytes=len(chunk) * chunks))
    # One message reused for every chunk, as on the C# side; the client computes no md5.
    data = files_pb2.UploadFileRequest(data=chunk)

    async def requests():
        yield header
        for _ in range(chunks):
            yield data

    begin = time.perf_counter_ns()
    response = await upload_file(requests())
    seconds = (time.perf_counter_ns() - begin) / 1e9
    return {"seconds": seconds, "bytes": response.size_bytes, "md5": response.md5}


def client(args):
    import grpc  # pylint: disable=import-outside-toplevel
    host_pb2, files_pb2 = load(args.gen)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    async def connect():
        channel = grpc.aio.insecure_channel(args.target)
        await asyncio.wait_for(channel.channel_ready(), 10)
        return channel

    channel = loop.run_until_complete(connect())
    get_agent_info = channel.unary_unary(f"/{HOST_SERVICE}/GetAgentInfo",
                                         request_serializer=host_pb2.GetAgentInfoRequest.SerializeToString,
                                         response_deserializer=host_pb2.AgentInfo.FromString)
    upload_file = channel.stream_unary(f"/{FILE_SERVICE}/UploadFile",
                                       request_serializer=files_pb2.UploadFileRequest.SerializeToString,
                                       response_deserializer=files_pb2.UploadFileResponse.FromString)
    request = host_pb2.GetAgentInfoRequest()
    from google.protobuf import __version__ as protobuf_version  # pylint: disable=import-outside-toplevel
    from google.protobuf.internal import api_implementation  # pylint: disable=import-outside-toplevel
    print(json.dumps({"ready": True, "grpcio": grpc.__version__, "protobuf": protobuf_version,
                      "protobuf_impl": api_implementation.Type(), "python": sys.version.split()[0]}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        try:
            if command["op"] == "unary":
                result = loop.run_until_complete(unary(get_agent_info, request, int(command["concurrency"]),
                                                       float(command["warmup"]), float(command["duration"])))
            elif command["op"] == "upload":
                result = loop.run_until_complete(upload(upload_file, files_pb2, command["name"],
                                                        command["chunk_file"], int(command["chunks"])))
            else:
                result = {"error": f"unknown op {command['op']}"}
        except grpc.aio.AioRpcError as error:
            result = {"error": f"{error.code().name}: {error.details()}"}
        print(json.dumps(result), flush=True)
    loop.run_until_complete(channel.close())
    loop.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("gen")
    gen.add_argument("--proto-root", required=True)
    gen.add_argument("--out", required=True)
    server = commands.add_parser("server")
    server.add_argument("--gen", required=True)
    server.add_argument("--dir", required=True)
    server.add_argument("--port", type=int, default=0)
    server.add_argument("--agent-version", default="0.0.0")
    server.add_argument("--hostname", default="localhost")
    server.add_argument("--started-at", type=int, default=int(time.time()))
    cli = commands.add_parser("client")
    cli.add_argument("--gen", required=True)
    cli.add_argument("--target", required=True)
    args = parser.parse_args()

    if args.command == "gen":
        generate(args.proto_root, args.out)
    elif args.command == "server":
        asyncio.run(serve(args))
    else:
        client(args)


if __name__ == "__main__":
    main()
