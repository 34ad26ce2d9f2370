using System.Text.Json;
using Grpc.Core;

namespace Platform.Agent.Operations;

/// <summary>
/// Reads of a journal line only what the index needs (id, method, request digest, time, status),
/// skipping the outcome's bytes: opening a journal of a busy week then allocates little more than
/// the index it keeps. The outcome itself is parsed in full (<see cref="OperationJournalFile.Parse"/>)
/// when it is replayed; a line whose outcome does not parse then is dropped and the operation runs again.
/// </summary>
internal static class OperationRecordHeader
{
    /// <summary>
    /// The index entry of <paramref name="line"/> at <paramref name="location"/>, or null when the line
    /// is not a record this journal writes (the checks of <see cref="OperationRecord.IsWellFormed"/>,
    /// and a request digest of 64 hex digits). Method names are shared through <paramref name="methods"/>.
    /// </summary>
    public static (string OperationId, RecordedOperation Record)? Read(ReadOnlySpan<byte> line, RecordLocation location, List<string> methods)
    {
        string? id = null;
        string? method = null;
        RequestDigest? digest = null;
        DateTimeOffset? at = null;
        var code = (int)StatusCode.OK;
        var hasResponse = false;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader;
                reader.Read();
                var isString = reader.TokenType == JsonTokenType.String;
                if (property.ValueTextEquals("id"u8))
                {
                    id = isString ? reader.GetString() : null;
                }
                else if (property.ValueTextEquals("method"u8))
                {
                    method = isString ? Shared(ref reader, methods) : null;
                }
                else if (property.ValueTextEquals("request_sha256"u8))
                {
                    digest = isString ? Digest(ref reader) : null;
                }
                else if (property.ValueTextEquals("at"u8))
                {
                    at = isString && reader.TryGetDateTimeOffset(out var value) ? value : null;
                }
                else if (property.ValueTextEquals("code"u8))
                {
                    code = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : -1;
                }
                else if (property.ValueTextEquals("response"u8))
                {
                    hasResponse = isString;
                }
                // Past the value, whatever it was: an object or array, a name this reader does not need.
                reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return null;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or text that is not UTF-8.
            return null;
        }
        var wellFormed = !string.IsNullOrEmpty(id)
            && !string.IsNullOrEmpty(method)
            && digest is not null
            && at is not null
            && (code == (int)StatusCode.OK ? hasResponse : code is > 0 and <= (int)StatusCode.Unauthenticated);
        return wellFormed ? (id!, new RecordedOperation(method!, digest!.Value, at!.Value, (StatusCode)code, location)) : null;
    }

    /// <summary>The method name as already seen (no new string per line), or a new one remembered.</summary>
    private static string Shared(ref Utf8JsonReader reader, List<string> methods)
    {
        foreach (var known in methods)
        {
            if (reader.ValueTextEquals(known))
            {
                return known;
            }
        }
        var method = reader.GetString()!;
        methods.Add(method);
        return method;
    }

    private static RequestDigest? Digest(ref Utf8JsonReader reader)
    {
        Span<char> hex = stackalloc char[64];
        if (reader.HasValueSequence || reader.ValueSpan.Length > hex.Length * 6)
        {
            return null;
        }
        try
        {
            return reader.CopyString(hex) == hex.Length ? RequestDigest.FromHex(hex) : null;
        }
        catch (ArgumentException)
        {
            // Longer than 64 characters.
            return null;
        }
    }
}
