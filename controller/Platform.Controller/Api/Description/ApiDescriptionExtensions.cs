using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Platform.Controller.Api.Description;

/// <summary>
/// The OpenAPI 3.1 document of the REST API at <see cref="DocumentPath"/>, built from the
/// endpoints' <see cref="ApiOperation"/> descriptions and their answer types, and a page to browse
/// it at <see cref="PagePath"/> whose assets the controller serves itself (no network needed).
/// </summary>
internal static class ApiDescriptionExtensions
{
    public const string DocumentName = "v1";

    public const string DocumentPath = "/openapi/v1.json";

    public const string PagePath = "/openapi";

    public static WebApplicationBuilder AddApiDescription(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            // Only described endpoints: the API fallbacks, gRPC and health are not operations of the REST API.
            options.ShouldInclude = description => description.ActionDescriptor.EndpointMetadata.OfType<ApiOperation>().Any();
            // PageOf<VolumeView> is "PageOfVolumeView", not the default "PageOfOfVolumeView".
            options.CreateSchemaReferenceId = type => OpenApiOptions.CreateDefaultSchemaReferenceId(type)?.Replace("OfOf", "Of", StringComparison.Ordinal);
            options.AddDocumentTransformer<ApiDocumentTransformer>();
            options.AddOperationTransformer<ApiOperationTransformer>();
            options.AddSchemaTransformer<ApiSchemaTransformer>();
        });
        return builder;
    }

    public static void MapApiDescription(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = PagePath.TrimStart('/');
            ui.SwaggerEndpoint(DocumentPath, "Platform REST API " + DocumentName);
            ui.DocumentTitle = "Platform REST API";
        });
    }
}

/// <summary>Title, version and the envelope's contract, said once for the whole document.</summary>
internal sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Platform REST API",
            Version = typeof(ApiDocumentTransformer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            Description =
                "The controller's REST facade: /api/v1 (images, instances, volumes, network interfaces, tasks, audit, hosts, drift) " +
                "and /thor (the driver center). Every answer is JSON in an envelope: code 0 and the payload in data (or result) on success; " +
                "on failure a non-zero code whose first three digits are the HTTP status, the message, and in data the invalid fields " +
                "({\"errors\": [{\"field\", \"message\"}]}, every problem of the request at once) or the change the failure is about. " +
                "Request fields are read from the query string and from a JSON or application/x-www-form-urlencoded body (the body wins); " +
                "in a form or query a list is a comma-separated value. Paths are case-sensitive. " +
                "Every call but signing in and a terminal's registration needs credentials (see each operation's security): " +
                "401 without valid ones, 403 when the role may not.",
        };
        ApiSecurityDescription.AddSchemes(document);
        return Task.CompletedTask;
    }
}
