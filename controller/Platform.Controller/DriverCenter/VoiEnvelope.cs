using Platform.Controller.Api;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// The /thor envelopes as the seed's console reads them: <c>{"code": 0, "message": "ok", "data": …}</c>
/// or, for the endpoints the seed shows that way, <c>{"code": 0, "message": "ok", "result": …}</c>.
/// Failures are the /api/v1 failure envelope (code, the seed's message, errors).
/// </summary>
internal static class VoiEnvelope
{
    public static IResult Data(object? data) => Results.Json(new DataEnvelope(0, "ok", data));

    public static IResult Result(object? result) => Results.Json(new ResultEnvelope(0, "ok", result));

    private sealed record DataEnvelope(int Code, string Message, object? Data);

    private sealed record ResultEnvelope(int Code, string Message, object? Result);
}

/// <summary>Reads a /thor request's parameters, runs the handler, and serves its envelope or its <see cref="ApiError"/>.</summary>
internal static class VoiCall
{
    /// <param name="handler">Answers an <see cref="ApiError"/> or the envelope (<see cref="VoiEnvelope"/>) itself.</param>
    public static async Task<IResult> RunAsync(HttpRequest http, Func<ApiRequest, Task<object>> handler, CancellationToken ct)
    {
        var request = await ApiRequest.ReadAsync(http, ct);
        if (request.Error is { } malformed)
        {
            return ApiEnvelope.Fail(malformed);
        }
        var outcome = await handler(request.Value!);
        Api.Description.ApiDescriptionGuard.Check(http.HttpContext, request.Value!.FieldsRead);
        return outcome switch
        {
            ApiError error => ApiEnvelope.Fail(error),
            IResult envelope => envelope,
            var other => throw new InvalidOperationException($"a /thor handler answered a {other.GetType().Name}"),
        };
    }
}
