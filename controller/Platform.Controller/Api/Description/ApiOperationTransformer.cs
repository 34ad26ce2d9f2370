using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Platform.Contracts.Limits;
using Platform.Controller.Idempotency;

namespace Platform.Controller.Api.Description;

/// <summary>
/// Writes each described operation: its id, its fields (query parameters for GET, a JSON, form
/// or upload body otherwise) from <see cref="ApiOperation.Fields"/>, and for each failure status
/// the error codes it stands for.
/// </summary>
internal sealed class ApiOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<ApiOperation>().LastOrDefault() is not { } described)
        {
            return Task.CompletedTask;
        }
        var method = context.Description.HttpMethod ?? HttpMethods.Get;
        var methods = metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [method];
        // A path served under several methods is one operation per method; ids stay unique.
        operation.OperationId = methods.Count > 1 ? $"{described.OperationId}_{method.ToLowerInvariant()}" : described.OperationId;
        operation.Parameters ??= [];
        var readsQuery = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (readsQuery || described.Upload)
        {
            foreach (var field in described.Fields)
            {
                // A list in a query is one comma-separated value: form style, not exploded.
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = field.Name,
                    In = ParameterLocation.Query,
                    Required = field.Required && !field.SometimesRequired,
                    Description = DescriptionOf(field),
                    Schema = SchemaOf(field),
                    Style = field.IsList ? ParameterStyle.Form : null,
                    Explode = !field.IsList,
                });
            }
        }
        if (!readsQuery)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyKeys.Header,
                In = ParameterLocation.Header,
                Description = "Makes a retry of this change safe: the same key and request answer the first attempt's outcome instead of running again.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            operation.RequestBody = described.Upload ? UploadBody(described) : FieldsBody(described);
        }
        ApiSecurityDescription.Describe(operation, described.Access, context.Document);
        if (operation.Parameters.Count == 0)
        {
            operation.Parameters = null;
        }
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (int.TryParse(status, CultureInfo.InvariantCulture, out var code) && code >= 400 && response is OpenApiResponse failure)
            {
                NarrowToCodes(failure, code);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The failure envelope of one status: its code is one of the codes served with it.</summary>
    private static void NarrowToCodes(OpenApiResponse response, int status)
    {
        var codes = ApiErrorStatuses.Of(status);
        response.Description = string.Join("; ", codes.Select(c => $"{(int)c} {c}"));
        foreach (var media in (response.Content ?? new Dictionary<string, OpenApiMediaType>()).Values)
        {
            if (media.Schema is { } envelope)
            {
                media.Schema = new OpenApiSchema
                {
                    AllOf = [envelope, new OpenApiSchema
                    {
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["code"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Enum = codes.Select(c => (JsonNode)JsonValue.Create((int)c)).ToList() },
                        },
                    }],
                };
            }
        }
    }

    private static OpenApiRequestBody FieldsBody(ApiOperation described)
    {
        var schema = ObjectOf(described.Fields);
        return new OpenApiRequestBody
        {
            Required = described.Fields.Any(f => f.Required && !f.SometimesRequired),
            Description = "As JSON or as a form; fields may also be given in the query string (the body wins).",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = schema },
                ["application/x-www-form-urlencoded"] = new() { Schema = schema },
            },
        };
    }

    private static OpenApiRequestBody UploadBody(ApiOperation described)
    {
        var form = ObjectOf(described.Fields);
        form.Properties!["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "the driver file (one per request)" };
        form.Required!.Add("file");
        return new OpenApiRequestBody
        {
            Required = true,
            Description = "The file as a multipart form part with the fields beside it (or in the query string), or the whole body as application/octet-stream with ?file_name=.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new() { Schema = form },
                ["application/octet-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
            },
        };
    }

    private static OpenApiSchema ObjectOf(IReadOnlyList<ApiField> fields)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
            Required = new HashSet<string>(StringComparer.Ordinal),
        };
        foreach (var field in fields)
        {
            var property = SchemaOf(field);
            property.Description = DescriptionOf(field);
            schema.Properties[field.Name] = property;
            if (field.Required && !field.SometimesRequired)
            {
                schema.Required.Add(field.Name);
            }
        }
        return schema;
    }

    /// <summary>The JSON form of a field's value, with the limits its reader checks.</summary>
    public static OpenApiSchema SchemaOf(ApiField field) => field.Kind switch
    {
        ApiFieldKind.Text => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            MaxLength = field.Rule!.MaxLength,
            MinLength = field.Rule.AllowEmpty ? null : 1,
        },
        ApiFieldKind.Id => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = $"^{field.IdPrefix}-[0-9a-f]{{8}}$" },
        ApiFieldKind.ImageId => ImageIdSchema(),
        ApiFieldKind.Integer => new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = Number(field.Minimum), Maximum = Number(field.Maximum) },
        ApiFieldKind.Boolean => new OpenApiSchema { Type = JsonSchemaType.Boolean },
        ApiFieldKind.Choice => new OpenApiSchema { Type = JsonSchemaType.String, Enum = field.Allowed!.Select(a => (JsonNode)JsonValue.Create(a)).ToList() },
        ApiFieldKind.Scalar => new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Number | JsonSchemaType.Null },
        ApiFieldKind.IdList => ArrayOf(new OpenApiSchema { Type = JsonSchemaType.String, Pattern = $"^{field.IdPrefix}-[0-9a-f]{{8}}$" }, field.MaxItems),
        ApiFieldKind.NumberList => ArrayOf(new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = Number(field.Minimum), Maximum = Number(field.Maximum) }, field.MaxItems),
        ApiFieldKind.ImageIdList => ArrayOf(ImageIdSchema(), field.MaxItems),
        ApiFieldKind.ObjectList => ArrayOf(ObjectOf(field.ItemFields), field.MaxItems),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field.Kind, "no schema for this kind of field"),
    };

    private static OpenApiSchema ImageIdSchema() => new() { Type = JsonSchemaType.String, Description = $"ami-xxxxxxxx or a registered RBD image name ({RbdLimits.NameRule})" };

    private static OpenApiSchema ArrayOf(OpenApiSchema item, int? maxItems) => new() { Type = JsonSchemaType.Array, Items = item, MaxItems = maxItems, UniqueItems = true };

    private static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? DescriptionOf(ApiField field)
    {
        var parts = new List<string>();
        if (field.Description is { } description)
        {
            parts.Add(description);
        }
        if (field.Aliases.Count > 0)
        {
            parts.Add($"also accepted as {string.Join(", ", field.Aliases)}");
        }
        if (field.Rule is { NameCharactersOnly: true })
        {
            parts.Add("letters, digits, space and - _ . : ( ) @ +; no leading or trailing space");
        }
        if (field.Kind == ApiFieldKind.Choice)
        {
            parts.Add("compared case-insensitively");
        }
        if (field.Kind is ApiFieldKind.Integer or ApiFieldKind.NumberList)
        {
            parts.Add("numbers may be sent as strings");
        }
        if (field.IsList && field.Kind != ApiFieldKind.ObjectList)
        {
            parts.Add("in a form or query: comma-separated");
        }
        if (field.Kind == ApiFieldKind.ObjectList)
        {
            parts.Add("in a form: the array as JSON text");
        }
        if (field.SometimesRequired)
        {
            parts.Add("required in some cases (see the operation)");
        }
        return parts.Count > 0 ? string.Join("; ", parts) : null;
    }
}
