using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Platform.Tests.Integration.Controller.OpenApi;

/// <summary>One operation of the document: its method and path template as the document spells them.</summary>
internal sealed record DescribedOperation(string Method, string Path, JsonObject Operation)
{
    public string OperationId => Operation["operationId"]?.GetValue<string>() ?? "";

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>
/// The OpenAPI document a controller serves, read as plain JSON, and the JSON Schema (2020-12,
/// the dialect of OpenAPI 3.1) of each operation's answers to validate real answers with.
/// </summary>
internal sealed class ServedApiDescription
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private readonly JsonObject _document;
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    private ServedApiDescription(JsonObject document) => _document = document;

    public JsonObject Document => _document;

    public static async Task<ServedApiDescription> FetchAsync(string baseUrl)
    {
        using var http = ApiSignIn.Client(baseUrl, token: null, TimeSpan.FromSeconds(60));
        using var response = await http.GetAsync("/openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        return new ServedApiDescription(JsonNode.Parse(text)!.AsObject());
    }

    public IReadOnlyList<DescribedOperation> Operations =>
        (_document["paths"]?.AsObject() ?? [])
            .SelectMany(path => path.Value!.AsObject()
                .Where(item => Methods.Contains(item.Key, StringComparer.Ordinal))
                .Select(item => new DescribedOperation(item.Key.ToUpperInvariant(), path.Key, item.Value!.AsObject())))
            .ToList();

    public DescribedOperation Operation(string method, string path) =>
        Operations.SingleOrDefault(o => o.Method == method && o.Path == path)
        ?? throw new AssertionException($"the document has no {method} {path}");

    /// <summary>
    /// What is wrong with an answer according to the document: its status is not one the
    /// operation lists, or its body does not match that status's schema. Empty when it matches.
    /// </summary>
    public IReadOnlyList<string> Problems(string method, string path, int status, JsonElement body)
    {
        var operation = Operation(method, path);
        if (operation.Operation["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?["application/json"]?["schema"] is not { } schemaNode)
        {
            return [$"{operation} lists no JSON answer with status {status}"];
        }
        var key = $"{method} {path} {status}";
        if (!_schemas.TryGetValue(key, out var schema))
        {
            _schemas[key] = schema = Build(schemaNode);
        }
        var results = schema.Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return results.IsValid
            ? []
            : (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{operation} {status} at '{d.InstanceLocation}' ({d.SchemaLocation}): {e.Key} {e.Value}"))
                .DefaultIfEmpty($"{operation} {status}: the body does not match the schema")
                .ToList();
    }

    /// <summary>
    /// A schema of its own for one answer: the document's component schemas move to <c>$defs</c>
    /// (where 2020-12 references point), and references follow them there.
    /// </summary>
    private JsonSchema Build(JsonNode schemaNode)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = _document["components"]?["schemas"]?.DeepClone() ?? new JsonObject(),
            ["allOf"] = new JsonArray(schemaNode.DeepClone()),
        };
        var text = root.ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, baseUri: new Uri($"https://platform.invalid/openapi/{Guid.NewGuid():N}.json"));
    }
}
