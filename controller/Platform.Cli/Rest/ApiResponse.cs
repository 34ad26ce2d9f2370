using System.Text.Json;

namespace Platform.Cli.Rest;

/// <summary>
/// A response of the controller read as its envelope: <c>{"code", "message", "data" | "result"}</c>.
/// A body that is no envelope (a proxy's page, an empty reply) is a failure named by its HTTP status.
/// </summary>
internal sealed record ApiResponse(int HttpStatus, int Code, string Message, JsonElement? Data)
{
    public bool IsSuccess => Code == 0 && HttpStatus is >= 200 and < 300;

    /// <summary>The exit code this response ends the command with.</summary>
    public ExitCode Exit => IsSuccess ? ExitCode.Ok : Code != 0 ? ExitCodes.ForApiCode(Code) : ExitCodes.ForHttpStatus(HttpStatus);

    /// <summary>The line printed for a failure: the server's message, its code, and the fields it names.</summary>
    public string FailureText
    {
        get
        {
            var text = Code != 0 ? $"{Message} (code {Code})" : $"HTTP {HttpStatus}: {Message}";
            if (Data is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                // The fields the message does not already spell out, one a line.
                var lines = errors.EnumerateArray()
                    .Select(e => e.ValueKind == JsonValueKind.Object ? $"{Property(e, "field")}: {Property(e, "message")}" : e.ToString())
                    .Where(line => !Message.Contains(line, StringComparison.Ordinal))
                    .Select(line => "  " + line)
                    .ToList();
                if (lines.Count > 0)
                {
                    text += Environment.NewLine + string.Join(Environment.NewLine, lines);
                }
            }
            return text;
        }
    }

    public static ApiResponse Parse(int httpStatus, string body)
    {
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number)
                {
                    var message = root.TryGetProperty("message", out var m) ? m.ToString()
                        : root.TryGetProperty("msg", out var msg) ? msg.ToString() : "";
                    JsonElement? data = root.TryGetProperty("data", out var d) ? d.Clone()
                        : root.TryGetProperty("result", out var r) ? r.Clone() : null;
                    return new ApiResponse(httpStatus, code.TryGetInt32(out var c) ? c : -1, message, data);
                }
            }
            catch (JsonException)
            {
                // Not an envelope: reported below by its status and text.
            }
        }
        // Not an envelope (a proxy's page, an empty reply): its status decides, its text is the message.
        var text = body.Length > 200 ? body[..200] + "…" : body;
        return new ApiResponse(httpStatus, 0, text.Length > 0 ? text : "no body", null);
    }

    /// <summary>The task a response started, when its data names one (<c>task_id</c>).</summary>
    public string? StartedTaskId =>
        Data is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("task_id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    private static string Property(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ToString() : "";
}
