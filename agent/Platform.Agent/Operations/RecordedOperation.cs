using System.Buffers.Binary;
using System.Security.Cryptography;
using Grpc.Core;

namespace Platform.Agent.Operations;

/// <summary>The SHA-256 of a request's serialized bytes, held as two 128-bit halves rather than as a 64-character string.</summary>
internal readonly record struct RequestDigest(UInt128 High, UInt128 Low)
{
    public static RequestDigest Of(ReadOnlySpan<byte> request)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(request, hash);
        return new RequestDigest(BinaryPrimitives.ReadUInt128BigEndian(hash), BinaryPrimitives.ReadUInt128BigEndian(hash[16..]));
    }

    /// <summary>The digest written as 64 hex digits (a journal line's <c>request_sha256</c>); null when it is not that.</summary>
    public static RequestDigest? FromHex(ReadOnlySpan<char> hex)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (hex.Length != 2 * SHA256.HashSizeInBytes || Convert.FromHexString(hex, hash, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }
        return new RequestDigest(BinaryPrimitives.ReadUInt128BigEndian(hash), BinaryPrimitives.ReadUInt128BigEndian(hash[16..]));
    }

    public string ToHex()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        BinaryPrimitives.WriteUInt128BigEndian(hash, High);
        BinaryPrimitives.WriteUInt128BigEndian(hash[16..], Low);
        return Convert.ToHexStringLower(hash);
    }
}

/// <summary>Where a record's line is in the journal file: its offset and its length without the newline.</summary>
internal readonly record struct RecordLocation(long Offset, int Length);

/// <summary>
/// What the journal keeps in memory of a recorded outcome: enough to refuse a reused id, to know
/// when it expires and to find the outcome itself (response bytes, error message and details)
/// in the file. The method name is shared with every other record of that method.
/// </summary>
internal readonly record struct RecordedOperation(string Method, RequestDigest RequestHash, DateTimeOffset At, StatusCode Code, RecordLocation Location)
{
    /// <summary>
    /// The managed bytes an index of <paramref name="capacity"/> entries holds besides its keys:
    /// per entry the dictionary's hash code, next index, key reference and this struct, and a bucket.
    /// </summary>
    public static long IndexBytes(int capacity) => capacity * (4L + 4 + 8 + 80 + 4);

    /// <summary>The managed bytes of an id string used as a key: header, length and UTF-16 characters, rounded up to 8.</summary>
    public static long KeyBytes(string operationId) => (24 + 2L * operationId.Length + 7) & ~7L;
}

/// <summary>
/// The journal's figures: whether it is open, outcomes indexed, operations running, the managed
/// bytes the index holds (<see cref="RecordedOperation.IndexBytes"/> and the keys), and the file's size.
/// </summary>
internal readonly record struct OperationJournalFigures(bool Open, int Records, int Running, long BytesHeld, long FileBytes);
