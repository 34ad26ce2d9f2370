using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace Platform.Controller.Idempotency;

/// <summary>
/// What makes two requests "the same request" for an Idempotency-Key: the caller's credentials
/// (the key's scope), the method, the path as spelled, the query string, the body's media type,
/// and the body itself (<see cref="BodyHasher"/>). Headers other than these (Date, X-Request-Id,
/// User-Agent…) may differ between a request and its repeat.
/// </summary>
internal static class RequestFingerprint
{
    /// <summary>
    /// Whose key it is: the signed-in user's (whichever of their tokens or sessions sent it) or
    /// the terminal's; a request without credentials (a terminal registering) has the empty
    /// scope, whose keys every such caller shares: use random ones, such as UUIDs.
    /// </summary>
    public static string Scope(string? principal) =>
        string.IsNullOrEmpty(principal) ? "" : Sha256("scope\n" + principal);

    /// <summary>The request line and the body's media type; parameters of the media type (a multipart boundary, a charset) are left out.</summary>
    public static string Head(string method, string path, string query, string? contentType)
    {
        var media = contentType is null ? ""
            : MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.HasValue ? parsed.MediaType.Value!.ToLowerInvariant()
            : contentType.Trim().ToLowerInvariant();
        return Sha256($"v1\n{method.ToUpperInvariant()}\n{path}\n{query}\n{media}");
    }

    /// <summary>
    /// The multipart boundary of a multipart body, which the body hash leaves out: clients (curl -F,
    /// browsers, HttpClient) pick a new random boundary for every request, a repeat included.
    /// </summary>
    public static string? BoundaryOf(string? contentType) =>
        contentType is not null
        && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)
        && HeaderUtilities.RemoveQuotes(parsed.Boundary) is { Length: > 0 } boundary
            ? boundary.Value
            : null;

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>
/// SHA-256 of a body as it streams past, in pieces of any size, holding nothing but the hash
/// state (an upload of gigabytes is never buffered). With a multipart boundary, every occurrence
/// of the boundary is left out of the hash, so a repeat that differs only in its boundary hashes
/// the same; a multipart body cannot contain its boundary otherwise.
/// </summary>
internal sealed class BodyHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[]? _boundary;
    // The end of what was appended so far that may be the start of a boundary: hashed once it is known not to be.
    private byte[] _pending = [];

    public BodyHasher(string? boundary)
    {
        _boundary = string.IsNullOrEmpty(boundary) ? null : Encoding.ASCII.GetBytes(boundary);
    }

    /// <summary>Bytes appended, boundaries included.</summary>
    public long Bytes { get; private set; }

    /// <summary>The hash (hex), once <see cref="Complete"/> was called.</summary>
    public string? Hash { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Hash is not null)
        {
            throw new InvalidOperationException("the body is complete");
        }
        Bytes += data.Length;
        if (_boundary is null)
        {
            _hash.AppendData(data);
            return;
        }
        if (_pending.Length + data.Length < _boundary.Length * 2)
        {
            // Small pieces: simply join them to what is pending.
            var joined = new byte[_pending.Length + data.Length];
            _pending.CopyTo(joined, 0);
            data.CopyTo(joined.AsSpan(_pending.Length));
            _pending = [];
            Scan(joined);
            return;
        }
        if (_pending.Length > 0)
        {
            // A boundary may start in what is pending and end in the new data.
            var head = new byte[_pending.Length + _boundary.Length - 1];
            _pending.CopyTo(head, 0);
            data[..(_boundary.Length - 1)].CopyTo(head.AsSpan(_pending.Length));
            var at = head.AsSpan().IndexOf(_boundary);
            if (at >= 0 && at < _pending.Length)
            {
                _hash.AppendData(head.AsSpan(0, at));
                data = data[(at + _boundary.Length - _pending.Length)..];
            }
            else
            {
                _hash.AppendData(_pending);
            }
            _pending = [];
        }
        Scan(data);
    }

    /// <summary>Ends the body; answers the hash.</summary>
    public string Complete()
    {
        if (Hash is null)
        {
            _hash.AppendData(_pending);
            _pending = [];
            Hash = Convert.ToHexStringLower(_hash.GetHashAndReset());
        }
        return Hash;
    }

    public void Dispose() => _hash.Dispose();

    private void Scan(ReadOnlySpan<byte> data)
    {
        var boundary = _boundary!;
        while (data.IndexOf(boundary) is var at and >= 0)
        {
            _hash.AppendData(data[..at]);
            data = data[(at + boundary.Length)..];
        }
        var keep = Math.Min(data.Length, boundary.Length - 1);
        _hash.AppendData(data[..^keep]);
        _pending = data[^keep..].ToArray();
    }
}
