using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Controller.Api;

/// <summary>
/// JSON from a client, parsed strictly: a duplicate key (at any depth), text that is not UTF-8, a
/// lone surrogate escape (<c>"\ud800"</c>) or a NUL character in a key is refused with the field it
/// is in, before any handler reads a value (each of them used to surface later as a 500).
/// </summary>
internal static class JsonBodies
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 32 };

    /// <summary>The parsed value, or what is wrong with the text (field = where, as a JSON path).</summary>
    public static (JsonNode? Node, FieldError? Problem) Parse(ReadOnlyMemory<byte> utf8, string field = "body")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, Strict);
        }
        catch (JsonException e)
        {
            return (null, new FieldError(field, $"is not valid JSON: {e.Message}"));
        }
        catch (InvalidOperationException)
        {
            // Looking for duplicate keys unescapes every key: a lone surrogate escape in one fails there.
            return (null, new FieldError(field, "has a key that is not valid text (invalid UTF-8 or a lone surrogate escape)"));
        }
        using (document)
        {
            if (Check(document.RootElement, field) is { } problem)
            {
                return (null, problem);
            }
            return (JsonNode.Parse(document.RootElement.GetRawText()), null);
        }
    }

    public static (JsonNode? Node, FieldError? Problem) Parse(string text, string field) => Parse(System.Text.Encoding.UTF8.GetBytes(text), field);

    /// <summary>The first string or key that is not text a client may send (invalid UTF-8, a lone surrogate, NUL).</summary>
    private static FieldError? Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return new FieldError(path, "has a key that is not valid UTF-8 text");
                    }
                    if (name.Contains('\0', StringComparison.Ordinal))
                    {
                        return new FieldError(path, "has a key with a NUL character");
                    }
                    if (Check(property.Value, path == "body" ? name : $"{path}.{name}") is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Check(item, $"{path}[{index++}]") is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonValueKind.String:
                try
                {
                    // A NUL in a value is for the field's own rule to refuse, beside every other problem of the request.
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return new FieldError(path, "is not valid text (invalid UTF-8 or a lone surrogate escape)");
                }
            default:
                return null;
        }
    }
}
