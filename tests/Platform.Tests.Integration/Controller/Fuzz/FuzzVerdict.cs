using System.Text.Json;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>Whether an answer keeps the facade's contract for a fuzz case; null when it does.</summary>
internal static class FuzzVerdict
{
    public static string? ProblemOf(FuzzCase fuzz, RawResponse? response)
    {
        if (response is null)
        {
            return "the connection closed without an answer";
        }
        var shown = $"{response.Status} {Shorten(response.Text)}";
        if (response.Status >= 500)
        {
            return shown;
        }
        if (fuzz.Expect == Expectation.BareFromKestrel)
        {
            return response.Status == fuzz.ExpectedStatus ? null : $"expected Kestrel's {fuzz.ExpectedStatus}, got {shown}";
        }
        if (fuzz.ExpectedStatus is { } status && response.Status != status)
        {
            return $"expected {status}, got {shown}";
        }
        if (fuzz.Request.Method == "HEAD" || response.Header("Content-Type")?.StartsWith("application/octet-stream", StringComparison.Ordinal) == true)
        {
            // No body to hold an envelope: a HEAD answer, or a download's bytes.
            return fuzz.Expect == Expectation.Refused && response.Status < 400 ? $"bad input accepted: {response.Status}" : null;
        }
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(response.Body).RootElement;
        }
        catch (JsonException)
        {
            return "no JSON envelope: " + shown;
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var code) || code.ValueKind != JsonValueKind.Number
            || !root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String)
        {
            return "not an envelope: " + shown;
        }
        if (response.Status < 400)
        {
            if (fuzz.Expect == Expectation.Refused)
            {
                return "bad input accepted: " + shown;
            }
            return code.GetInt32() == 0 ? null : "a success with a non-zero code: " + shown;
        }
        if (code.GetInt32() / 100 != response.Status || string.IsNullOrWhiteSpace(message.GetString()) || !root.TryGetProperty("data", out _))
        {
            return "a refusal whose envelope does not match its status (code/100 = status, a message, data): " + shown;
        }
        return null;
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
