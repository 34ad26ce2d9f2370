"""Message modules for the interop peers, generated at run time with the system protoc.

Why not grpc_tools: Debian 12's python3-grpc-tools is 1.14 and bundles a protoc from 2018
whose output predates the descriptor API of python3-protobuf 4.21; the system protoc
(protobuf-compiler 3.21) matches python3-protobuf exactly. Only --python_out is used: the
peers call and serve RPCs through grpcio's generic API (method paths + serializers), so no
gRPC codegen is needed at all.

Naming: the platform's protos live in package directory platform/..., and a Python module
"platform" is in the standard library (grpcio imports it), so a generated package of that
name could never be imported. The platform and health protos are therefore compiled from
their own directories (modules host_pb2, files_pb2, health_pb2 at the top level); the message
full names on the wire stay platform.agent.v1.* and grpc.health.v1.*. google/rpc keeps its
path: "google" is a namespace package, so google.rpc.* merges with python3-protobuf's
google.protobuf.*.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

PROTOC = os.environ.get("PLATFORM_INTEROP_PROTOC", "/usr/bin/protoc")
GRPC_PROTO_ROOT = os.environ.get("PLATFORM_INTEROP_GRPC_PROTO", "/usr/share/grpc-proto")
REPO_PROTO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "proto"))



def _well_known_root():
    """Where google/protobuf/*.proto are: protobuf-compiler ships no .proto files; libprotobuf-dev
    puts them in /usr/include, python3-grpc-tools in its _proto directory."""
    candidates = [os.environ.get("PLATFORM_INTEROP_WKT"), "/usr/include", "/usr/local/include",
                  "/usr/lib/python3/dist-packages/grpc_tools/_proto"]
    for candidate in candidates:
        if candidate and os.path.isfile(os.path.join(candidate, "google", "protobuf", "any.proto")):
            return candidate
    raise SetupError("google/protobuf/any.proto not found (install libprotobuf-dev or python3-grpc-tools)")


# (include root, files relative to it)
_UNITS = [
    (os.path.join(REPO_PROTO, "platform", "agent", "v1"), ["host.proto", "files.proto"]),
    (REPO_PROTO, ["google/rpc/status.proto", "google/rpc/error_details.proto"]),
    (os.path.join(GRPC_PROTO_ROOT, "grpc", "health", "v1"), ["health.proto"]),
]


class SetupError(Exception):
    """The peer cannot run here (no protoc, no protos): not an interop observation."""


def _fingerprint():
    digest = hashlib.sha256()
    try:
        digest.update(subprocess.run([PROTOC, "--version"], check=True, capture_output=True).stdout)
    except (OSError, subprocess.CalledProcessError) as error:
        raise SetupError(f"{PROTOC} --version failed: {error}") from error
    for root, files in _UNITS:
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as source:
                    digest.update(name.encode() + b"\0" + source.read())
            except OSError as error:
                raise SetupError(f"cannot read {path}: {error}") from error
    return digest.hexdigest()[:16]


def load(cache_dir=None):
    """Generates (once per proto content) and imports the message modules; returns a namespace of them."""
    base = cache_dir or os.environ.get("PLATFORM_INTEROP_CACHE") or os.path.join(tempfile.gettempdir(), "platform-interop-python")
    target = os.path.join(base, _fingerprint())
    if not os.path.isdir(target):
        os.makedirs(base, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".staging-", dir=base)
        try:
            for root, files in _UNITS:
                result = subprocess.run([PROTOC, f"-I{root}", f"-I{_well_known_root()}", f"--python_out={staging}", *files],
                                        capture_output=True, text=True)
                if result.returncode != 0:
                    raise SetupError(f"protoc failed for {files}: {result.stderr.strip()}")
            try:
                os.rename(staging, target)
            except OSError:
                # Another peer generated the same modules at the same time; theirs are identical.
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    sys.path.insert(0, target)

    import host_pb2  # noqa: E402  pylint: disable=import-outside-toplevel,import-error
    import files_pb2  # noqa: E402  pylint: disable=import-outside-toplevel,import-error
    import health_pb2  # noqa: E402  pylint: disable=import-outside-toplevel,import-error
    from google.rpc import status_pb2, error_details_pb2  # noqa: E402  pylint: disable=import-outside-toplevel,import-error

    class Protos:  # pylint: disable=too-few-public-methods
        host = host_pb2
        files = files_pb2
        health = health_pb2
        status = status_pb2
        error_details = error_details_pb2
        directory = target

    return Protos


# Method paths of the contract (/package.Service/Method).
HOST_SERVICE = "platform.agent.v1.HostService"
FILE_SERVICE = "platform.agent.v1.FileService"
HEALTH_SERVICE = "grpc.health.v1.Health"
STATUS_DETAILS_KEY = "grpc-status-details-bin"


def path(service, method):
    return f"/{service}/{method}"
