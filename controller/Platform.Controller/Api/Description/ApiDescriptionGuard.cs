using System.Collections.Concurrent;

namespace Platform.Controller.Api.Description;

/// <summary>
/// Compares what a handler read with what its endpoint's <see cref="ApiOperation"/> says, so the
/// document cannot quietly drift from the validation: a field read but not described (or
/// described with other limits) is logged once per endpoint and field. The OpenAPI tests fail on it.
/// </summary>
internal static partial class ApiDescriptionGuard
{
    public const int UndescribedFieldEventId = 1110;

    private static readonly ConcurrentDictionary<string, bool> Reported = new(StringComparer.Ordinal);

    public static void Check(HttpContext context, IReadOnlyList<ApiField> read)
    {
        var endpoint = context.GetEndpoint();
        var described = endpoint?.Metadata.GetMetadata<ApiOperation>();
        foreach (var field in read)
        {
            if (described?.Fields.Any(f => f.Describes(field)) == true)
            {
                continue;
            }
            var key = $"{endpoint?.DisplayName} {field.Name} {ApiField.Limits(field)} {field.Required}";
            if (Reported.TryAdd(key, true))
            {
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiDescriptionGuard));
                LogUndescribed(logger, context.Request.Method, context.Request.Path, field.Name, ApiField.Limits(field), field.Required,
                    described?.OperationId ?? "(none)");
            }
        }
    }

    [LoggerMessage(EventId = UndescribedFieldEventId, Level = LogLevel.Warning,
        Message = "{Method} {Path} read the field {Field} ({Limits}, required: {Required}) that its OpenAPI operation {OperationId} does not describe so; the document is out of date")]
    private static partial void LogUndescribed(ILogger logger, string method, string path, string field, string limits, bool required, string operationId);
}
