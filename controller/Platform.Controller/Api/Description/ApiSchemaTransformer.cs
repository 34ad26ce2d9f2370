using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Platform.Controller.Api.Description;

/// <summary>
/// Makes the answer schemas as strict as the answers: every property of the platform's own
/// records is always written (nulls included), so each is required; numbers are numbers; and the
/// failure envelope's data is one of its three forms.
/// </summary>
internal sealed class ApiSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        // The web defaults read numbers from strings too, so integers are described as
        // "integer or numeric string"; the answers always write numbers.
        if (schema.Type is { } kinds && kinds.HasFlag(JsonSchemaType.Integer) && kinds.HasFlag(JsonSchemaType.String))
        {
            schema.Type = kinds & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        if (context.JsonPropertyInfo is null && context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object
            && type.Namespace?.StartsWith("Platform.", StringComparison.Ordinal) == true && schema.Properties is { Count: > 0 } properties)
        {
            schema.Required = new HashSet<string>(properties.Keys, StringComparer.Ordinal);
        }
        if (type == typeof(ErrorEnvelope) && context.JsonPropertyInfo is null && schema.Properties is { } envelope)
        {
            envelope["data"] = ErrorData();
        }
        return Task.CompletedTask;
    }

    private static OpenApiSchema ErrorData() => new()
    {
        Description = "the invalid fields, or the change the failure is about, or null",
        AnyOf =
        [
            new OpenApiSchema { Type = JsonSchemaType.Null },
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "errors" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["errors"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        MinItems = 1,
                        Items = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { "field", "message" },
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["field"] = new OpenApiSchema { Type = JsonSchemaType.String },
                                ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            },
                        },
                    },
                },
            },
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "resource_id", "task_id" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["resource_id"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["task_id"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                },
            },
        ],
    };
}
