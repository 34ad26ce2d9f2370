using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Platform.Grpc.Protocol;

/// <summary>Metadata to and from HTTP/2 header fields: -bin values travel as base64.</summary>
internal static class MetadataHeaders
{
    public static Metadata FromHttp(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                Add(metadata, name, value ?? "");
            }
        }
        return metadata;
    }

    public static Metadata FromHttp(params HttpHeaders?[] headerSets)
    {
        var metadata = new Metadata();
        foreach (var headers in headerSets)
        {
            if (headers is null)
            {
                continue;
            }
            foreach (var (name, values) in headers.NonValidated)
            {
                if (GrpcProtocol.IsReservedHeader(name))
                {
                    continue;
                }
                foreach (var value in values)
                {
                    Add(metadata, name, value);
                }
            }
        }
        return metadata;
    }

    public static void ToHttp(Metadata metadata, IHeaderDictionary headers)
    {
        foreach (var entry in metadata)
        {
            headers.Append(entry.Key, entry.IsBinary ? ToUnpaddedBase64(entry.ValueBytes) : entry.Value);
        }
    }

    public static void ToHttp(Metadata metadata, HttpHeaders headers)
    {
        foreach (var entry in metadata)
        {
            headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? ToUnpaddedBase64(entry.ValueBytes) : entry.Value);
        }
    }

    /// <summary>
    /// HttpClient sends the values of a repeated key comma-joined in one header field. The spec
    /// allows that, but grpc-core rejects it for -bin keys ("Failed parsing HTTP/2"), so a
    /// repeated binary key is refused before anything is sent.
    /// </summary>
    public static void EnsureSendable(Metadata metadata)
    {
        var binaryKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in metadata)
        {
            if (entry.IsBinary && !binaryKeys.Add(entry.Key))
            {
                throw new ArgumentException($"binary metadata key '{entry.Key}' appears more than once; send its values under one key or distinct keys", nameof(metadata));
            }
        }
    }

    /// <summary>Binary values are sent unpadded and accepted padded or not (the spec allows both).</summary>
    public static byte[] FromBase64(string value)
    {
        var padded = value.Trim();
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.FromBase64String(padded);
    }

    private static string ToUnpaddedBase64(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    /// <summary>A peer's malformed entry (bad base64, non-ASCII text) is dropped, not fatal to the call.</summary>
    private static void Add(Metadata metadata, string name, string value)
    {
        try
        {
            AddEntry(metadata, name, value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
        }
    }

    private static void AddEntry(Metadata metadata, string name, string value)
    {
        var key = name.ToLowerInvariant();
        if (Metadata.Entry.IsBinaryKey(key))
        {
            // Several binary values may share one header line, comma-separated.
            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                metadata.Add(key, FromBase64(part));
            }
        }
        else
        {
            metadata.Add(key, value);
        }
    }
}
