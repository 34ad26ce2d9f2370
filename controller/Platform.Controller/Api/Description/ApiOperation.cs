using Platform.Controller.Security;

namespace Platform.Controller.Api.Description;

/// <summary>How a successful answer wraps its payload.</summary>
internal enum SuccessShape
{
    /// <summary><c>{"code": 0, "message": "ok", "data": …}</c>.</summary>
    Data,

    /// <summary><c>{"code": 0, "message": "ok", "result": …}</c> (the /thor endpoints the seed shows that way).</summary>
    Result,

    /// <summary>The payload type is the whole body (an envelope of its own shape).</summary>
    Whole,

    /// <summary>The bytes of a file (whole, or a range with 206).</summary>
    File,
}

/// <summary>
/// An endpoint's entry in the OpenAPI document: its id, tag and summary, who may call it, the
/// fields it reads (as query parameters for GET, as a JSON or form body otherwise), and the type
/// of its answer.
/// </summary>
internal sealed record ApiOperation(string OperationId, string Tag, string Summary, Type? Answer, SuccessShape Shape = SuccessShape.Data)
{
    public IReadOnlyList<ApiField> Fields { get; init; } = [];

    /// <summary>The body is a file upload: multipart/form-data with the file and the fields, or application/octet-stream.</summary>
    public bool Upload { get; init; }

    /// <summary>Who may call it: the endpoint's authorization policy and its security in the document.</summary>
    public required ApiAccess Access { get; init; }

    /// <summary>A longer description, for what the fields alone do not say.</summary>
    public string? Description { get; init; }
}

internal static class ApiOperationExtensions
{
    /// <summary>
    /// Puts the endpoint in the OpenAPI document as <paramref name="operation"/> describes it, and
    /// requires the policy of its <see cref="ApiOperation.Access"/>.
    /// </summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder builder, ApiOperation operation)
    {
        builder.WithMetadata(operation).WithTags(operation.Tag).WithSummary(operation.Summary);
        if (operation.Access == ApiAccess.Public)
        {
            builder.AllowAnonymous();
        }
        else
        {
            builder.RequireAuthorization(SecurityPolicies.Of(operation.Access));
        }
        if (operation.Description is { } description)
        {
            builder.WithDescription(description);
        }
        switch (operation.Shape)
        {
            case SuccessShape.File:
                builder.Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream");
                builder.Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream");
                break;
            case SuccessShape.Whole:
                builder.Produces(StatusCodes.Status200OK, operation.Answer);
                break;
            default:
                var envelope = operation.Shape == SuccessShape.Result ? typeof(ResultEnvelope<>) : typeof(DataEnvelope<>);
                builder.Produces(StatusCodes.Status200OK, envelope.MakeGenericType(operation.Answer ?? typeof(object)));
                break;
        }
        foreach (var status in ApiErrorStatuses.All)
        {
            builder.Produces<ErrorEnvelope>(status);
        }
        return builder;
    }
}

/// <summary>The HTTP statuses failures are served with, and the codes of each (from <see cref="ApiErrorCode"/>).</summary>
internal static class ApiErrorStatuses
{
    /// <summary>
    /// Every code but <see cref="ApiErrorCode.MethodNotAllowed"/>, which only the fallback answers
    /// (a path asked with a method it does not take), never an operation.
    /// </summary>
    public static IReadOnlyList<ApiErrorCode> Codes { get; } =
        Enum.GetValues<ApiErrorCode>().Where(c => c != ApiErrorCode.MethodNotAllowed).ToArray();

    public static IReadOnlyList<int> All { get; } = Codes.Select(c => c.HttpStatus()).Distinct().Order().ToArray();

    public static IReadOnlyList<ApiErrorCode> Of(int status) => Codes.Where(c => c.HttpStatus() == status).ToArray();
}

/// <summary>The success envelope of most endpoints, typed for the document (the wire shape of <see cref="ApiEnvelope"/>).</summary>
internal sealed record DataEnvelope<T>(int Code, string Message, T Data);

/// <summary>The /thor success envelope with <c>result</c> (the wire shape of <c>VoiEnvelope.Result</c>).</summary>
internal sealed record ResultEnvelope<T>(int Code, string Message, T Result);

/// <summary>
/// A failure as served (<see cref="ApiEnvelope.Fail"/>): data is <c>{"errors": [{field, message}]}</c>
/// for invalid fields, <c>{"resource_id", "task_id"}</c> for a change the failure is about, or null.
/// Its data schema is written by <see cref="ApiSchemaTransformer"/>.
/// </summary>
internal sealed record ErrorEnvelope(int Code, string Message, System.Text.Json.JsonElement? Data);
